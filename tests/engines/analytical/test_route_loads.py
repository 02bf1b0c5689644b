"""Link loads summed over a step's touched links only equal the sums over every link."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import random_flows

from pimnoc.engines.analytical import network
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech

_TOPO = build_system(SystemSpec("2.5d", pe_rows=3, pe_cols=2, chiplet_rows=3, chiplet_cols=3))
_ROUTING = make_routing(_TOPO)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 300), st.booleans())
def test_sparse_step_loads_equal_dense_ones(seed, n, multicast):
    flows = random_flows(np.random.default_rng(seed), _TOPO.compute_nodes, n)
    net = NetworkTech(multicast=multicast)
    routed = {}
    for share in (0, 10**9):  # every step over all links / every step over its own links
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(network, "SPARSE_STEP_SHARE", share)
            routed[share] = network.route_flows(_ROUTING, flows, net)
    np.testing.assert_array_equal(routed[0].link_load_bits, routed[10**9].link_load_bits)
    expected = np.zeros(_TOPO.num_directed_links)  # a walk's per-hop sums, added hop by hop
    for active, link in _ROUTING.walk(flows.src[flows.remote], flows.dst[flows.remote]):
        expected += np.bincount(link, weights=flows.bits[flows.remote][active],
                                minlength=expected.size)
    if not multicast:
        np.testing.assert_array_equal(routed[0].link_load_bits, expected)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 300), st.booleans())
def test_per_flow_sums_a_step_at_a_time_equal_bincount(seed, n, multicast):
    rng = np.random.default_rng(seed)
    flows = random_flows(rng, _TOPO.compute_nodes, n, bits=rng.random(n) * 1e3)
    net = NetworkTech(multicast=multicast)
    table = rng.random(_TOPO.num_directed_links) * rng.choice([1.0, 1e-9, 1e9],
                                                              _TOPO.num_directed_links)
    figures = {}
    for chunk in (2**40, 1):  # one bincount / a step at a time
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(network, "PAIRS_PER_CHUNK", chunk)
            routed = network.route_flows(_ROUTING, flows, net)
            figures[chunk] = (routed.zero_load_cycles, routed.per_flow_sums(table),
                              routed.per_flow_sums(table, routed.pair_copy),
                              network.packet_latency_cycles(_ROUTING, flows, routed, net, 1e-7),
                              network.flow_network_energy_j(_ROUTING, flows, routed, net))
    for want, got in zip(figures[2**40], figures[1], strict=True):
        np.testing.assert_array_equal(got, want)
    expected = np.zeros(routed.flow_index.size)  # the hops of each flow added in hop order
    for active, link in _ROUTING.walk(flows.src[flows.remote], flows.dst[flows.remote]):
        expected[active] += table[link]
    np.testing.assert_array_equal(figures[1][1], expected)
