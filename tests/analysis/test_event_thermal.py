"""Temperatures over time of an event-engine run (the power trace into the transient solver)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_run

from pimnoc.analysis.design_thermal import ThermalParams, node_maps, node_power, stack_for
from pimnoc.analysis.event_thermal import node_energy_windows, transient_extras, window_power_w
from pimnoc.analysis.thermal import solve_steady
from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate_full

PARAMS = {"nx": 8, "ny": 8, "accuracy": False, "leakage_feedback": False}


@pytest.fixture(scope="module")
def event_run():
    run = small_run(simulation={"engine": "event"}, thermal={"enabled": True, **PARAMS})
    run["workload"]["networks"][0]["arrivals"] = {"batch": 3}
    return evaluate_full(parse_run(run), detail=False)


def test_tasks_energy_spread_over_windows_is_conserved():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    start = np.array([0.5, 0.0, 2.5, 1.0])
    finish = np.array([2.5, 0.0, 2.5, 3.0])
    energy = np.array([4.0, 1.0, 2.0, 6.0])
    got = node_energy_windows(start, finish, energy, np.array([0, 1, 1, 0]), edges, 2)
    # task 0: 2 J/s over [0.5, 2.5); task 3: 3 J/s over [1, 3); instants where they fall
    np.testing.assert_allclose(got[:, 0], [1.0, 2.0 + 3.0, 1.0 + 3.0])
    np.testing.assert_allclose(got[:, 1], [1.0, 0.0, 2.0])


def test_power_maps_carry_the_runs_energy(event_run):
    ev = event_run
    x = ev.execution
    trace = ev.result.extra["power_trace"]
    edges = np.asarray(trace["time_s"] + [trace["end_s"]])
    network_j = np.asarray(trace["network_w"]) * np.diff(edges)
    node_w, _ = window_power_w(x, x.graph.task_energy_j, network_j, node_power(ev),
                               ev.topology.num_nodes)
    energy = float((node_w * np.diff(edges)[:, None]).sum())
    dynamic = sum(ev.result.energy_j[k] for k in ("compute", "router", "link"))
    assert energy == pytest.approx(dynamic * 3, rel=1e-9)  # three inferences


def test_constant_power_stays_at_the_steady_state(event_run):
    ev = event_run
    params = ThermalParams(**PARAMS)
    stack = stack_for(ev.topology, params)
    node_w = np.tile(np.linspace(0.01, 0.05, ev.topology.num_nodes), (5, 1))
    out = transient_extras(ev.topology, stack, params, node_w,
                           np.array([0.0, 1e-3, 2e-3, 3e-3, 4e-3, 4.5e-3]))
    steady = out["steady_mean_power_peak_k"]
    assert len(out["peak_temperature_k"]) == 6 and out["time_s"][-1] == pytest.approx(4.5e-3)
    np.testing.assert_allclose(out["peak_temperature_k"], steady, rtol=1e-9)


def test_a_power_step_rises_towards_the_new_steady_state(event_run):
    ev = event_run
    params = ThermalParams(**PARAMS)
    stack = stack_for(ev.topology, params)
    low = np.full(ev.topology.num_nodes, 0.01)
    node_w = np.vstack([low[None, :], np.tile(4 * low, (40, 1))])
    edges = np.concatenate([[0.0], 1e-3 + np.arange(41) * 1e-3])
    # the mean power weights the one low window of 1 ms against 40 ms at four times it
    out = transient_extras(ev.topology, stack, params, node_w, edges)
    peaks = np.asarray(out["peak_temperature_k"])
    assert np.all(np.diff(peaks[2:]) >= -1e-9)  # heating monotonically after the step
    high = solve_steady(stack, node_maps(ev.topology, 4 * low, stack, 8, 8))
    assert peaks[-1] < high.peak_temperature_k


def test_event_run_reports_temperatures_over_time(event_run):
    t = event_run.result.extra["thermal_transient"]
    assert len(t["time_s"]) == len(t["peak_temperature_k"]) >= 2
    assert t["time_s"][-1] == pytest.approx(event_run.result.extra["makespan_s"])
    assert all(np.isfinite(t["peak_temperature_k"]))
    assert t["max_peak_temperature_k"] >= t["steady_mean_power_peak_k"] - 1e-9
    assert t["max_peak_temperature_k"] > 300.0
