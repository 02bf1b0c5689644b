"""The Ray executor on a local Ray instance stores what a serial sweep stores."""

from __future__ import annotations

import pytest

from pimnoc.dse.executors import RayExecutor, SerialExecutor, make_executor
from pimnoc.dse.space import parse_space
from pimnoc.dse.store import Store
from pimnoc.dse.sweep import run_sweep


def _sweep(space, path, executor):
    with Store(path) as store:
        run_sweep(space, store, executor)
        return {r["config_hash"]: (r["status"], r["metrics"]) for r in store.rows()}


def test_ray_local_matches_one_process(tmp_path, space_dict):
    ray = pytest.importorskip("ray")
    data = space_dict()
    data["space"] = {"design.chiplets.rows": [2, 3], "design.pe.crossbars": [8, 64]}
    space = parse_space(data)
    serial = _sweep(space, tmp_path / "serial.db", SerialExecutor())
    executor = make_executor("ray://local", workers=2)
    assert isinstance(executor, RayExecutor) and ray.is_initialized()
    try:
        rayed = _sweep(space, tmp_path / "ray.db", executor)
    finally:
        executor.close()
    assert not ray.is_initialized()
    assert len(serial) == space.grid_size == 4
    assert {status for status, _ in serial.values()} >= {"ok"}
    assert rayed == serial
