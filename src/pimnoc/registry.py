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
        self._deferred: dict[str, str] = {}  # name -> module that registers it when imported

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering an implementation under `name`."""

        def decorate(item: T) -> T:
            self._items[name] = item
            return item

        return decorate

    def defer(self, name: str, module: str) -> None:
        """Name an implementation that `module` registers when it is imported, at the first
        `get(name)`: for one whose imports cost start-up time that most runs do not need."""
        self._deferred[name] = module

    def get(self, name: str) -> T:
        """Look up `name`, raising a ConfigError naming the config key if it is unknown."""
        if name not in self._items and name in self._deferred:
            importlib.import_module(self._deferred[name])
        if name not in self._items:
            raise unknown_name(self.config_key, name, self.names())
        return self._items[name]

    def names(self) -> list[str]:
        """All registered names (deferred ones included), sorted."""
        return sorted(set(self._items) | set(self._deferred))

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._deferred


def deferred(module: str, name: str) -> Callable[..., Any]:
    """`module.name` (a dotted name: `Class.method` too) as a callable that imports `module`
    at its first call.

    For a stage that few runs need and whose import costs start-up time (the event engine,
    the thermal model, numba kernels). `module` must sit below the caller in the import-linter
    layers, or be a module of its layer that imports nothing of pimnoc; lint-imports cannot
    see this import, so tests/test_architecture.py checks every use.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        target: Any = importlib.import_module(module)
        for attribute in name.split("."):
            target = getattr(target, attribute)
        return target(*args, **kwargs)

    call.__name__ = call.__qualname__ = name.rpartition(".")[2]
    call.__doc__ = f"`{module}.{name}`, imported at the first call."
    return call
