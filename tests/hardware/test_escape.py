"""Minimal routing with an up*/down* escape channel (Duato's protocol) on irregular NoIs."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.hardware.routing import (
    channel_dependencies,
    check_deadlock_free,
    escape_network,
    find_dependency_cycle,
    hop_distances,
    make_routing,
    uses_escape,
)
from pimnoc.hardware.system import SystemSpec, build_system

IRREGULAR = ["kite_small", "kite_medium", "kite_large", "butterdonut", "hexamesh", "swap"]


def system(name: str, rows: int = 6, cols: int = 6):
    return build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=rows,
                                   chiplet_cols=cols, noi=name))


@pytest.mark.parametrize("name", IRREGULAR)
def test_irregular_nois_route_minimally_and_are_deadlock_free(name):
    topo = system(name)
    routing = make_routing(topo)
    assert uses_escape(routing)
    check_deadlock_free(routing)
    # Minimal between NoI routers: the walked hops equal the graph distance over NoI links.
    nodes = np.asarray(topo.meta["noi_nodes"])
    src, dst = (a.ravel() for a in np.meshgrid(nodes, nodes, indexing="ij"))
    hops = np.zeros(src.size, dtype=int)
    for active, _ in routing.walk(src, dst):
        hops[active] += 1
    noi = topo.meta["noi"]
    graph = nx.Graph(noi.edges)
    dist = dict(nx.all_pairs_shortest_path_length(graph))
    chip = topo.node_chiplet
    expected = np.array([dist[chip[s]][chip[d]] for s, d in zip(src, dst, strict=True)])
    assert np.array_equal(hops, expected)


def test_minimal_routes_alone_can_deadlock_where_the_escape_network_cannot():
    # Kite's minimal routes form channel cycles; the escape network (up*/down*) has none.
    routing = make_routing(system("kite_medium"))
    assert find_dependency_cycle(escape_network(routing)) is None
    minimal = channel_dependencies(routing)
    graph = nx.DiGraph(list(map(tuple, minimal.tolist())))
    assert not nx.is_directed_acyclic_graph(graph)


def test_escape_routes_are_never_longer_than_updown():
    topo = system("swap")
    fast, escape = make_routing(topo), escape_network(make_routing(topo))
    nodes = np.asarray(topo.meta["noi_nodes"])
    src, dst = (a.ravel() for a in np.meshgrid(nodes, nodes, indexing="ij"))

    def hops(routing):
        count = np.zeros(src.size, dtype=int)
        for active, _ in routing.walk(src, dst):
            count[active] += 1
        return count

    a, b = hops(fast), hops(escape)
    assert np.all(a <= b) and a.sum() < b.sum()


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_random_connected_graphs_are_minimal_and_deadlock_free(seed):
    rng = np.random.default_rng(seed)
    n = 12
    edges = {(i, i + 1) for i in range(n - 1)}  # a path keeps it connected
    for _ in range(8):
        a, b = sorted(rng.choice(n, 2, replace=False).tolist())
        edges.add((a, b))
    topo = build_system(SystemSpec("2.5d", pe_rows=1, pe_cols=1, chiplet_rows=3, chiplet_cols=4,
                      noi="custom", noi_params=(("edges", [list(e) for e in sorted(edges)]),)))
    topo = dataclasses.replace(topo, meta={**topo.meta, "noi_routing": "escape"})
    routing = make_routing(topo)
    check_deadlock_free(routing)
    dist = hop_distances(topo)
    nodes = np.asarray(topo.meta["noi_nodes"])
    src, dst = (a.ravel() for a in np.meshgrid(nodes, nodes, indexing="ij"))
    hops = np.zeros(src.size, dtype=int)
    for active, _ in routing.walk(src, dst):
        hops[active] += 1
    assert np.array_equal(hops, dist[src, dst])
