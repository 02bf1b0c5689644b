"""Routing tables: hop counts, hierarchical 2.5D routes, deadlock check."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import all_pairs_hops

from pimnoc.errors import TopologyError
from pimnoc.hardware.routing import (
    _reaches_all,
    check_deadlock_free,
    find_dependency_cycle,
    make_routing,
)
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.topology import INTERPOSER, NOI_ROUTER


def test_mesh_dor_hops_are_manhattan_distance():
    topo = build_system(SystemSpec("2d", pe_rows=5, pe_cols=7))
    hops = all_pairs_hops(make_routing(topo))
    xy = topo.node_coord[:, :2]
    manhattan = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2)
    assert np.array_equal(hops, manhattan)


def test_torus_dor_takes_the_short_way_round():
    topo = build_system(SystemSpec("2d", pe_rows=6, pe_cols=6, noc="torus"))
    hops = all_pairs_hops(make_routing(topo))
    xy = topo.node_coord[:, :2]
    d = np.abs(xy[:, None, :] - xy[None, :, :])
    ring = np.minimum(d, 6 - d).sum(axis=2)
    assert np.array_equal(hops, ring)
    assert topo.num_links == 2 * 6 * 6


def test_2p5d_routes_leave_chiplets_only_through_the_interposer():
    topo = build_system(SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=2,
                                   chiplet_cols=3))
    routing = make_routing(topo)
    pes = topo.compute_nodes
    src, dst = np.meshgrid(pes, pes, indexing="ij")
    src, dst = src.ravel(), dst.ravel()
    crossings = np.zeros(src.size, dtype=int)
    for active, link in routing.walk(src, dst):
        crossings[active] += topo.link_kind[link] == INTERPOSER
    same = topo.node_chiplet[src] == topo.node_chiplet[dst]
    assert np.all(crossings[same] == 0)
    cs, cd = topo.node_chiplet[src], topo.node_chiplet[dst]
    grid = np.abs(np.c_[cs % 3, cs // 3] - np.c_[cd % 3, cd // 3]).sum(axis=1)
    assert np.array_equal(crossings[~same], grid[~same])
    assert np.count_nonzero(topo.node_kind == NOI_ROUTER) == 6


@pytest.mark.parametrize("spec", [
    SystemSpec("2d", pe_rows=4, pe_cols=4),
    SystemSpec("2d", pe_rows=5, pe_cols=5, noc="torus"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=3, chiplet_cols=3),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=3, chiplet_cols=4, noi="torus"),
])
def test_builtin_topologies_are_deadlock_free(spec):
    check_deadlock_free(make_routing(build_system(spec)))


def test_torus_without_datelines_has_a_dependency_cycle():
    topo = build_system(SystemSpec("2d", pe_rows=5, pe_cols=5, noc="torus"))
    no_dateline = replace(topo, link_dateline=np.zeros_like(topo.link_dateline))
    routing = make_routing(no_dateline)
    assert find_dependency_cycle(routing) is not None
    with pytest.raises(TopologyError, match="deadlock"):
        check_deadlock_free(routing)


def test_disconnected_custom_noi_is_rejected():
    spec = SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=2, chiplet_cols=2,
                      noi="custom", noi_params=(("edges", [[0, 1], [2, 3]]),))
    with pytest.raises(TopologyError, match="disconnected"):
        make_routing(build_system(spec))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))))
def test_breadth_first_connectivity_agrees_with_scipy_strong_components(graph):
    """The numpy search both ways from node 0 says connected exactly when scipy finds one part."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, edges = graph
    pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    src, dst = pairs[:, 0], pairs[:, 1]
    ours = _reaches_all(n, src, dst) and _reaches_all(n, dst, src)
    adj = coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
    assert ours == (connected_components(adj, directed=True, connection="strong")[0] == 1)


def test_one_way_link_leaves_a_network_disconnected():
    """Strong connectivity: on a line 0-1-2 without the link 1 -> 2, node 2 reaches 0, not back."""
    topo = build_system(SystemSpec("2d", pe_rows=1, pe_cols=3))
    one_way = np.flatnonzero((topo.link_src == 1) & (topo.link_dst == 2))
    keep = np.setdiff1d(np.arange(topo.num_directed_links), one_way)
    assert not _reaches_all(topo.num_nodes, topo.link_src[keep], topo.link_dst[keep])
    assert _reaches_all(topo.num_nodes, topo.link_dst[keep], topo.link_src[keep])


def test_noi_hops_computed_on_demand_equal_the_table(monkeypatch):
    """Large interposer networks route without a router-pair table, to the same links."""
    import numpy as np

    from pimnoc.hardware import routing as routing_module
    from pimnoc.hardware.routing import make_routing
    from pimnoc.hardware.system import SystemSpec, build_system

    for noi in ("mesh", "floret", "torus"):
        topo = build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=4,
                                       chiplet_cols=5, noi=noi))
        table = make_routing(topo).table()
        monkeypatch.setattr(routing_module, "NOI_TABLE_MAX_ROUTERS", 0)
        on_demand = make_routing(topo).table()
        monkeypatch.undo()
        assert np.array_equal(table, on_demand), noi


@pytest.mark.parametrize("spec", [
    SystemSpec("2d", pe_rows=5, pe_cols=7),
    SystemSpec("2d", pe_rows=4, pe_cols=4, noc="torus"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=4, chiplet_cols=5),
    SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=3, chiplet_cols=4, noi="floret"),
])
def test_full_mesh_is_recognised_and_its_hops_are_l1(spec):
    """Arithmetic hop counts are used only where they equal the all-pairs shortest paths."""
    from pimnoc.hardware.routing import _hop_count, full_grid_coords, hop_distances

    topo = build_system(spec)
    coord = full_grid_coords(topo)
    assert (coord is not None) == (spec.integration == "2d" and spec.noc == "mesh")
    n = np.arange(topo.num_nodes)
    a, b = np.meshgrid(n, n, indexing="ij")
    assert np.array_equal(_hop_count(topo)(a, b), hop_distances(topo))
    if coord is not None:  # a mesh with one link removed is no longer a full mesh
        keep = np.ones(topo.num_directed_links, dtype=bool)
        keep[0] = False
        cut = replace(topo, link_src=topo.link_src[keep], link_dst=topo.link_dst[keep])
        assert full_grid_coords(cut) is None


def test_shortest_routing_on_a_mesh_noi_equals_the_all_pairs_table(monkeypatch):
    """The interposer mesh routed by L1 distance takes the links the distance table gives."""
    from pimnoc.hardware import routing as routing_module

    topo = build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=5, chiplet_cols=6))
    arithmetic = make_routing(topo).table()
    monkeypatch.setattr(routing_module, "full_grid_coords", lambda _topo: None)
    assert np.array_equal(arithmetic, make_routing(topo).table())


@pytest.mark.parametrize("spec", [
    SystemSpec("2d", pe_rows=5, pe_cols=7),
    SystemSpec("2d", pe_rows=5, pe_cols=5, noc="torus"),
    SystemSpec("2.5d", pe_rows=3, pe_cols=4, chiplet_rows=3, chiplet_cols=2),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=3, chiplet_cols=4, noi="torus"),
])
def test_dor_move_tables_give_the_arithmetic_routes(spec, monkeypatch):
    """Dimension-order hops from the per-shape move tables equal those computed on demand."""
    from pimnoc.hardware import routing as routing_module

    topo = build_system(spec)
    n = np.arange(topo.num_nodes)
    cur, dst = (x.ravel() for x in np.meshgrid(n, n, indexing="ij"))
    tabled = routing_module.dimension_order(topo)(cur, dst)
    monkeypatch.setattr(routing_module, "DOR_TABLE_MAX_NODES", 0)
    assert np.array_equal(tabled, routing_module.dimension_order(topo)(cur, dst))


def _dor_moves_by_rows(coord_a, coord_b, size, wrap):
    """The dimension-order move of each pair as first written (whole rows at once)."""
    diff = coord_b - coord_a
    forward = np.mod(diff, size)
    minus = np.where(wrap, forward > size / 2, diff < 0)
    moving = diff != 0
    first = np.argmax(moving, axis=1)
    rows = np.arange(coord_a.shape[0])
    return np.where(moving.any(axis=1), 2 * first + minus[rows, first], -1)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**31 - 1), st.booleans())
def test_dimension_order_moves_a_dimension_at_a_time_match_whole_rows(n, seed, per_pair):
    from pimnoc.hardware.routing import _dor_moves

    rng = np.random.default_rng(seed)
    dims = rng.integers(1, 7, size=(n, 3) if per_pair else 3)
    wrap = rng.random(size=(n, 3) if per_pair else 3) < 0.5
    a = rng.integers(0, 6, size=(n, 3)) % dims
    b = rng.integers(0, 6, size=(n, 3)) % dims
    np.testing.assert_array_equal(_dor_moves(a, b, dims, wrap),
                                  _dor_moves_by_rows(a, b, dims, wrap))


@pytest.mark.parametrize("spec", [
    SystemSpec("2.5d", pe_rows=3, pe_cols=4, chiplet_rows=3, chiplet_cols=2),
    SystemSpec("2.5d", pe_rows=4, pe_cols=4, chiplet_rows=2, chiplet_cols=3, noi="torus",
               ports_per_chiplet=4),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=3, chiplet_cols=3, noi="floret"),
    SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=2, chiplet_cols=2, boundary="corner"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=2, chiplet_cols=2, tiers=2),
])
def test_hierarchical_pe_hops_from_tables_equal_the_dimension_order_path(spec, monkeypatch):
    """The PEs' one-gather hops give the links of dimension order then up, for every pair
    (cur == dst included), as the path they replaced."""
    from pimnoc.hardware import routing as routing_module

    try:
        topo = build_system(spec)
    except Exception as error:  # a spec this builder does not support: nothing to compare
        pytest.skip(str(error))
    is_router = topo.node_kind == NOI_ROUTER
    up = np.full(topo.num_nodes, -1, dtype=np.int64)
    assert routing_module._pe_hop_tables(topo, is_router, up) is not None  # the fast path
    fast = make_routing(topo).table()
    monkeypatch.setattr(routing_module, "_pe_hops", lambda *args: None)
    assert np.array_equal(fast, make_routing(topo).table())


@pytest.mark.parametrize("noc", ["mesh", "torus"])
def test_dor_without_tables_equals_the_per_pair_moves(noc, monkeypatch):
    """Untabled dimension order (one grid group: its size and wraps shared) gives the links
    of each pair's own move, computed with per-pair sizes as before."""
    from pimnoc.hardware import routing as routing_module

    topo = build_system(SystemSpec("2d", pe_rows=5, pe_cols=7, noc=noc))
    monkeypatch.setattr(routing_module, "DOR_TABLE_MAX_NODES", 0)
    n = np.arange(topo.num_nodes)
    cur, dst = (x.ravel() for x in np.meshgrid(n, n, indexing="ij"))
    group = topo.node_group[cur]
    move = _dor_moves_by_rows(topo.node_coord[cur], topo.node_coord[dst],
                              topo.group_dims[group], topo.group_wraps[group])
    ports = routing_module._port_table(topo).reshape(topo.num_nodes, 6)
    expected = np.where(move >= 0, ports[cur, np.maximum(move, 0)], -1)
    assert np.array_equal(routing_module.dimension_order(topo)(cur, dst), expected)
