"""One design point as a task for an executor, and its outcome (what the store keeps)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DROPPED = ("per_layer", "per_link", "wall_s")
"""Result entries not kept in the store (large per-layer/per-link lists, wall time)."""


@dataclass(frozen=True)
class Task:
    """A point to evaluate: its hash, run config, dimension values and searcher extras."""

    config_hash: str
    config: dict[str, Any]
    params: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What evaluating a Task gave: `ok` and figures, or the error message."""

    config_hash: str
    status: str
    metrics: dict[str, Any]
    eval_s: float

    @property
    def ok(self) -> bool:
        """True when the point evaluated without error."""
        return self.status == "ok"


def stored_metrics(result_dict: dict[str, Any]) -> dict[str, Any]:
    """The figures of a Result kept in the store (everything but bulky lists and wall time)."""
    return {k: v for k, v in result_dict.items() if k not in DROPPED}


def metric_value(metrics: dict[str, Any], name: str) -> float | None:
    """A scalar figure by dotted name (a dict with `total` gives its total); None if absent."""
    value: Any = metrics
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if isinstance(value, dict):
        value = value.get("total")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def finite(value: float | None) -> bool:
    """True for a real, finite number."""
    return value is not None and math.isfinite(value)
