"""The flit engine's route check: every terminal pair's route, judged once per node."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.engines.flit.engine import _first_bad_route
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system


def walk_every_pair(table, link_dst, term) -> int:
    """Reference: walk each terminal pair's route (sources outer), the first bad one."""
    n = table.shape[0]
    for src in term.tolist():
        for dst in term.tolist():
            cur = src
            for _ in range(n + 1):
                if cur == dst or table[cur, dst] < 0:
                    break
                cur = int(link_dst[table[cur, dst]])
            if cur != dst:
                return src * n + dst
    return -1


@pytest.mark.parametrize("spec", [
    SystemSpec("2d", pe_rows=5, pe_cols=6),
    SystemSpec("2d", pe_rows=4, pe_cols=4, noc="torus"),
    SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=3, chiplet_cols=2),
])
def test_built_in_routings_pass_and_a_broken_hop_is_found_where_the_walk_finds_it(spec):
    topo = build_system(spec)
    table = np.asarray(make_routing(topo).table(), dtype=np.int64)
    link_dst = np.asarray(topo.link_dst, dtype=np.int64)
    term = np.asarray(topo.compute_nodes, dtype=np.int64)
    assert _first_bad_route(table, link_dst, term) == -1
    rng = np.random.default_rng(1)
    for _ in range(20):
        broken = table.copy()
        cur, dst = rng.integers(0, topo.num_nodes, size=2)
        if cur == dst:
            continue
        # a dead end, or a hop back towards where the packet came from (a loop)
        broken[cur, dst] = -1 if rng.random() < 0.5 else rng.integers(0, link_dst.size)
        assert _first_bad_route(broken, link_dst, term) == walk_every_pair(broken, link_dst,
                                                                           term)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.integers(-1, n - 1), min_size=n * n, max_size=n * n),
    st.lists(st.booleans(), min_size=n, max_size=n))))
def test_any_next_hop_table_gets_the_walks_verdict(case):
    """Random next hops (links i -> node link_dst[i] = i here): dead ends, loops, good
    routes; the first bad terminal pair is the one walking every pair finds."""
    n, hops, is_term = case
    table = np.array(hops, dtype=np.int64).reshape(n, n)
    link_dst = np.arange(n, dtype=np.int64)  # link i leads to node i
    term = np.flatnonzero(is_term).astype(np.int64)
    assert _first_bad_route(table, link_dst, term) == walk_every_pair(table, link_dst, term)
