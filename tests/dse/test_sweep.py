"""Sweeps end to end: kill -9 and resume, Dask vs local results, NSGA-II vs the grid front."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml

from pimnoc.dse.executors import DaskExecutor, LocalExecutor, SerialExecutor
from pimnoc.dse.results import load_front
from pimnoc.dse.searchers import make_searcher
from pimnoc.dse.space import parse_space
from pimnoc.dse.store import Store
from pimnoc.dse.sweep import run_sweep


def _sweep(space, path, executor=None, resume=False):
    executor = executor or SerialExecutor()
    with Store(path) as store:
        summary = run_sweep(space, store, executor, resume)
        rows = {r["config_hash"]: (r["status"], r["metrics"]) for r in store.rows()}
    return summary, rows


def _space_hashes(space) -> set[str]:
    return {t.config_hash for t in make_searcher(space).ask()}


def _count(path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_resume_after_kill_leaves_exactly_the_space(tmp_path, space_dict):
    data = space_dict()
    data["space"]["mapping.placement"] = ["row_major", "snake", "hilbert", "random"]
    data["space"]["design.pe.crossbars"] = [64, 96, 128]
    # enough points that evaluation outlasts the driver's first write (STORE_EVERY_S) by
    # seconds even where caches make points cheap
    data["space"]["mapping.seed"] = list(range(40))
    space_file = tmp_path / "space.yaml"
    space_file.write_text(yaml.safe_dump(data))
    store = tmp_path / "results.db"
    command = [sys.executable, "-m", "pimnoc.cli.main", "sweep", str(space_file), "--store",
               str(store), "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _count(store) < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned pool workers of that sweep
        except ProcessLookupError:
            pass
    space = parse_space(data, str(space_file))
    expected = _space_hashes(space)
    killed_at = _count(store)
    assert 0 < killed_at < len(expected) == 1920, "the sweep was not killed mid-run"
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        hashes = [r[0] for r in db.execute("SELECT config_hash FROM points")]
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM points GROUP BY "
                                   "status = 'ok'").fetchall())
    assert len(hashes) == len(set(hashes)) == len(expected)
    assert set(hashes) == expected
    assert statuses  # both ok points and failed (too few crossbars) ones are stored
    assert f"{len(expected) - killed_at} evaluated" in resumed.stdout


def test_local_pool_and_dask_match_one_process(tmp_path, space_dict):
    distributed = pytest.importorskip("distributed")
    space = parse_space(space_dict())
    _, serial = _sweep(space, tmp_path / "serial.db")
    local = LocalExecutor(2)
    try:
        _, pooled = _sweep(space, tmp_path / "local.db", local)
    finally:
        local.close()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster.scheduler_address.removeprefix("tcp://"))
        try:
            _, dasked = _sweep(space, tmp_path / "dask.db", executor)
        finally:
            executor.close()
    assert len(serial) == space.grid_size
    assert serial == pooled == dasked


def test_nsga2_finds_the_grid_front(tmp_path, space_dict):
    """NSGA-II's front covers the exhaustive grid's front (points within 0.1% count as equal:
    placements on one design differ by ~1e-6 in latency, a tie no search should chase)."""
    # A narrow chiplet link (32 Gb/s) keeps the intervals long and every PE and router leaks
    # (no power gating), so a larger design pays leakage for its idle PEs while it gains
    # speed: the latency-energy trade-off this search must find.
    base = copy.deepcopy(space_dict()["base"])
    base["design"]["power_gating"] = False
    base["design"]["noi"] = {"interface": {"preset": "grs", "lanes": 32, "gbps_per_lane": 1.0}}
    grid = parse_space(space_dict(base=base))
    _sweep(grid, tmp_path / "grid.db")
    search = parse_space(space_dict(base=base, search={"strategy": "nsga2", "trials": 28,
                                                       "population": 10, "seed": 0}))
    _, rows = _sweep(search, tmp_path / "nsga2.db")
    with Store(tmp_path / "grid.db") as store:
        truth = np.array([v for _, v in load_front(store, grid.objectives).front_rows()])
    with Store(tmp_path / "nsga2.db") as store:
        found = np.array([v for _, v in load_front(store, grid.objectives).front_rows()])
    eps = 1e-3
    assert len(truth) >= 3
    for t in truth:  # every true front point is matched by a found one
        assert np.any(np.all(found <= t * (1 + eps), axis=1)), t
    for f in found:  # and nothing found is clearly dominated by the true front
        assert not np.any(np.all(truth * (1 + eps) < f, axis=1)), f
    assert len(rows) == 28 < grid.grid_size  # without evaluating every point
    _, rows_again = _sweep(search, tmp_path / "nsga2-again.db")
    assert rows_again == rows  # same seed, same points and results


def test_metric_constraint_marks_infeasible(tmp_path, space_dict):
    space = parse_space(space_dict(constraints=["area_mm2 <= 20"]))
    _sweep(space, tmp_path / "r.db")
    with Store(tmp_path / "r.db") as store:
        ok = list(store.rows(status="ok"))
    assert ok and any(not r["feasible"] for r in ok) and any(r["feasible"] for r in ok)
    for r in ok:
        assert bool(r["feasible"]) == (r["metrics"]["area_mm2"] <= 20)
        assert r["violations"] == ([] if r["feasible"] else ["area_mm2 <= 20"])


def test_chunks_put_the_biggest_designs_first_and_keep_every_point(space_dict):
    """Longest-first chunks for a pool; one process keeps the searcher's order."""
    from pimnoc.dse.sweep import chunked
    from pimnoc.dse.worker import design_of

    tasks = list(make_searcher(parse_space(space_dict())).ask())
    pooled = list(chunked(tasks, workers=2))
    assert sorted(t.config_hash for c in pooled for t in c) == sorted(t.config_hash for t in tasks)
    sizes = [design_of(c[0].config)[1] for c in pooled]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert all(len({design_of(t.config)[0] for t in c}) == 1 for c in pooled)
    first_seen = list(dict.fromkeys(design_of(t.config)[0] for t in tasks))
    serial = list(dict.fromkeys(design_of(c[0].config)[0] for c in chunked(tasks, workers=1)))
    assert len(tasks) < 256 and serial == first_seen  # one window: designs as first seen


def test_dask_worker_settings_name_existing_dask_keys():
    """A renamed Dask setting would be ignored silently: the keys must exist in Dask's config."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    from pimnoc.dse.executors import DASK_WORKER_CONFIG

    for key in DASK_WORKER_CONFIG:
        section, _, name = key.rpartition(".")
        assert name in dask.config.get(section), key
