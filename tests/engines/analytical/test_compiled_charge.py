"""The compiled charging of edges (big designs) gives the numpy form's figures bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.engines.analytical import network
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech
from pimnoc.traffic.flows import ACTIVATION, Flows

_TOPO = build_system(SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=2, chiplet_cols=3))
_ROUTING = make_routing(_TOPO)


def _flows(rng: np.random.Generator, n: int, layers: int) -> Flows:
    nodes = _TOPO.compute_nodes
    src = rng.choice(nodes, n)
    dst = rng.choice(nodes, n)
    producer = rng.integers(0, layers, n)
    consumer = np.where(rng.random(n) < 0.2, producer, rng.integers(0, layers, n))
    group = rng.integers(0, max(1, n // 3), n)
    src = np.where(rng.random(n) < 0.5, nodes[group % nodes.size], src)  # some shared data
    bits = rng.random(n) * 1e4 * rng.choice([1.0, 1e-3, 1e3], n)
    return Flows(src, dst, bits, producer, consumer, np.full(n, ACTIVATION), group)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 400), st.integers(1, 6), st.booleans(),
       st.booleans())
def test_compiled_charge_equals_numpy(seed, n, layers, multicast, per_link_bps):
    rng = np.random.default_rng(seed)
    flows = _flows(rng, n, layers)
    net = NetworkTech(multicast=multicast)
    routed = network.route_flows(_ROUTING, flows, net)
    latency = network.estimate(_ROUTING, flows, net, 1e-6, routed).flow_latency_s
    link_bps = network.link_bandwidth_bps(_TOPO, net) if per_link_bps else None
    intervals = (float(rng.random() * 1e-6), None, 0.0, float("inf"))
    args = (flows, routed, latency, net, layers, intervals, link_bps)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(network, "COMPILED_MIN_PAIRS", 2**62)
        expected = network.edge_part_tables(*args)
        patch.setattr(network, "COMPILED_MIN_PAIRS", 0)
        compiled = network.edge_part_tables(*args)
    for want, got in zip(expected, compiled, strict=True):
        np.testing.assert_array_equal(got.code, want.code)
        np.testing.assert_array_equal(got.values, want.values)
