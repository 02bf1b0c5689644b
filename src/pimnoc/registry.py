"""Named registries for replaceable pipeline stages (topologies, placements, engines, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from pimnoc.errors import unknown_name

T = TypeVar("T")


class Registry(Generic[T]):
    """A mapping from names to implementations, with helpful errors on unknown names."""

    def __init__(self, kind: str, config_key: str) -> None:
        self.kind = kind
        self.config_key = config_key
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering an implementation under `name`."""

        def decorate(item: T) -> T:
            self._items[name] = item
            return item

        return decorate

    def get(self, name: str) -> T:
        """Look up `name`, raising a ConfigError naming the config key if it is unknown."""
        if name not in self._items:
            raise unknown_name(self.config_key, name, self._items)
        return self._items[name]

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
