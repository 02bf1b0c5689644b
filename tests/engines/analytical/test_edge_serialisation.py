"""Edge communication time: no transfer ends before its busiest link has carried its bits."""

from __future__ import annotations

import numpy as np

from pimnoc.engines.analytical.network import edge_latencies, estimate, route_flows
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech
from pimnoc.hardware.topology import UBUMP
from pimnoc.traffic.flows import ACTIVATION, Flows


def _two_chiplets():
    topo = build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=1,
                                   chiplet_cols=2))
    return topo, make_routing(topo)


def test_edge_between_chiplets_is_serialised_on_the_shared_micro_bump():
    topo, routing = _two_chiplets()
    net = NetworkTech()
    src = np.repeat(np.arange(4), 4)  # every PE of chiplet 0 ...
    dst = np.tile(np.arange(4, 8), 4)  # ... to every PE of chiplet 1
    bits = np.full(16, 1000.0)
    zeros = np.zeros(16, dtype=np.int64)
    flows = Flows(src, dst, bits, zeros, zeros + 1, np.full(16, ACTIVATION))
    routed = route_flows(routing, flows, net)
    estimate_ = estimate(routing, flows, net, 1.0, routed)
    comm = edge_latencies(flows, routed, estimate_.flow_latency_s, net, num_layers=2)
    bandwidth = net.link_bandwidth_bps
    ubump_load = routed.link_load_bits[topo.link_kind == UBUMP].max()
    assert ubump_load == bits.sum()  # all 16 flows leave chiplet 0 on its one micro-bump
    # Each source sends (and each destination takes) only a quarter of the edge's bits, but
    # the whole edge crosses one link: it cannot take less than all its bits / bandwidth.
    assert comm[(0, 1)] >= bits.sum() / bandwidth
    assert comm[(0, 1)] < bits.sum() / bandwidth * 1.01 + 1e-6


def test_edge_time_is_at_least_each_end_and_each_link_share(small_spec):
    from pimnoc.evaluate import evaluate_full

    ev = evaluate_full(small_spec)
    flows, routed = ev.flows, ev.network.routed
    comm = edge_latencies(flows, routed, ev.network.flow_latency_s, ev.net,
                          ev.mapping.num_layers)
    bandwidth = ev.net.link_bandwidth_bps
    idx = routed.flow_index
    edge = flows.producer[idx] * ev.mapping.num_layers + flows.consumer[idx]
    per_link: dict[tuple[int, int], float] = {}
    for f, link in zip(routed.pair_flow, routed.pair_link, strict=True):
        key = (int(edge[f]), int(link))
        per_link[key] = per_link.get(key, 0.0) + float(flows.bits[idx[f]])
    for (e, _link), carried in per_link.items():
        u, v = divmod(e, ev.mapping.num_layers)
        assert comm[(u, v)] >= carried / bandwidth * (1 - 1e-12)
