"""The sweep driver: searcher -> executor -> store, resumable and safe to interrupt."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from pimnoc.dse.executors import Executor
from pimnoc.dse.point import Outcome, Task
from pimnoc.dse.searchers import Searcher, make_searcher, violations
from pimnoc.dse.space import Space
from pimnoc.dse.store import Store
from pimnoc.dse.worker import design_of


@dataclass(frozen=True)
class Progress:
    """Counts of a running sweep, passed to the progress callback after every point."""

    total: int
    done: int
    evaluated: int
    failures: int
    reused: int
    elapsed_s: float

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate of points evaluated so far (None before the first)."""
        if self.evaluated == 0:
            return None
        return max(0, self.total - self.done) * self.elapsed_s / self.evaluated


@dataclass(frozen=True)
class SweepSummary:
    """How a sweep ended."""

    sweep: str
    status: str
    progress: Progress


ProgressFn = Callable[[Progress], None]


class _Counter:
    """Mutable counts behind the frozen Progress snapshots."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.evaluated, self.failures, self.reused = total, 0, 0, 0, 0
        self.seen: set[str] = set()
        self.started = time.perf_counter()

    def snapshot(self) -> Progress:
        return Progress(max(self.total, self.done), self.done, self.evaluated, self.failures,
                        self.reused, time.perf_counter() - self.started)


def run_sweep(space: Space, store: Store, executor: Executor, resume: bool = False,
              on_progress: ProgressFn | None = None,
              searcher: Searcher | None = None) -> SweepSummary:
    """Run the space's search; points already in the store are reused, never repeated."""
    searcher = searcher or make_searcher(space)
    sweep = space.fingerprint()
    store.begin_sweep(sweep, space.source, space.strategy, resume)
    known = store.hashes()
    counter = _Counter(searcher.total)
    report = on_progress or (lambda _p: None)
    report(counter.snapshot())
    status = "interrupted"
    try:
        while (batch := searcher.ask()) is not None:
            fresh: dict[str, Outcome] = {}
            tasks = _run_batch(batch, store, executor, known, sweep, space, counter, report,
                               fresh)
            stored = store.outcomes([t.config_hash for t in tasks if t.config_hash not in fresh])
            stored.update(fresh)
            searcher.tell(tasks, [_stored(stored, t) for t in tasks])
        status = "done"
    finally:
        store.end_sweep(sweep, status)
    return SweepSummary(sweep, status, counter.snapshot())


def _stored(stored: dict[str, Outcome], task: Task) -> Outcome:
    outcome = stored.get(task.config_hash)
    if outcome is None:  # cannot happen: every task of a finished batch is stored
        raise RuntimeError(f"point {task.config_hash} is missing from the store")
    return outcome


WINDOW = 256
"""Tasks looked at together when grouping points of one design into chunks."""
MAX_CHUNK = 8
"""Most points in one chunk (a chunk runs in one worker, sharing its design's topology)."""


def chunked(tasks: Iterable[Task], workers: int) -> Iterator[list[Task]]:
    """Group tasks of equal design (topology, routing) into chunks, window by window.

    Points of one design evaluated by one worker build its topology and routing once; the
    chunk size still leaves a few chunks per worker for balance. With several workers the
    biggest designs (most PEs) go first, so that no long chunk is left running alone at the
    end (longest-processing-time-first order); the order changes no result.
    """
    queue = iter(tasks)
    while window := list(islice(queue, WINDOW)):
        size = max(1, min(MAX_CHUNK, -(-len(window) // (3 * workers))))
        groups: dict[str, list[Task]] = {}
        pes: dict[str, int] = {}
        for task in window:
            key, pes[key] = design_of(task.config)
            groups.setdefault(key, []).append(task)
        order = sorted(groups, key=lambda k: -pes[k]) if workers > 1 else list(groups)
        for key in order:
            group = groups[key]
            for start in range(0, len(group), size):
                yield group[start:start + size]


STORE_EVERY_POINTS = 512
"""Most evaluated points held before they are written (one transaction for all of them)."""
STORE_EVERY_S = 1.0
"""Longest time an evaluated point waits to be written: a crash loses at most this much work."""


def _run_batch(batch: Iterable[Task], store: Store, executor: Executor, known: set[str],
               sweep: str, space: Space, counter: _Counter, report: ProgressFn,
               fresh_outcomes: dict[str, Outcome]) -> list[Task]:
    """Evaluate the batch's new points and store them (a transaction per second or 512 points).

    Returns the batch's tasks; the outcomes of those evaluated here go to `fresh_outcomes`.
    """
    tasks: list[Task] = []
    in_flight: dict[str, Task] = {}
    pending: list[tuple[Task, Outcome, list[str]]] = []
    last_write = time.perf_counter()

    def fresh() -> Iterator[Task]:
        for task in batch:
            tasks.append(task)
            first_time = task.config_hash not in counter.seen
            counter.seen.add(task.config_hash)
            if task.config_hash in known or task.config_hash in in_flight:
                counter.done += first_time
                counter.reused += 1
                if task.config_hash in known:
                    outcome = store.outcome(task.config_hash) if not pending else \
                        _pending_or_stored(pending, store, task.config_hash)
                    counter.failures += first_time and outcome is not None and not outcome.ok
                report(counter.snapshot())
                continue
            in_flight[task.config_hash] = task
            yield task

    try:
        for outcomes in executor.run(chunked(fresh(), executor.workers)):
            for outcome in outcomes:
                task = in_flight.pop(outcome.config_hash)
                failed = violations(space.metric_constraints, outcome.metrics, task.config) \
                    if outcome.ok else []
                pending.append((task, outcome, failed))
                fresh_outcomes[outcome.config_hash] = outcome
                known.add(task.config_hash)
                counter.done += 1
                counter.evaluated += 1
                counter.failures += not outcome.ok
                report(counter.snapshot())
            if len(pending) >= STORE_EVERY_POINTS or \
                    time.perf_counter() - last_write >= STORE_EVERY_S:
                store.add_many(pending, sweep)
                pending.clear()
                last_write = time.perf_counter()
    finally:  # what was evaluated is kept, also when the sweep is interrupted
        store.add_many(pending, sweep)
    return tasks


def _pending_or_stored(pending: list[tuple[Task, Outcome, list[str]]], store: Store,
                       config_hash: str) -> Outcome | None:
    """The outcome of a point evaluated in this sweep, written or not yet."""
    for task, outcome, _failed in pending:
        if task.config_hash == config_hash:
            return outcome
    return store.outcome(config_hash)
