"""Named registries for replaceable pipeline stages (topologies, placements, engines, ...)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

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


def deferred(module: str, name: str) -> Callable[..., Any]:
    """`module.name` as a callable that imports `module` at its first call.

    For a stage that few runs need and whose import costs start-up time (the event engine:
    ~25 ms). `module` must sit below the caller in the import-linter layers, which cannot see
    this import; tests/test_architecture.py checks every use.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`{module}.{name}`, imported at the first call."
    return call
