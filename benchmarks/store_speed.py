"""Stored points per second of the sweep driver and the SQLite store, trivial evaluator (JSON).

The evaluator returns fixed metrics at once, so what is timed is everything around the
evaluation: the grid searcher, chunking by design, the store's inserts and the searcher's
read-back. Also timed alone: `Store.add` (one transaction per point) and `Store.add_many`
(one per 512 points, as the driver writes at most) of the same points into fresh stores.
Usage: python benchmarks/store_speed.py [POINTS]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from pimnoc.dse.point import Outcome, Task
from pimnoc.dse.space import parse_space
from pimnoc.dse.store import Store
from pimnoc.dse.sweep import STORE_EVERY_POINTS, run_sweep

TARGET_POINTS_PER_S = 5000.0  # issue 16: a few hundred remote workers not throttled
CHUNK = STORE_EVERY_POINTS  # most points per transaction of the driver


def space_of(points: int):
    """A grid of `points` points of one design, differing only in the mapping seed."""
    return parse_space({
        "base": {
            "workload": {"networks": [{"model": "resnet18", "input_hw": 224}]},
            "design": {"integration": "2d", "pes": {"rows": 8, "cols": 8}},
            "mapping": {"placement": "random"},
        },
        "space": {"mapping.seed": list(range(points))},
        "search": {"strategy": "grid"},
        "objectives": {"latency_s": "min", "energy_j": "min"},
    }, "store_speed")


class TrivialExecutor:
    """Returns fixed metrics for every task, at once, in this process."""

    name = "trivial"
    workers = 1

    def run(self, chunks: Iterable[list[Task]], fn=None) -> Iterator[list[Outcome]]:
        """Fixed metrics for each task of each chunk."""
        for chunk in chunks:
            yield [Outcome(t.config_hash, "ok", {"latency_s": 1e-3, "energy_j": 1e-3}, 0.0)
                   for t in chunk]

    def close(self) -> None:
        """Nothing to release."""


def main(points: int = 5000) -> dict:
    """Time the driver and the store alone; return the JSON report."""
    space = space_of(points)
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "sweep.db") as store:
            started, cpu_started = time.perf_counter(), time.process_time()
            summary = run_sweep(space, store, TrivialExecutor())
            driver_s = time.perf_counter() - started
            driver_cpu_s = time.process_time() - cpu_started
            stored = store.count()
            tasks = [Task(r["config_hash"], r["config"], r["params"]) for r in store.rows()]
        outcome = Outcome("", "ok", {"latency_s": 1e-3, "energy_j": 1e-3}, 0.0)
        with Store(Path(tmp) / "adds.db") as store:
            started = time.perf_counter()
            for task in tasks:
                store.add(task, outcome, [], "bench")
            add_s = time.perf_counter() - started
        with Store(Path(tmp) / "batches.db") as store:
            started = time.perf_counter()
            for start in range(0, len(tasks), CHUNK):
                store.add_many([(t, outcome, []) for t in tasks[start:start + CHUNK]], "bench")
            batch_s = time.perf_counter() - started
    driver_rate = summary.progress.evaluated / driver_s
    return {
        "benchmark": "store_speed",
        "points": points,
        "stored": stored,
        "cores": os.cpu_count(),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "driver_and_store_points_per_s": round(driver_rate, 1),
        "driver_and_store_wall_s": round(driver_s, 3),
        "driver_and_store_points_per_cpu_s": round(summary.progress.evaluated / driver_cpu_s, 1),
        "store_add_alone_points_per_s": round(len(tasks) / add_s, 1),
        f"store_add_many_{CHUNK}_per_transaction_points_per_s": round(len(tasks) / batch_s, 1),
        "target_points_per_s": TARGET_POINTS_PER_S,
        "meets_target": driver_rate >= TARGET_POINTS_PER_S,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000), indent=1))
