"""Network-on-interposer library: link counts, degrees, lengths, connectivity, deadlock freedom."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pimnoc.errors import ConfigError
from pimnoc.hardware.routing import ROUTINGS, check_deadlock_free, make_routing
from pimnoc.hardware.system import SystemSpec, build_system, call_builder
from pimnoc.hardware.topologies import NOI_TOPOLOGIES, NoiGraph
from pimnoc.hardware.topologies._common import degrees, is_connected
from pimnoc.hardware.topologies.floret import floret_ring
from pimnoc.hardware.topologies.small_world import traffic_estimate
from pimnoc.hardware.topology import INTERPOSER, NOI_ROUTER, UBUMP, LinkList
from pimnoc.hardware.updown import updown_table

LIBRARY = ["mesh", "torus", "folded_torus", "kite_small", "kite_medium", "kite_large",
           "double_butterfly", "butterdonut", "hexamesh", "swap", "floret", "sfc_cube"]
SQUARE = [4, 6, 8, 10]


def noi(name: str, rows: int, cols: int, **params) -> NoiGraph:
    return NOI_TOPOLOGIES.get(name)(rows, cols, **params)


def system(name: str, rows: int, cols: int, **params):
    return build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=rows,
                                   chiplet_cols=cols, noi=name,
                                   noi_params=tuple(params.items())))


def lengths_of(graph: NoiGraph) -> np.ndarray:
    """Edge lengths in pitches: the graph's own, else Manhattan on the grid."""
    if graph.lengths is not None:
        return np.asarray(graph.lengths)
    e = np.asarray(graph.edges)
    r, c = np.divmod(e, graph.cols)
    return (np.abs(r[:, 0] - r[:, 1]) + np.abs(c[:, 0] - c[:, 1])).astype(float)


def noi_hops(topo) -> np.ndarray:
    """Hop counts between NoI routers under the system's routing (NoI links only)."""
    routing = make_routing(topo)
    nodes = np.asarray(topo.meta["noi_nodes"])
    src, dst = np.meshgrid(nodes, nodes, indexing="ij")
    src, dst = src.ravel(), dst.ravel()
    hops = np.zeros(src.size, dtype=int)
    for active, _link in routing.walk(src, dst):
        hops[active] += 1
    return hops.reshape(nodes.size, nodes.size)


def test_registry_has_the_whole_library():
    assert set(LIBRARY) <= set(NOI_TOPOLOGIES.names())
    assert "updown" in ROUTINGS


@pytest.mark.parametrize("name", LIBRARY)
@pytest.mark.parametrize("size", SQUARE)
def test_graph_invariants(name, size):
    g = noi(name, size, size)
    n = size * size
    e = np.asarray(g.edges)
    assert g.rows == size and g.cols == size
    assert e.min() >= 0 and e.max() < n
    assert np.all(e[:, 0] != e[:, 1])
    assert len({(min(a, b), max(a, b)) for a, b in g.edges}) == len(g.edges)
    assert is_connected(n, g.edges)
    assert g.routing in ROUTINGS
    if g.routing == "dor":
        assert g.dims is not None and len(g.dims) == len(g.edges)
    else:
        assert g.routing in ("updown", "escape") and g.dims is None
    for field in (g.lengths, g.dateline):
        assert field is None or len(field) == len(g.edges)
    assert np.all(lengths_of(g) >= 1.0 - 1e-9)


@pytest.mark.parametrize("name", LIBRARY)
@pytest.mark.parametrize(("rows", "cols"), [(4, 4), (6, 6), (4, 6)])
def test_deadlock_free_with_default_routing(name, rows, cols):
    if name == "sfc_cube" and rows != cols:
        pytest.skip("24 chiplets are no k-ary n-cube with n >= 2")
    topo = system(name, rows, cols)
    check_deadlock_free(make_routing(topo))
    assert isinstance(topo.meta["noi"], NoiGraph)
    assert topo.meta["noi_routing"] == topo.meta["noi"].routing


@pytest.mark.parametrize("name", ["floret", "hexamesh", "kite_large", "butterdonut"])
def test_deadlock_free_at_10x10(name):
    check_deadlock_free(make_routing(system(name, 10, 10)))


def test_deadlock_free_on_odd_grids():
    for name in ["floret", "folded_torus", "hexamesh", "kite_medium", "swap"]:
        check_deadlock_free(make_routing(system(name, 5, 5)))


# --- link counts and degree distributions -------------------------------------------------

@pytest.mark.parametrize("size", SQUARE)
def test_mesh_torus_folded_torus_counts(size):
    assert len(noi("mesh", size, size).edges) == 2 * size * (size - 1)
    assert len(noi("torus", size, size).edges) == 2 * size * size
    ft = noi("folded_torus", size, size)
    assert len(ft.edges) == 2 * size * size
    assert np.all(degrees(size * size, ft.edges) == 4)


def test_mesh_10x10_has_180_links():
    assert len(noi("mesh", 10, 10).edges) == 180
    assert system("mesh", 10, 10).summary()["links_by_kind"]["interposer"] == 180


def test_folded_torus_links_span_at_most_two_pitches():
    g = noi("folded_torus", 6, 6)
    lengths = lengths_of(g)
    # Per ring of 6: four 2-pitch links and two 1-pitch links at the ends.
    assert sorted(np.unique(lengths, return_counts=True)[1].tolist()) == [24, 48]
    assert lengths.max() == 2.0


def test_folded_torus_dor_takes_the_short_way_round():
    topo = system("folded_torus", 6, 6)
    hops = noi_hops(topo)
    ring = {p: i for i, p in enumerate([0, 2, 4, 5, 3, 1])}
    pos = np.array([[ring[c % 6], ring[c // 6]] for c in range(36)])
    d = np.abs(pos[:, None, :] - pos[None, :, :])
    assert np.array_equal(hops, np.minimum(d, 6 - d).sum(axis=2))


@pytest.mark.parametrize("size", SQUARE)
def test_floret_ring_has_n_unit_links(size):
    g = noi("floret", size, size, layout="ring")
    n = size * size
    assert len(g.edges) == n
    assert np.allclose(lengths_of(g), 1.0)
    assert np.all(degrees(n, g.edges) == 2)


def test_floret_10x10_has_100_unit_links_physically():
    topo = system("floret", 10, 10)
    inter = topo.link_kind == INTERPOSER
    assert topo.summary()["links_by_kind"]["interposer"] == 100
    pitch = topo.meta["chiplet_w_mm"] + 0.5
    assert np.allclose(topo.link_length_mm[inter], pitch)
    mesh = system("mesh", 10, 10)
    assert mesh.summary()["links_by_kind"]["interposer"] == 180
    assert topo.summary()["router_ports"] < mesh.summary()["router_ports"]


@pytest.mark.parametrize(("rows", "cols"), [(4, 4), (6, 6), (10, 10), (4, 6), (5, 5), (3, 7),
                                            (2, 9), (1, 5)])
def test_floret_curves_follow_the_loop(rows, cols):
    g = noi("floret", rows, cols, layout="ring")
    order = np.asarray(g.curve_order)
    assert sorted(order.tolist()) == list(range(rows * cols))
    r, c = np.divmod(order, cols)
    assert np.all(np.abs(np.diff(r)) + np.abs(np.diff(c)) == 1)
    # Every link joins consecutive chiplets of the concatenated curves (or closes the loop).
    pos = np.empty(rows * cols, dtype=int)
    pos[order] = np.arange(rows * cols)
    gap = np.abs(pos[np.asarray(g.edges)[:, 0]] - pos[np.asarray(g.edges)[:, 1]])
    assert np.all((gap == 1) | (gap == rows * cols - 1))


def test_floret_curves_parameter():
    g = noi("floret", 10, 10)
    assert g.params["curves"] == 4 and g.params["curve_length"] == 25
    assert g.params["curve_starts"] == (0, 25, 50, 75)
    # Each default curve of a 10x10 Floret is one 5x5 quadrant.
    order = np.asarray(g.curve_order)
    for start in g.params["curve_starts"]:
        r, c = np.divmod(order[start:start + 25], 10)
        assert np.ptp(r) == 4 and np.ptp(c) == 4
    g5 = noi("floret", 10, 10, curves=5)
    assert g5.params["curve_length"] == 20 and g5.edges == g.edges
    assert noi("floret", 6, 6, layout="ring").params["curves"] == 4


@pytest.mark.parametrize("curves", [3, 7, 0, -2, 101])
def test_floret_curves_must_divide_n(curves):
    with pytest.raises(ConfigError, match="design.noi.curves"):
        noi("floret", 10, 10, curves=curves)


def test_floret_odd_grid_closes_with_one_two_pitch_link():
    g = noi("floret", 5, 5)
    lengths = lengths_of(g)
    assert len(g.edges) == 25 and sorted(lengths)[-2:] == [1.0, 2.0]


def test_floret_ring_routing_takes_the_short_way():
    topo = system("floret", 6, 6, layout="ring")
    hops = noi_hops(topo)
    order = noi("floret", 6, 6, layout="ring").curve_order
    pos = np.empty(36, dtype=int)
    pos[list(order)] = np.arange(36)
    d = np.abs(pos[:, None] - pos[None, :])
    assert np.array_equal(hops, np.minimum(d, 36 - d))


def test_floret_ring_for_every_small_grid():
    for rows in range(1, 13):
        for cols in range(1, 13):
            order, blocks = floret_ring(rows, cols)
            assert sorted(order) == list(range(rows * cols))
            r, c = np.divmod(np.asarray(order), cols)
            assert np.all(np.abs(np.diff(r)) + np.abs(np.diff(c)) == 1)
            assert blocks in (1, 2, 4)


@pytest.mark.parametrize("size", SQUARE)
def test_hexamesh_counts_and_degrees(size):
    g = noi("hexamesh", size, size)
    n = size * size
    assert len(g.edges) == size * (size - 1) + (size - 1) * (2 * size - 1)
    deg = degrees(n, g.edges)
    assert deg.max() == 6
    assert np.count_nonzero(deg == 6) == (size - 2) ** 2
    assert np.allclose(sorted(set(np.round(lengths_of(g), 6))), [1.0, round(math.sqrt(1.25), 6)])


def test_hexamesh_6x6_published_pattern():
    g = noi("hexamesh", 6, 6)
    assert len(g.edges) == 85
    assert np.bincount(degrees(36, g.edges)).tolist() == [0, 0, 2, 6, 8, 4, 16]


@pytest.mark.parametrize("name", ["kite_small", "kite_medium", "kite_large"])
@pytest.mark.parametrize("size", SQUARE)
def test_kite_radix_and_link_classes(name, size):
    g = noi(name, size, size)
    assert degrees(size * size, g.edges).max() <= 4
    longest = {"kite_small": math.sqrt(2), "kite_medium": 2.0, "kite_large": math.sqrt(5)}
    lengths = lengths_of(g)
    assert lengths.max() == pytest.approx(longest[name])
    assert np.count_nonzero(np.isclose(lengths, longest[name])) >= size


def test_kite_counts_at_6x6_and_10x10():
    counts = {name: (len(noi(name, 6, 6).edges), len(noi(name, 10, 10).edges))
              for name in ["kite_small", "kite_medium", "kite_large"]}
    assert counts == {"kite_small": (70, 198), "kite_medium": (70, 198),
                      "kite_large": (69, 197)}


def test_kite_diagonal_links_are_straight_on_the_interposer():
    topo = system("kite_small", 4, 4)
    pitch = topo.meta["chiplet_w_mm"] + 0.5
    lengths = np.unique(np.round(topo.link_length_mm[topo.link_kind == INTERPOSER], 6))
    assert np.allclose(lengths, [pitch, round(math.sqrt(2) * pitch, 6)])


@pytest.mark.parametrize(("size", "db", "bd"), [(4, 24, 28), (6, 56, 62), (8, 112, 120),
                                                (10, 168, 178)])
def test_butterfly_counts(size, db, bd):
    assert len(noi("double_butterfly", size, size).edges) == db
    assert len(noi("butterdonut", size, size).edges) == bd


def test_butterfly_power_of_two_structure():
    db = noi("double_butterfly", 8, 8)
    bd = noi("butterdonut", 8, 8)
    # Power-of-two grids: every column pair has a full butterfly stage.
    assert np.bincount(degrees(64, db.edges)).tolist() == [0, 0, 16, 0, 48]
    assert np.bincount(degrees(64, bd.edges)).tolist() == [0, 0, 0, 16, 48]
    # No vertical links: each link joins neighbouring columns or (ButterDonut) skips one.
    for g, spans in ((db, {1}), (bd, {1, 2})):
        e = np.asarray(g.edges)
        assert set(np.abs(e[:, 0] % 8 - e[:, 1] % 8).tolist()) == spans


@pytest.mark.parametrize("size", SQUARE)
def test_swap_budget_and_ports(size):
    g = noi("swap", size, size)
    n = size * size
    mesh_links = 2 * size * (size - 1)
    assert len(g.edges) == mesh_links
    assert degrees(n, g.edges).max() <= 6 and degrees(n, g.edges).min() >= 2
    lengths = lengths_of(g)
    assert lengths.sum() <= 1.25 * mesh_links + 1e-6
    # Mostly short links, a few long ones.
    assert np.mean(lengths <= 1.5) > 0.75 and lengths.max() > (2 if size >= 8 else 1)


def test_swap_is_deterministic_per_seed():
    a = noi("swap", 6, 6, seed=3)
    b = noi("swap", 6, 6, seed=3)
    c = noi("swap", 6, 6, seed=4)
    assert a.edges == b.edges and a.lengths == b.lengths
    assert a.edges != c.edges


def test_swap_beats_mesh_on_its_traffic_estimate():
    """Fewer traffic-weighted hops than a mesh with as many links, even under up*/down*."""
    mesh = noi_hops(system("mesh", 8, 8))
    for traffic, gain in [("pipeline", 0.97), ("uniform", 0.85)]:
        weight = traffic_estimate(8, 8, traffic)
        swap = noi_hops(system("swap", 8, 8, traffic=traffic))
        assert (weight * swap).sum() < gain * (weight * mesh).sum()


def test_swap_parameter_errors():
    with pytest.raises(ConfigError, match="design.noi.links"):
        noi("swap", 4, 4, links=10)
    with pytest.raises(ConfigError, match="design.noi.traffic"):
        noi("swap", 4, 4, traffic="bursty")


@pytest.mark.parametrize(("size", "kw", "n", "k", "links"),
                         [(4, {}, 2, 4, 26), (6, {}, 2, 6, 48), (8, {}, 2, 8, 68),
                          (8, {"n": 3}, 3, 4, 106), (8, {"k": 2}, 6, 2, 122),
                          (10, {}, 2, 10, 112), (10, {"max_length": None}, 2, 10, 190)])
def test_sfc_cube_counts(size, kw, n, k, links):
    g = noi("sfc_cube", size, size, **kw)
    assert (g.params["n"], g.params["k"], len(g.edges)) == (n, k, links)
    # The Floret loop along the curve is always there: every chiplet has >= 2 links.
    assert degrees(size * size, g.edges).min() >= 2
    if kw.get("max_length", 2.0) is not None:
        assert lengths_of(g).max() <= 2.0 + 1e-9
    assert g.params["curves"] * g.params["curve_length"] == size * size


def test_sfc_cube_is_a_subgraph_of_its_full_cube():
    full = set(map(frozenset, noi("sfc_cube", 8, 8, n=3, max_length=None).edges))
    pruned = set(map(frozenset, noi("sfc_cube", 8, 8, n=3).edges))
    floret = set(map(frozenset, noi("floret", 8, 8).edges))
    assert floret <= pruned <= full


def test_sfc_cube_errors():
    with pytest.raises(ConfigError, match="design.noi.n"):
        noi("sfc_cube", 4, 6)
    with pytest.raises(ConfigError, match="design.noi.n"):
        noi("sfc_cube", 8, 8, n=4)
    with pytest.raises(ConfigError, match="design.noi.max_length"):
        noi("sfc_cube", 4, 4, max_length=0.5)


def test_unknown_parameter_is_a_config_error():
    with pytest.raises(ConfigError):
        system("floret", 4, 4, petals=4)


def test_topology_sizes_too_small():
    for name in ["kite_small", "double_butterfly", "swap"]:
        with pytest.raises(ConfigError, match="design.chiplets"):
            noi(name, 1, 4)


# --- up*/down* routing -----------------------------------------------------------------------

def _minimal_hops(g: NoiGraph) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    e = np.asarray(g.edges)
    n = g.rows * g.cols
    adj = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    return shortest_path(adj, directed=False, unweighted=True)


@pytest.mark.parametrize(("name", "size", "slack"), [("hexamesh", 5, 1.0), ("hexamesh", 10, 1.0),
                                                     ("kite_small", 6, 1.05),
                                                     ("double_butterfly", 8, 1.08),
                                                     ("butterdonut", 8, 1.25),
                                                     ("swap", 10, 1.15)])
def test_updown_routes_are_near_minimal(name, size, slack):
    hops = noi_hops(system(name, size, size))
    minimal = _minimal_hops(noi(name, size, size))
    assert np.all(np.diag(hops) == 0) and np.all(hops >= minimal)
    assert hops.mean() <= slack * minimal.mean() + 1e-9


def test_updown_table_is_as_short_as_the_rule_allows():
    from pimnoc.hardware.updown import updown_lengths, updown_rank, updown_root

    topo = build_system(SystemSpec("2d", pe_rows=4, pe_cols=5, noc="torus"))
    table = updown_table(topo)
    lengths = updown_lengths(topo, updown_rank(topo, updown_root(topo)))
    n = topo.num_nodes
    for s in range(n):
        for d in range(n):
            cur, hops = s, 0
            while cur != d:
                cur, hops = topo.link_dst[table[cur, d]], hops + 1
            assert hops == lengths[s, d]


@pytest.mark.parametrize("noc", ["mesh", "torus"])
def test_updown_on_whole_dies_is_deadlock_free(noc):
    topo = build_system(SystemSpec("2d", pe_rows=5, pe_cols=6, noc=noc))
    routing = make_routing(topo, "updown")
    check_deadlock_free(routing)
    assert np.all(routing.table()[~np.eye(30, dtype=bool)] >= 0)


def test_updown_table_follows_up_then_down():
    topo = system("swap", 6, 6)
    routing = make_routing(topo)
    sub_nodes = np.asarray(topo.meta["noi_nodes"])
    assert np.all(topo.node_kind[sub_nodes] == NOI_ROUTER)
    table = updown_table(topo)
    n = topo.num_nodes
    assert table.shape == (n, n) and np.all(np.diag(table) == -1)
    assert np.all(table[~np.eye(n, dtype=bool)] >= 0)
    assert routing.algorithm == "hierarchical"


# --- Floret against the group's public adjacency files ------------------------------------
# Facts of CHIPSIM's assets/NoI_topologies/adj_matrix_{6x6,9x9,10x10}_floret.csv (commit
# 38ceda148ae0b6935dfbd5b7ea914039ce174341): link count, degrees, link lengths, junctions.

PUBLIC_6X6_JUNCTIONS = {(0, 2), (0, 3), (1, 2), (1, 3), (2, 2), (2, 3), (3, 2), (3, 3)}


def test_floret_6x6_matches_the_public_file_structure():
    g = noi("floret", 6, 6)
    assert g.params["layout"] == "petals"
    deg = degrees(36, g.edges)
    assert len(g.edges) == 40
    assert np.bincount(deg).tolist() == [0, 0, 28, 8]
    assert {divmod(int(c), 6) for c in np.flatnonzero(deg == 3)} == PUBLIC_6X6_JUNCTIONS
    assert np.allclose(lengths_of(g), 1.0)
    # Independent cycles: links - chiplets + 1 (the public file has 5).
    assert len(g.edges) - 36 + 1 == 5
    # lambda curves of psi chiplets, each 2 x 3; tail of curve i next to head of curve i+1.
    assert (g.params["curves"], g.params["curve_length"]) == (6, 6)
    order = np.asarray(g.curve_order)
    r, c = np.divmod(order, 6)
    assert np.all(np.abs(np.diff(r)) + np.abs(np.diff(c)) == 1)
    for start in g.params["curve_starts"]:
        assert np.ptp(r[start:start + 6]) == 1 and np.ptp(c[start:start + 6]) == 2


@pytest.mark.parametrize(("size", "long_links"), [(9, 1), (10, 0)])
def test_floret_9x9_and_10x10_are_rings_as_in_the_public_files(size, long_links):
    g = noi("floret", size, size)
    n = size * size
    assert g.params["layout"] == "ring" and len(g.edges) == n
    assert np.all(degrees(n, g.edges) == 2)
    lengths = lengths_of(g)
    assert int(np.count_nonzero(lengths > 1)) == long_links and lengths.max() <= 2


def test_floret_petals_are_deadlock_free_and_no_longer_than_the_ring():
    petals = system("floret", 6, 6)
    ring = system("floret", 6, 6, layout="ring")
    routing = make_routing(petals)
    assert routing.topology.meta["noi_routing"] == "escape"
    check_deadlock_free(routing)
    # Extra links only shorten minimal routes.
    assert noi_hops(petals).mean() < noi_hops(ring).mean()


def test_floret_layout_errors_name_the_key():
    with pytest.raises(ConfigError, match="design.noi.layout"):
        noi("floret", 6, 6, layout="spiral")
    with pytest.raises(ConfigError, match="design.noi.layout"):
        noi("floret", 5, 5, layout="petals")
    with pytest.raises(ConfigError, match="design.noi.curves"):
        noi("floret", 6, 6, curves=4)


def test_links_added_together_equal_links_added_one_by_one():
    """LinkList.add_many gives the same directed links, in the same order, as add per link."""
    import numpy as np

    from pimnoc.hardware.topology import LinkList

    a, b = np.array([0, 3, 5]), np.array([1, 4, 2])
    length, latency, dateline = np.array([1.0, 2.5, 0.5]), np.array([1, 3, 1]), \
        np.array([False, True, False])
    one, many = LinkList(), LinkList()
    for i in range(3):
        one.add(int(a[i]), int(b[i]), 2, float(length[i]), int(latency[i]), 1, -1,
                bool(dateline[i]))
    many.add_many(a, b, 2, length, latency, 1, -1, dateline)
    for name, value in one.arrays().items():
        assert np.array_equal(value, many.arrays()[name]) and \
            value.dtype == many.arrays()[name].dtype, name


def test_custom_noi_with_faulty_chiplets_hangs_them_as_leaves():
    from pimnoc.errors import ConfigError
    from pimnoc.hardware.topologies.noi import custom_noi

    graph = custom_noi(2, 2, edges=[[0, 1], [1, 3]], lengths=[1, 1], faulty=[2],
                       curve=[0, 1, 3])
    assert graph.params["faulty"] == (2,)
    assert (0, 2) in graph.edges and len(graph.lengths) == len(graph.edges)  # leaf to 0
    assert graph.curve_order == (0, 1, 3, 2)
    with pytest.raises(ConfigError, match="design.noi.faulty"):
        custom_noi(2, 2, edges=[[0, 2]], faulty=[2])
    with pytest.raises(ConfigError, match="design.noi.lengths"):
        custom_noi(2, 2, edges=[[0, 1]], lengths=[1, 2])


def test_link_list_keeps_links_in_the_order_added():
    """Single links and whole grids of links come out as directed pairs, in order."""
    import numpy as np

    from pimnoc.hardware.topology import LinkList

    links = LinkList()
    links.add(0, 1, 2, 1.5, 3, 0, 1, True)
    links.add_many(np.array([2, 4]), np.array([3, 5]), 1, np.array([0.5, 0.25]),
                   np.array([1, 2]), 1, -1)
    links.add(6, 7, 0, 2.0, 1)
    arrays = links.arrays()
    assert arrays["link_src"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert arrays["link_dst"].tolist() == [1, 0, 3, 2, 5, 4, 7, 6]
    assert arrays["link_kind"].tolist() == [2, 2, 1, 1, 1, 1, 0, 0]
    assert arrays["link_length_mm"].tolist() == [1.5, 1.5, 0.5, 0.5, 0.25, 0.25, 2.0, 2.0]
    assert arrays["link_latency_cycles"].tolist() == [3, 3, 1, 1, 2, 2, 1, 1]
    assert arrays["link_dim"].tolist() == [0, 0, 1, 1, 1, 1, -1, -1]
    assert arrays["link_dir"].tolist() == [1, -1, -1, 1, -1, 1, 1, -1]
    assert arrays["link_dateline"].tolist() == [True, True] + [False] * 6
    assert len(links) == 8 and LinkList().arrays()["link_src"].dtype == np.int64


def _interposer_links_one_by_one(spec: SystemSpec):
    """The micro-bump and interposer links as build_chiplets added them one call each."""
    topo = build_system(spec)
    rows, cols = spec.chiplet_rows, spec.chiplet_cols
    noi = call_builder(NOI_TOPOLOGIES.get(spec.noi), "design.noi", spec.noi, rows, cols,
                       dict(spec.noi_params))
    pitch_x = spec.pe_cols * spec.pe_pitch_mm + spec.chiplet_gap_mm
    pitch_y = spec.pe_rows * spec.pe_pitch_mm + spec.chiplet_gap_mm
    xy, noi_nodes = topo.node_xy_mm, np.asarray(topo.meta["noi_nodes"])
    links = LinkList()
    for chip, row in enumerate(np.asarray(topo.meta["boundary_ports"])):
        for node in row:
            links.add(int(node), int(noi_nodes[chip]), UBUMP, spec.vertical_length_mm, 1)
    n = rows * cols
    grid_xy = np.column_stack([np.arange(n) % cols, np.arange(n) // cols])
    for i, (a, b) in enumerate(noi.edges):
        length = float(np.abs(xy[noi_nodes[a]] - xy[noi_nodes[b]]).sum())
        if noi.lengths is not None:
            span = grid_xy[b] - grid_xy[a]
            along = np.hypot(span[0] * pitch_x, span[1] * pitch_y) / max(np.hypot(*span), 1e-12)
            length = float(noi.lengths[i]) * (along if np.any(span) else pitch_x)
        latency = max(1, int(np.ceil(length * spec.interposer_cycles_per_mm - 1e-9))) + \
            spec.d2d_latency_cycles
        dim, direction = noi.dims[i] if noi.dims is not None else (-1, 1)
        dateline = bool(noi.dateline[i]) if noi.dateline is not None else False
        links.add(int(noi_nodes[a]), int(noi_nodes[b]), INTERPOSER, length, latency,
                  dim, direction, dateline)
    return topo, links.arrays()


@pytest.mark.parametrize("name", sorted(NOI_TOPOLOGIES.names()))
@pytest.mark.parametrize("rows, cols, ports", [(3, 4, 1), (4, 4, 2), (1, 5, 1), (6, 6, 4)])
def test_interposer_links_added_at_once_equal_one_call_each(name, rows, cols, ports):
    spec = SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=rows, chiplet_cols=cols,
                      noi=name, ports_per_chiplet=ports, d2d_latency_cycles=2,
                      interposer_cycles_per_mm=0.7)
    try:
        topo, expected = _interposer_links_one_by_one(spec)
    except ConfigError:
        pytest.skip(f"{name} takes no {rows}x{cols} grid")
    tail = expected["link_src"].size
    for key, want in expected.items():
        np.testing.assert_array_equal(getattr(topo, key)[-tail:], want, err_msg=key)
