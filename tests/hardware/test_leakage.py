"""design.power_gating: idle PEs and routers leak nothing; false charges every one."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate_full
from pimnoc.hardware.leakage import active_nodes


def _eval(run_dict, gating: bool, **thermal):
    data = run_dict(**({"thermal": thermal} if thermal else {}))
    data["design"]["power_gating"] = gating
    data["design"]["chiplets"] = {"rows": 4, "cols": 4}  # more PEs than the workload needs
    return evaluate_full(parse_run(data))


def test_gating_charges_only_the_pes_and_routers_in_use(run_dict):
    gated, full = _eval(run_dict, True), _eval(run_dict, False)
    topo, pe, net = full.topology, full.pe, full.net
    everything_w = (topo.compute_nodes.size * pe.leakage_mw + topo.num_nodes
                    * net.router_leakage_mw) * 1e-3
    assert full.result.energy_j["leakage"] == pytest.approx(everything_w
                                                            * full.result.interval_s)
    pe_on, router_on = active_nodes(gated.topology, gated.mapping, gated.flows,
                                    gated.network.routed)
    assert pe_on.sum() == gated.result.pes_used
    assert 0 < router_on.sum() < topo.num_nodes
    used_w = (pe_on.sum() * pe.leakage_mw + router_on.sum() * net.router_leakage_mw) * 1e-3
    assert gated.result.energy_j["leakage"] == pytest.approx(used_w * gated.result.interval_s)
    assert gated.result.energy_j["leakage"] < full.result.energy_j["leakage"]
    assert gated.result.energy_j["compute"] == pytest.approx(full.result.energy_j["compute"])


def test_the_thermal_power_map_leaks_as_the_energy_figures_do(run_dict):
    ev = _eval(run_dict, True, enabled=True, accuracy=False, leakage_feedback=False,
               nx=8, ny=8)
    from pimnoc.analysis.design_thermal import node_power

    power = node_power(ev)
    total_w = float((power.dynamic_w + power.leakage_ref_w).sum())
    assert total_w == pytest.approx(ev.result.energy_j["total"] / ev.result.interval_s,
                                    rel=1e-9)
    assert np.count_nonzero(power.leakage_ref_w) < ev.topology.num_nodes
