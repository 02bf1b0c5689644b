"""`simulation: {engine: cycle}` in a run: the flit simulator inside the pipeline."""

from __future__ import annotations

import pytest

from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate


def _run(run_dict, **simulation):
    run = run_dict()
    run["simulation"] = simulation
    return parse_run(run)


def test_cycle_engine_runs_a_mapped_workload_and_agrees_with_analytical(run_dict):
    analytical = evaluate(_run(run_dict, engine="analytical"))
    cycle = evaluate(_run(run_dict, engine="cycle", sample_period=500))
    info = cycle.extra["cycle"]
    assert info["packets_measured"] > 0 and not info["saturated"]
    assert cycle.interval_s >= analytical.interval_s * (1 - 1e-12)
    assert cycle.latency_s == pytest.approx(analytical.latency_s, rel=0.10)
    assert cycle.energy_j["link"] == pytest.approx(analytical.energy_j["link"], rel=1e-9)


def test_unknown_cycle_parameter_is_named(run_dict):
    with pytest.raises(ConfigError, match="simulation.num_vc.*num_vcs"):
        evaluate(_run(run_dict, engine="cycle", num_vc=2))


def test_misspelt_simulation_key_is_an_error_under_the_analytical_engine_too(run_dict):
    with pytest.raises(ConfigError, match="simulation.sample_perod.*sample_period"):
        evaluate(_run(run_dict, engine="analytical", sample_perod=500))
    evaluate(_run(run_dict, engine="analytical", sample_period=500))  # a real key is fine
