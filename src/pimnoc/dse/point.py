"""One design point as a task for an executor, and its outcome (what the store keeps)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from pimnoc.errors import PimnocError

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


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, PimnocError):
        return str(exc) or type(exc).__name__
    return f"internal error {type(exc).__name__}: {exc}"


def evaluate_task(task: Task) -> Outcome:
    """Evaluate one point (in any process); user errors and crashes become the status."""
    from pimnoc.config import parse_run
    from pimnoc.evaluate import evaluate

    started = time.perf_counter()
    try:
        if task.extra.get("anneal"):
            from pimnoc.dse.anneal import anneal_and_evaluate

            metrics = anneal_and_evaluate(task.config, task.extra["anneal"])
        else:
            result = evaluate(parse_run(task.config, "point", check_keys=False), detail=False)
            metrics = stored_metrics(result.to_dict())
        status = "ok"
    except Exception as exc:  # noqa: BLE001 - a failing point must not stop the sweep
        metrics, status = {}, _error_message(exc)
    return Outcome(task.config_hash, status, metrics, time.perf_counter() - started)


def evaluate_chunk(tasks: list[Task]) -> list[Outcome]:
    """Evaluate several points of (usually) one design in turn, sharing its cached topology."""
    return [evaluate_task(task) for task in tasks]


def design_key(config: dict[str, Any]) -> str:
    """What decides a point's topology and routing (points with equal keys share them)."""
    from pimnoc.config import parse_run
    from pimnoc.errors import ConfigError
    from pimnoc.evaluate import system_spec

    try:
        spec = parse_run(config, check_keys=False)
    except ConfigError:
        return ""
    return repr((system_spec(spec, spec.network_tech(), spec.pe_tech()),
                 spec.simulation.routing))


def finite(value: float | None) -> bool:
    """True for a real, finite number."""
    return value is not None and math.isfinite(value)
