"""The compiled walk of hierarchical routes (big designs) gives the numpy walk's arrays and
link-load sums bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import random_flows

from pimnoc.engines.analytical import network
from pimnoc.errors import TopologyError
from pimnoc.hardware.routing import HierarchicalNextHop, make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech
from pimnoc.traffic.flows import ACTIVATION, Flows

_SPECS = [
    SystemSpec("2.5d", pe_rows=3, pe_cols=2, chiplet_rows=3, chiplet_cols=3),
    SystemSpec("2.5d", pe_rows=4, pe_cols=4, chiplet_rows=3, chiplet_cols=2, ports_per_chiplet=4),
    SystemSpec("2.5d", pe_rows=3, pe_cols=4, chiplet_rows=4, chiplet_cols=3, noi="torus"),
    SystemSpec("2.5d", pe_rows=4, pe_cols=3, chiplet_rows=2, chiplet_cols=5, noc="torus"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=4, chiplet_cols=4, noi="folded_torus"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=1, chiplet_cols=1),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=3, chiplet_cols=3, noi="floret"),
    SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=2, chiplet_cols=2, boundary="corner"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=2, chiplet_cols=3, tiers=2),
]
_ROUTINGS = [make_routing(build_system(spec)) for spec in _SPECS]


def _routed(routing, flows: Flows, net: NetworkTech, compiled: bool, chunked: bool = False):
    """route_flows with the compiled walk forced on or off (and the per-flow sums a step at a
    time, as big designs add them, or with one bincount)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(network, "COMPILED_WALK_MIN_FLOWS", 0 if compiled else 2**62)
        if chunked:
            patch.setattr(network, "PAIRS_PER_CHUNK", 1)
        return network.route_flows(routing, flows, net)


def test_the_routings_have_tables_for_the_compiled_walk():
    for routing in _ROUTINGS:
        assert isinstance(routing.next_hop, HierarchicalNextHop)
        assert routing.next_hop.tables is not None


@settings(max_examples=30, deadline=None)
@given(st.integers(0, len(_SPECS) - 1), st.integers(0, 2**31 - 1), st.integers(1, 400),
       st.booleans(), st.booleans(), st.booleans())
def test_compiled_walk_equals_numpy_walk(which, seed, n, multicast, to_routers, chunked):
    routing = _ROUTINGS[which]
    topo = routing.topology
    rng = np.random.default_rng(seed)
    nodes = np.arange(topo.num_nodes) if to_routers else topo.compute_nodes
    flows = random_flows(rng, nodes, n)
    net = NetworkTech(multicast=multicast)
    tables = routing.next_hop.tables
    remote = flows.remote
    load = np.zeros(topo.num_directed_links)
    previous = (load.size + flows.src[remote]).astype(np.int32)
    walked = network._compiled_walk(topo, tables, flows.src[remote], flows.dst[remote],
                                    flows.bits[remote], previous, load,
                                    np.ones(topo.num_directed_links))
    assert (walked is None) == (not remote.any())  # the compiled walk ran where there are hops
    numpy_routed = _routed(routing, flows, net, compiled=False, chunked=chunked)
    compiled_routed = _routed(routing, flows, net, compiled=True)
    for field in dataclasses.fields(numpy_routed):
        want = getattr(numpy_routed, field.name)
        got = getattr(compiled_routed, field.name)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype, field.name
            np.testing.assert_array_equal(got, want, err_msg=field.name)
        else:
            assert got == want, field.name
    expected = np.zeros(topo.num_directed_links)  # a walk's per-step sums, step after step
    for active, link in routing.walk(flows.src[remote], flows.dst[remote]):
        expected += np.bincount(link, weights=flows.bits[remote][active],
                                minlength=expected.size)
    if not multicast:
        np.testing.assert_array_equal(compiled_routed.link_load_bits, expected)


def test_a_route_that_fails_is_reported_as_the_numpy_walk_reports_it():
    routing = _ROUTINGS[0]
    topo = routing.topology
    tables = routing.next_hop.tables
    broken_noi = tables.noi_ports.copy()
    broken_noi[:] = -1  # no NoI link: every route between chiplets fails
    broken = HierarchicalNextHop(routing.next_hop.hop, dataclasses.replace(tables,
                                                                            noi_ports=broken_noi))
    nodes = topo.compute_nodes
    src = np.repeat(nodes[:1], nodes.size)
    flows = Flows(src, nodes, np.ones(nodes.size), np.zeros(nodes.size, dtype=np.int64),
                  np.ones(nodes.size, dtype=np.int64), np.full(nodes.size, ACTIVATION),
                  np.arange(nodes.size))
    load = np.zeros(topo.num_directed_links)
    previous = (load.size + flows.src).astype(np.int32)
    assert network._compiled_walk(topo, broken.tables, flows.src, flows.dst, flows.bits,
                                  previous, load, np.ones(topo.num_directed_links)) is None
    assert not load.any()
    # the routing itself is intact: with the compiled walk forced, the results are the same
    intact = dataclasses.replace(routing, next_hop=broken, _cache={})
    routed = _routed(intact, flows, NetworkTech(), True)
    np.testing.assert_array_equal(routed.link_load_bits,
                                  _routed(routing, flows, NetworkTech(), False).link_load_bits)


def test_a_disconnected_route_raises_the_numpy_walks_error():
    routing = _ROUTINGS[0]
    topo = routing.topology
    nodes = topo.compute_nodes
    flows = Flows(nodes[:1].repeat(2), nodes[-2:], np.ones(2), np.zeros(2, dtype=np.int64),
                  np.ones(2, dtype=np.int64), np.full(2, ACTIVATION), np.arange(2))

    def no_route(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        return np.full(cur.shape, -1, dtype=np.int64)

    tables = routing.next_hop.tables
    broken = HierarchicalNextHop(no_route, dataclasses.replace(
        tables, noi_ports=np.full_like(tables.noi_ports, -1)))
    with pytest.raises(TopologyError, match="finds no route"):
        _routed(dataclasses.replace(routing, next_hop=broken, _cache={}), flows, NetworkTech(),
                True)
