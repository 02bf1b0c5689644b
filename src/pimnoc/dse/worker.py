"""Evaluate design points in any process: user errors and crashes become the point's status."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from pimnoc.config import parse_run
from pimnoc.dse.anneal import anneal_and_evaluate
from pimnoc.dse.point import Outcome, Task, stored_metrics
from pimnoc.errors import ConfigError, PimnocError
from pimnoc.evaluate import evaluate, system_spec


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, PimnocError):
        return str(exc) or type(exc).__name__
    return f"internal error {type(exc).__name__}: {exc}"


def evaluate_task(task: Task) -> Outcome:
    """Evaluate one point (in any process); user errors and crashes become the status."""
    started = time.perf_counter()
    try:
        if task.extra.get("anneal"):
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


_DESIGN_KEYS: dict[str, tuple[str, int]] = {}
_DESIGN_KEYS_MAX = 4096
# Sections that never decide the topology or routing: a point that differs from another only
# there has the same design key, found without parsing its config again. The key only groups
# points into chunks (cache reuse), so it can never change a result.
_NOT_DESIGN = ("workload", "mapping")


def design_key(config: dict[str, Any]) -> str:
    """What decides a point's topology and routing (points with equal keys share them)."""
    return design_of(config)[0]


def design_of(config: dict[str, Any]) -> tuple[str, int]:
    """(design key, number of PEs): the PE count ranks chunks by their likely cost."""
    memo = json.dumps({k: v for k, v in config.items() if k not in _NOT_DESIGN},
                      sort_keys=True, default=str)
    found = _DESIGN_KEYS.get(memo)
    if found is None:
        if len(_DESIGN_KEYS) >= _DESIGN_KEYS_MAX:
            _DESIGN_KEYS.clear()
        found = _DESIGN_KEYS[memo] = _design_of(config)
    return found


def _design_of(config: dict[str, Any]) -> tuple[str, int]:
    try:
        spec = parse_run(config, check_keys=False)
    except ConfigError:
        return "", 0
    system = system_spec(spec, spec.network_tech(), spec.pe_tech())
    pes = system.pe_rows * system.pe_cols * system.chiplet_rows * system.chiplet_cols \
        * system.tiers
    return repr((system, spec.simulation.routing)), pes


def warm_up() -> int:
    """Run once in each worker as it starts: unpickling it loads this module and so the whole
    pipeline, which the long-lived worker then keeps with its caches. Returns the process id."""
    return os.getpid()
