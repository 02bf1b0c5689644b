"""Reading a store for reports: objectives, the front over stored points, flat CSV rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pimnoc.dse.pareto import pareto_mask
from pimnoc.dse.point import finite, metric_value
from pimnoc.dse.space import DIRECTIONS, Objective, check_metric
from pimnoc.dse.store import Store
from pimnoc.errors import ConfigError
from pimnoc.result import write_text_atomic

MAXIMISED = ("throughput_ips", "accuracy_estimate")
"""Figures whose natural direction is `max` when an objective gives none."""


def parse_objectives(text: str) -> tuple[Objective, ...]:
    """`latency_s,energy_j:min,throughput_ips:max` -> objectives (default min, or max)."""
    objectives = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, direction = item.partition(":")
        check_metric(name, "--objectives")
        direction = direction or ("max" if name in MAXIMISED else "min")
        if direction not in DIRECTIONS:
            raise ConfigError(f"--objectives: '{item}': direction must be min or max")
        objectives.append(Objective(name, direction))
    if not objectives:
        raise ConfigError("--objectives: give at least one figure, e.g. latency_s,energy_j")
    if len({o.name for o in objectives}) != len(objectives):
        raise ConfigError("--objectives: each figure may appear once")
    return tuple(objectives)


@dataclass(frozen=True)
class Front:
    """Stored points with finite objective values and which of them are non-dominated."""

    objectives: tuple[Objective, ...]
    rows: tuple[dict[str, Any], ...]
    values: np.ndarray
    on_front: np.ndarray
    skipped: int
    failed: int = 0
    infeasible: int = 0
    missing: int = 0

    def skipped_text(self) -> str:
        """Why stored points are not on the plot or the front, by reason."""
        parts = [f"{self.failed} failed"] if self.failed else []
        if self.infeasible:
            parts.append(f"{self.infeasible} infeasible (--include-infeasible adds them)")
        if self.missing:
            parts.append(f"{self.missing} without a finite value of every objective")
        return f"{self.skipped} stored points not considered: " + ", ".join(parts)

    def front_rows(self) -> list[tuple[dict[str, Any], np.ndarray]]:
        """Front points with their objective values, sorted by the first objective."""
        idx = np.flatnonzero(self.on_front)
        signs = np.array([o.sign for o in self.objectives])
        idx = idx[np.lexsort((self.values[idx] * signs).T[::-1])] if idx.size else idx
        return [(self.rows[i], self.values[i]) for i in idx]


def load_front(store: Store, objectives: tuple[Objective, ...],
               include_infeasible: bool = False) -> Front:
    """The front of a store's ok (and feasible) points under `objectives`."""
    rows, values, infeasible, missing = [], [], 0, 0
    for row in store.rows(status="ok"):
        if not include_infeasible and not row["feasible"]:
            infeasible += 1
            continue
        point = [metric_value(row["metrics"], o.name) for o in objectives]
        if not all(finite(v) for v in point):
            missing += 1
            continue
        rows.append(row)
        values.append(point)
    array = np.asarray(values, dtype=float).reshape(len(rows), len(objectives))
    mask = pareto_mask(array, [o.direction for o in objectives]) if rows else \
        np.zeros(0, dtype=bool)
    failed = store.count() - store.count("ok")
    return Front(objectives, tuple(rows), array, mask, failed + infeasible + missing, failed,
                 infeasible, missing)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, list):
        return  # per-network lists and placement orders stay in the store's JSON
    else:
        out[prefix] = value


def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: store columns, dimension values, then scalar figures (dotted names)."""
    out: dict[str, Any] = {k: row[k] for k in ("id", "config_hash", "status", "feasible",
                                                "pimnoc_version", "eval_s", "created_at")}
    out["violations"] = "; ".join(row["violations"])
    for key, value in row["params"].items():
        out[f"param.{key}"] = json.dumps(value) if isinstance(value, dict | list) else value
    _flatten("", row["metrics"], out)
    return out


def export_csv(store: Store, path: str | Path) -> int:
    """Write every stored point as CSV (atomically); return the number of rows."""
    rows = [flat_row(r) for r in store.rows()]
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(r))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(buffer.getvalue(), path)
    return len(rows)
