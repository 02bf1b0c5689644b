"""Every bundled example runs: run files evaluate, spaces sweep (with small, fast settings)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pimnoc.config import ThermalSpec, load_run, read_yaml
from pimnoc.dse.executors import SerialExecutor
from pimnoc.dse.results import load_front
from pimnoc.dse.space import parse_space
from pimnoc.dse.store import Store
from pimnoc.dse.sweep import run_sweep
from pimnoc.evaluate import evaluate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUNS = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
SPACES = sorted(p.name for p in (EXAMPLES / "spaces").glob("*.yaml"))

FAST_SEARCH = {"nsga2": {"trials": 8, "population": 4}, "anneal": {"steps": 300, "restarts": 1}}
"""Smaller searches than the examples' own; the points are evaluated as the examples say."""


def test_the_examples_are_found():
    assert len(RUNS) >= 10 and len(SPACES) >= 3


@pytest.mark.parametrize("name", RUNS)
def test_run_example_evaluates(name):
    spec = load_run(EXAMPLES / name)
    if spec.thermal.enabled:  # the Monte-Carlo accuracy estimate is tested in test_accuracy
        params = {**spec.thermal.params(), "accuracy": False}
        spec = spec.model_copy(update={"thermal": ThermalSpec(enabled=True, **params)})
    result = evaluate(spec)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert 0 < data["latency_s"] < 60 and data["throughput_ips"] > 0
    assert data["energy_j"]["total"] > 0 and data["area_mm2"] > 0
    assert all(math.isfinite(v) and v >= 0 for v in data["energy_j"].values())
    assert len(result.per_network) == len(spec.workload.networks)
    if spec.thermal.enabled:
        assert result.extra["peak_temperature_k"] > 300


@pytest.mark.parametrize("name", SPACES)
def test_space_example_sweeps(tmp_path, name):
    data = read_yaml(EXAMPLES / "spaces" / name)
    strategy = data["search"]["strategy"]
    data["search"].update(FAST_SEARCH.get(strategy, {}))
    space = parse_space(data, name)
    with Store(tmp_path / "r.db") as store:
        summary = run_sweep(space, store, SerialExecutor())
        assert summary.status == "done"
        assert store.count("ok") > 0
        front = load_front(store, space.objectives)
    assert len(front.front_rows()) >= 1
