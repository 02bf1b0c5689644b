"""Thermal and accuracy glue on evaluated designs: power map, energy balance, temperatures."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pytest
from support import REPO_ROOT as ROOT

from pimnoc.analysis.design_thermal import (
    ThermalParams,
    effective_temperature,
    layer_groups,
    node_power,
    solve_design,
)
from pimnoc.config import load_run, parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate_full
from pimnoc.search.thermal_sfc import anneal, influence_matrix, slot_power

NET = {"model": "resnet18", "input_hw": 32, "num_classes": 10}


def run3d(tiers: int = 4, side: int = 3, vertical: str = "tsv", noc: str = "sfc3d",
          placement: str = "sfc", thermal: dict | None = None, **mapping) -> dict:
    return {"workload": {"networks": [NET]},
            "design": {"integration": "3d", "tiers": tiers, "pes": {"rows": side, "cols": side},
                       "vertical": vertical, "noc": {"topology": noc}},
            "mapping": {"placement": placement, **mapping},
            "thermal": {"enabled": True, "accuracy": False, **(thermal or {})}}


@lru_cache(maxsize=16)
def _evaluated(key: str):
    return evaluate_full(parse_run(json.loads(key)))


def evaluated(run: dict):
    """Evaluate a run once per test session (runs are plain JSON-able dicts)."""
    return _evaluated(json.dumps(run, sort_keys=True))


def test_heat_out_equals_total_power_through_the_glue():
    for run in (run3d(), run3d(vertical="miv", noc="mesh3d")):
        th = evaluated(run).result.extra["thermal"]
        assert th["energy_balance_error"] < 0.01
        assert th["heat_flow_out_w"] == pytest.approx(th["total_power_w"], rel=0.01)
        parts = th["power_w"]
        assert sum(parts.values()) == pytest.approx(th["total_power_w"], rel=1e-6)
        assert th["leakage_iterations"] >= 1


def test_power_at_reference_temperature_is_energy_times_throughput():
    ev = evaluated(run3d(thermal={"leakage_feedback": False}))
    th = ev.result.extra["thermal"]
    expected = ev.result.energy_j["total"] * ev.result.throughput_ips
    assert th["total_power_w"] == pytest.approx(expected, rel=1e-6)
    power = node_power(ev)
    assert np.all(power.compute_w >= 0) and np.all(power.router_w >= 0)
    used = np.zeros(ev.topology.num_nodes, dtype=bool)
    used[ev.mapping.order[:ev.mapping.pes_used]] = True
    assert np.all(power.compute_w[~used] == 0) and np.all(power.compute_w[used] > 0)


def test_temperature_dependent_leakage_raises_power_and_temperature():
    fixed = evaluated(run3d()).result.extra
    flat = evaluated(run3d(thermal={"leakage_feedback": False})).result.extra
    assert fixed["thermal"]["power_w"]["leakage"] > flat["thermal"]["power_w"]["leakage"]
    assert fixed["peak_temperature_k"] > flat["peak_temperature_k"]


@pytest.mark.parametrize("vertical", ["tsv", "miv"])
def test_heat_sink_side_tier_is_coolest_on_an_evaluated_design(vertical):
    extra = evaluated(run3d(side=4, vertical=vertical)).result.extra
    tiers = extra["tier_temperatures_k"]
    peaks = [t["peak"] for t in tiers]
    means = [t["mean"] for t in tiers]
    assert peaks[0] == min(peaks) and means[0] == min(means)
    assert extra["peak_temperature_k"] >= max(peaks) - 1e-9
    if vertical == "tsv":  # the 20 um bonds between thinned dies: a clear rise per tier
        assert peaks[-1] - peaks[0] > 5.0


def test_more_power_means_a_hotter_stack():
    peaks = [evaluated(run3d(thermal={"power_scale": s})).result.extra["peak_temperature_k"]
             for s in (0.5, 1.0, 2.0)]
    assert peaks[0] < peaks[1] < peaks[2]


def test_more_tiers_mean_a_hotter_stack():
    net = {"model": "mobilenet_v2", "input_hw": 32, "num_classes": 10}
    peaks = []
    for tiers in (1, 2, 4):
        run = run3d(tiers=tiers, side=4, replication="none")
        run["workload"]["networks"] = [net]
        extra = evaluated(run).result.extra
        peaks.append(extra["peak_temperature_k"])
    assert peaks[0] < peaks[1] < peaks[2]


def test_results_have_per_tier_maps_and_node_temperatures():
    ev = evaluated(run3d())
    extra = ev.result.extra
    maps = np.asarray(extra["tier_temperature_maps_k"])
    assert maps.shape == (4, 32, 32)
    nodes = np.asarray(extra["node_temperature_k"])
    assert nodes.shape == (ev.topology.num_nodes,)
    assert np.all(nodes >= extra["thermal"]["ambient_k"])
    assert np.all(nodes <= extra["peak_temperature_k"] + 1e-6)
    weighted = [t for t in extra["layer_temperature_k"] if t is not None]
    assert len(weighted) == sum(1 for layer in ev.mapping.layers if layer.weighted)
    data = ev.result.to_dict()
    assert {"peak_temperature_k", "tier_temperatures_k", "thermal"} <= set(data)
    json.dumps(data)


def test_accuracy_estimate_falls_as_the_stack_heats():
    cool = evaluated(run3d(vertical="miv", thermal={"accuracy": True, "accuracy_trials": 4}))
    hot = evaluated(run3d(vertical="miv", thermal={"accuracy": True, "accuracy_trials": 4,
                                                   "power_scale": 6.0}))
    a, b = (e.result.extra for e in (cool, hot))
    assert 0.5 < b["accuracy_estimate"] < a["accuracy_estimate"] <= 1.0
    temps = a["accuracy"]["per_network"][0]["effective_temperatures_k"]
    assert len(temps) == 3 and min(temps) >= a["thermal"]["ambient_k"] - 1e-6


def test_layer_groups_cover_every_crossbar_once_and_effective_temperature_is_rms():
    ev = evaluated(run3d())
    groups = layer_groups(ev.mapping, 0, 3)
    counts = [int(sum(c.sum() for _n, c in g)) for g in groups]
    assert sum(counts) == int(ev.mapping.xbar_count.sum())
    assert max(counts) - min(counts) <= max(ev.mapping.xbar_count)
    node_t = np.array([300.0, 310.0, 340.0])
    parts = [(np.array([1, 2]), np.array([1, 1]))]
    assert effective_temperature(node_t, parts, 300.0) == pytest.approx(300 + np.sqrt(850))


@pytest.mark.parametrize("integration", ["2d", "2.5d"])
def test_thermal_results_for_2d_and_2p5d_designs(integration):
    design = ({"integration": "2d", "pes": {"rows": 6, "cols": 6}} if integration == "2d" else
              {"integration": "2.5d", "chiplets": {"rows": 2, "cols": 3},
               "pes": {"rows": 3, "cols": 3}})
    run = {"workload": {"networks": [NET]}, "design": design, "mapping": {"placement": "hilbert"},
           "thermal": {"enabled": True, "accuracy": False}}
    extra = evaluated(run).result.extra
    assert extra["thermal"]["energy_balance_error"] < 0.01
    assert extra["thermal"]["tiers"] == 1 and len(extra["tier_temperatures_k"]) == 1
    assert extra["peak_temperature_k"] > extra["thermal"]["ambient_k"]


def test_unknown_thermal_key_names_the_key():
    with pytest.raises(ConfigError, match="thermal.leakage_fedback.*leakage_feedback"):
        ThermalParams.from_spec({"leakage_fedback": True})
    with pytest.raises(ConfigError, match="thermal.power_scale"):
        ThermalParams.from_spec({"power_scale": -1.0})


def test_thermal_sfc_order_is_a_permutation_and_deterministic():
    a = evaluated(run3d(placement="thermal_sfc", thermal_weight=0.5, seed=1))
    b = evaluate_full(parse_run(run3d(placement="thermal_sfc", thermal_weight=0.5, seed=1)))
    assert np.array_equal(a.mapping.order, b.mapping.order)
    topo = a.topology
    assert sorted(a.mapping.order.tolist()) == sorted(topo.compute_nodes.tolist())


def test_influence_matrix_is_positive_and_coolest_at_the_sink():
    topo = evaluated(run3d()).topology
    influence = influence_matrix(topo)
    assert np.all(influence > 0)
    self_rise = np.diag(influence)
    tier = np.asarray(topo.node_tier)[topo.compute_nodes]
    assert self_rise[tier == 0].max() < self_rise[tier == 3].min()


def test_anneal_trades_communication_for_temperature_as_the_weight_grows():
    ev = evaluated(run3d(side=4))
    from pimnoc.hardware.routing import hop_distances
    from pimnoc.search.thermal_sfc import slot_traffic

    topo, order = ev.topology, ev.mapping.order
    hops = hop_distances(topo)[np.ix_(order, order)]
    influence = influence_matrix(topo)
    index = np.full(topo.num_nodes, -1)
    index[topo.compute_nodes] = np.arange(topo.compute_nodes.size)
    influence = influence[np.ix_(index[order], index[order])]
    traffic, power = slot_traffic(ev.mapping), slot_power(ev.mapping)

    def costs(perm):
        at = np.zeros(power.size)
        at[perm] = power
        return float(np.sum(traffic * hops[np.ix_(perm, perm)])), float((influence @ at).max())

    comm = {}
    heat = {}
    for w in (0.0, 1.0):
        comm[w], heat[w] = costs(anneal(traffic, power, hops, influence, w, seed=0))
    base_comm, base_heat = costs(np.arange(power.size))
    assert comm[0.0] <= base_comm and heat[1.0] < 0.9 * base_heat
    assert heat[1.0] < heat[0.0] and comm[1.0] > comm[0.0]


def test_thermal_sfc_is_cooler_than_sfc_at_some_performance_cost_on_the_bundled_example():
    spec = load_run(ROOT / "examples" / "stack3d_thermal_sfc_tsv_36.yaml")
    spec = spec.model_copy(update={"thermal": spec.thermal.model_copy(update={"accuracy": False})})
    thermal = evaluate_full(spec).result
    sfc_spec = spec.model_copy(update={"mapping": spec.mapping.model_copy(
        update={"placement": "sfc"})})
    sfc = evaluate_full(sfc_spec).result
    assert thermal.extra["peak_temperature_k"] < sfc.extra["peak_temperature_k"] - 10.0
    network = [r.energy_j["router"] + r.energy_j["link"] for r in (thermal, sfc)]
    assert network[0] > network[1]  # the dataflow locality it gives up
    assert thermal.edp_js > 0.995 * sfc.edp_js  # no free lunch beyond noise


def test_solve_design_with_a_coarse_grid():
    ev = evaluated(run3d())
    sol = solve_design(ev, ThermalParams(nx=8, ny=8, accuracy=False))
    fine = ev.result.extra["peak_temperature_k"]
    assert sol.tier_maps_k.shape == (4, 8, 8)
    assert abs(sol.peak_temperature_k - fine) < 5.0


def test_device_variation_comes_from_design_pe() -> None:
    from pimnoc.analysis.design_thermal import conductance_noise
    from pimnoc.errors import ConfigError
    from pimnoc.hardware.tech import PeTech

    noise = conductance_noise(PeTech(cell_program_sigma=0.1, cell_tc_sigma_per_k=0.0))
    assert noise.sigma_program == 0.1 and noise.sigma_tc_per_k == 0.0
    with pytest.raises(ConfigError, match="design.pe.cell_program_sigma"):
        conductance_noise(PeTech(cell_program_sigma=-0.1))
