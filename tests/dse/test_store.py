"""The SQLite store: unique points, refusing a repeated sweep, two concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from pimnoc.dse.point import Outcome, Task
from pimnoc.dse.store import Store, StoreError


def _task(k: int) -> Task:
    return Task(f"hash-{k:05d}", {"k": k}, {"k": k})


def _writer(path: str, start: int, stop: int) -> None:
    with Store(path) as store:
        for k in range(start, stop):
            store.add(_task(k), Outcome(f"hash-{k:05d}", "ok", {"latency_s": k}, 0.0), [], "w")


def test_unique_points_and_wal(tmp_path):
    path = tmp_path / "r.db"
    with Store(path) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        task = _task(1)
        assert store.add(task, Outcome(task.config_hash, "ok", {"a": 1}, 0.1), [], "s")
        assert not store.add(task, Outcome(task.config_hash, "ok", {"a": 2}, 0.1), [], "s")
        assert store.outcome(task.config_hash).metrics == {"a": 1}
        failed = _task(2)
        store.add(failed, Outcome(failed.config_hash, "design: too small", {}, 0.1), [], "s")
        rows = list(store.rows())
    assert [r["status"] for r in rows] == ["ok", "design: too small"]
    assert rows[0]["pimnoc_version"] and rows[0]["created_at"]


def test_two_writers_never_corrupt(tmp_path):
    path = str(tmp_path / "r.db")
    Store(path).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(path, 0, 300)),
               context.Process(target=_writer, args=(path, 150, 450))]
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT config_hash) FROM points").fetchone() \
        == (450, 450)


def test_repeated_sweep_needs_resume(tmp_path):
    with Store(tmp_path / "r.db") as store:
        store.begin_sweep("abc", "space.yaml", "grid", resume=False)
        store.end_sweep("abc", "interrupted")
        with pytest.raises(StoreError, match="--resume"):
            store.begin_sweep("abc", "space.yaml", "grid", resume=False)
        store.begin_sweep("abc", "space.yaml", "grid", resume=True)
        assert store.sweep_status("abc") == "running"


def test_not_a_store(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        Store(bad)
    with pytest.raises(StoreError, match="no such result store"):
        Store(tmp_path / "missing.db", create=False)
