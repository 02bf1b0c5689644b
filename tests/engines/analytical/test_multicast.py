"""Multicast: one copy of a group's bits per link, one injection per group."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pimnoc.config import RunSpec
from pimnoc.engines.analytical.network import (
    edge_parts,
    estimate,
    flow_network_energy_j,
    injected_bits,
    route_flows,
)
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate, mapped_flows, topology_and_routing
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech
from pimnoc.traffic.flows import ACTIVATION, Flows


def _line_of_pes(n: int = 6):
    topo = build_system(SystemSpec("2d", pe_rows=1, pe_cols=n))
    return topo, make_routing(topo)


def _one_to_all(n: int, bits: float = 4096.0, same: bool = True) -> Flows:
    """Node 0 sends the same tensor slice to every other node of a line."""
    dst = np.arange(1, n)
    src = np.zeros_like(dst)
    zeros = np.zeros(dst.size, dtype=np.int64)
    group = zeros if same else np.arange(dst.size)
    return Flows(src, dst, np.full(dst.size, bits), zeros, zeros + 1,
                 np.full(dst.size, ACTIVATION), group)


def test_multicast_carries_a_group_once_per_link():
    topo, routing = _line_of_pes(6)
    flows = _one_to_all(6)
    unicast = route_flows(routing, flows, NetworkTech())
    multicast = route_flows(routing, flows, NetworkTech(multicast=True))
    # Along the line the first link carries 5 copies as unicast, one as multicast.
    assert unicast.link_load_bits.max() == 5 * 4096.0
    assert multicast.link_load_bits.max() == 4096.0
    used = multicast.link_load_bits > 0
    assert np.count_nonzero(used) == 5  # the union of the routes: one path
    # Each destination's packets still travel their whole route.
    np.testing.assert_array_equal(multicast.hops, unicast.hops)
    assert injected_bits(multicast, flows, topo.num_nodes)[0] == 4096.0
    assert injected_bits(unicast, flows, topo.num_nodes)[0] == 5 * 4096.0


def test_multicast_leaves_distinct_data_alone():
    _topo, routing = _line_of_pes(6)
    flows = _one_to_all(6, same=False)
    unicast = route_flows(routing, flows, NetworkTech())
    multicast = route_flows(routing, flows, NetworkTech(multicast=True))
    np.testing.assert_array_equal(unicast.link_load_bits, multicast.link_load_bits)


def test_multicast_energy_and_transfer_follow_the_copies():
    _topo, routing = _line_of_pes(6)
    flows = _one_to_all(6)
    net_u, net_m = NetworkTech(), NetworkTech(multicast=True)
    uni = estimate(routing, flows, net_u, 1e-3)
    multi = estimate(routing, flows, net_m, 1e-3)
    assert multi.link_energy_j < uni.link_energy_j
    per_flow = flow_network_energy_j(routing, flows, multi.routed, net_m)
    assert per_flow.sum() == pytest.approx(multi.link_energy_j + multi.router_energy_j)
    parts_u = edge_parts(flows, uni.routed, uni.flow_latency_s, net_u, 2)
    parts_m = edge_parts(flows, multi.routed, multi.flow_latency_s, net_m, 2)
    bandwidth = net_u.link_bandwidth_bps
    assert parts_u[(0, 1)][1] == pytest.approx(5 * 4096.0 / bandwidth)
    assert parts_m[(0, 1)][1] == pytest.approx(4096.0 / bandwidth)


def test_a_layer_input_to_its_column_tiles_is_one_group(run_dict):
    """PEs holding column tiles of one row range need the same input slice: one group."""
    spec = RunSpec.model_validate(run_dict())
    topo, _routing = topology_and_routing(spec)
    _mapping, flows = mapped_flows(spec, topo, spec.pe_tech(), spec.network_tech())
    remote = flows.src != flows.dst
    groups, sizes = np.unique(flows.group[remote], return_counts=True)
    assert sizes.max() > 1
    shared = groups[sizes > 1]
    for g in shared[:50]:
        members = np.flatnonzero(flows.group == g)
        assert np.unique(flows.src[members]).size == 1
        assert np.unique(flows.bits[members]).size == 1
        assert np.unique(flows.dst[members]).size == members.size


def test_multicast_lowers_network_energy_of_a_run(run_dict):
    run = run_dict()
    base = RunSpec.model_validate(run)
    design = {**run["design"], "network": {"multicast": True}}
    multi = RunSpec.model_validate({**run, "design": design})
    a, b = evaluate(base, detail=False), evaluate(multi, detail=False)
    assert b.energy_j["link"] < a.energy_j["link"]
    assert b.interval_s <= a.interval_s * (1 + 1e-12)


@pytest.mark.parametrize("network", ["flow", "flit"])
def test_event_engine_refuses_multicast(run_dict, network):
    run = run_dict()
    design = {**run["design"], "network": {"multicast": True}}
    spec = RunSpec.model_validate({**run, "design": design,
                                   "simulation": {"engine": "event", "network": network}})
    with pytest.raises(ConfigError, match="design.network.multicast"):
        evaluate(spec)


def test_flows_without_groups_are_all_distinct():
    flows = Flows(np.array([0, 0]), np.array([1, 2]), np.ones(2), np.zeros(2, int),
                  np.ones(2, int), np.zeros(2, int))
    np.testing.assert_array_equal(flows.group, [0, 1])
    assert replace(flows, group=None).group.tolist() == [0, 1]


def test_a_concatenation_keeps_where_its_channels_come_from():
    from pimnoc.traffic.pieces import Pieces

    one = np.ones(1)
    fresh = Pieces(np.array([7]), 0 * one, one, 0.25 * one, 0.75 * one).produced_by(3)
    inner = fresh.placed_in(0.5, 0.5)  # channels [0.5, 1) of a first concatenation
    outer = inner.placed_in(0.0, 0.4)  # which is channels [0, 0.4) of a second
    lo, hi = (outer.c0 - outer.c_base) / outer.c_scale, (outer.c1 - outer.c_base) / outer.c_scale
    assert outer.origin[0] == 3
    assert (lo[0], hi[0]) == pytest.approx((0.25, 0.75))
    assert (outer.c0[0], outer.c1[0]) == pytest.approx((0.2 + 0.05, 0.2 + 0.15))


def test_a_dense_block_sends_one_feature_map_to_its_later_layers_as_one_group():
    spec = RunSpec.model_validate({
        "workload": {"networks": [{"model": "densenet121", "input_hw": 32,
                                   "num_classes": 10}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 4, "cols": 4},
                   "pes": {"rows": 4, "cols": 4}, "pe": {"crossbars": 96}},
        "mapping": {"placement": "row_major", "replication": "none"},
    })
    topo, _routing = topology_and_routing(spec)
    _mapping, flows = mapped_flows(spec, topo, spec.pe_tech(), spec.network_tech())
    remote = np.flatnonzero(flows.src != flows.dst)
    group = flows.group[remote]
    consumers = {}
    for g, v in zip(group.tolist(), flows.consumer[remote].tolist(), strict=True):
        consumers.setdefault(g, set()).add(v)
    shared = [g for g, vs in consumers.items() if len(vs) >= 3]
    assert shared  # a feature map reaches several later layers of its block
    for g in shared[:20]:
        members = remote[group == g]
        assert np.unique(flows.src[members]).size == 1
        np.testing.assert_allclose(flows.bits[members], flows.bits[members[0]], rtol=1e-9)
