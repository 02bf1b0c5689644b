"""The result store: one SQLite file (WAL), one row per design point, safe to share."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pimnoc import __version__
from pimnoc.dse.point import Outcome, Task
from pimnoc.errors import PimnocError

SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    config_hash TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    params TEXT NOT NULL,
    metrics TEXT NOT NULL,
    status TEXT NOT NULL,
    feasible INTEGER NOT NULL,
    violations TEXT NOT NULL,
    pimnoc_version TEXT NOT NULL,
    eval_s REAL,
    sweep TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sweeps (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    strategy TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""
BUSY_TIMEOUT_S = 60.0


class StoreError(PimnocError):
    """A result store that cannot be opened, or a sweep that would clash with one in it."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """A SQLite result store; every write is its own short transaction (crash-safe)."""

    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StoreError(f"{self.path}: no such result store; run `pimnoc sweep SPACE.yaml "
                             f"--store {self.path}` first")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if create:
                self.db.executescript(SCHEMA)
            else:
                tables = {r[0] for r in self.db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'")}
                if "points" not in tables:
                    raise StoreError(f"{self.path}: not a pimnoc result store (no points "
                                     "table); give the file written by `pimnoc sweep --store`")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open as a result store ({exc}); give a "
                             "SQLite file written by `pimnoc sweep --store`, or a new path") \
                from None

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hashes(self) -> set[str]:
        """Hashes of every stored point."""
        return {r[0] for r in self.db.execute("SELECT config_hash FROM points")}

    def count(self, status: str | None = None) -> int:
        """Number of stored points (with `status` if given)."""
        if status is None:
            return self.db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM points WHERE status = ?",
                               (status,)).fetchone()[0]

    def add(self, task: Task, outcome: Outcome, violations: list[str], sweep: str) -> bool:
        """Store one evaluated point; False if its hash was already there (kept as it was)."""
        return self.add_many([(task, outcome, violations)], sweep) == 1

    def add_many(self, points: list[tuple[Task, Outcome, list[str]]], sweep: str) -> int:
        """Store points in one transaction; how many were new (the others are kept as they were)."""
        if not points:
            return 0
        now = _now()
        rows = [(task.config_hash, json.dumps(task.config), json.dumps(task.params),
                 json.dumps(outcome.metrics), outcome.status,
                 int(outcome.ok and not violations),
                 json.dumps(violations) if violations else "[]", __version__,
                 outcome.eval_s, sweep, now, now) for task, outcome, violations in points]
        before = self.db.total_changes
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT OR IGNORE INTO points (config_hash, config, params, metrics, status, "
                "feasible, violations, pimnoc_version, eval_s, sweep, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return self.db.total_changes - before

    def outcomes(self, config_hashes: list[str]) -> dict[str, Outcome]:
        """The stored outcomes of several points (those stored), by hash."""
        found: dict[str, Outcome] = {}
        for start in range(0, len(config_hashes), 500):  # SQLite's limit on parameters
            part = config_hashes[start:start + 500]
            marks = ", ".join("?" * len(part))
            for row in self.db.execute("SELECT config_hash, status, metrics, eval_s FROM points "
                                       f"WHERE config_hash IN ({marks})", part):
                found[row[0]] = Outcome(row[0], row[1], json.loads(row[2]), row[3] or 0.0)
        return found

    def outcome(self, config_hash: str) -> Outcome | None:
        """The stored outcome of a point, or None."""
        row = self.db.execute("SELECT status, metrics, eval_s FROM points WHERE config_hash = ?",
                              (config_hash,)).fetchone()
        if row is None:
            return None
        return Outcome(config_hash, row[0], json.loads(row[1]), row[2] or 0.0)

    def rows(self, status: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored points as dicts (config, params, metrics and violations decoded)."""
        query = "SELECT * FROM points" + (" WHERE status = ?" if status else "") + " ORDER BY id"
        cursor = self.db.execute(query, (status,) if status else ())
        names = [d[0] for d in cursor.description]
        for row in cursor:
            item = dict(zip(names, row, strict=True))
            for key in ("config", "params", "metrics", "violations"):
                item[key] = json.loads(item[key])
            yield item

    def sweep_status(self, sweep: str) -> str | None:
        """Status of a sweep (running, done, interrupted) or None if never started here."""
        row = self.db.execute("SELECT status FROM sweeps WHERE id = ?", (sweep,)).fetchone()
        return row[0] if row else None

    def begin_sweep(self, sweep: str, source: str, strategy: str, resume: bool) -> None:
        """Record a sweep; without `resume`, refuse one this store has already seen."""
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            status = self.sweep_status(sweep)
            if status is not None and not resume:
                raise StoreError(f"{self.path}: this store already holds the sweep of {source} "
                                 f"(status: {status}); pass --resume to continue it (stored "
                                 "points are kept, not repeated), or use another --store")
            self.db.execute("INSERT OR REPLACE INTO sweeps (id, source, strategy, status, "
                            "started_at, updated_at) VALUES (?, ?, ?, 'running', "
                            "COALESCE((SELECT started_at FROM sweeps WHERE id = ?), ?), ?)",
                            (sweep, source, strategy, sweep, now, now))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def end_sweep(self, sweep: str, status: str) -> None:
        """Mark a sweep done or interrupted."""
        self.db.execute("UPDATE sweeps SET status = ?, updated_at = ? WHERE id = ?",
                        (status, _now(), sweep))
