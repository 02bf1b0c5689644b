"""The greedy traffic-aware placement: deterministic, compact, and better than random."""

from __future__ import annotations

import numpy as np
from support import small_cnn

from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import PeTech
from pimnoc.search import map_and_place
from pimnoc.search.greedy import greedy_order, hop_rows, slot_traffic, traffic_order


def _system(noi: str = "mesh"):
    return build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=3,
                                   chiplet_cols=3, noi=noi))


def _mapping(placement: str, noi: str = "mesh"):
    topo = _system(noi)
    nets = [small_cnn("a", 64), small_cnn("b", 96)]
    return map_and_place(nets, topo, PeTech(crossbars=2), placement, "auto", seed=5)


def _traffic_distance(mapping) -> float:
    """Sum over slot pairs of bits x distance between their nodes."""
    traffic = slot_traffic(mapping).tocoo()
    hops = hop_rows(mapping.topology)
    nodes = mapping.topology.compute_nodes
    cols = np.searchsorted(nodes, np.asarray(mapping.order))
    total = 0.0
    for s, t, bits in zip(traffic.row, traffic.col, traffic.data, strict=True):
        total += bits * hops(int(mapping.order[s]))[cols[t]]
    return total / 2


def test_greedy_is_deterministic():
    a, b = _mapping("greedy"), _mapping("greedy")
    assert np.array_equal(a.order, b.order)
    assert np.array_equal(greedy_order(_system()), greedy_order(_system()))


def test_stream_order_fills_a_chiplet_before_the_next():
    topo = build_system(SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=3,
                                   chiplet_cols=3))
    chips = topo.node_chiplet[greedy_order(topo)].reshape(-1, 9)
    assert all(len(set(row)) == 1 for row in chips.tolist())


def test_refined_order_is_a_permutation_and_beats_random_on_traffic_distance():
    greedy, random = _mapping("greedy"), _mapping("random")
    nodes = greedy.topology.compute_nodes
    assert np.array_equal(np.sort(greedy.order), nodes)
    assert _traffic_distance(greedy) < _traffic_distance(random)


def test_each_network_starts_on_its_seed_region():
    mapping = _mapping("greedy")
    order = traffic_order(mapping)
    assert np.array_equal(np.sort(order), mapping.topology.compute_nodes)
    first = [int(order[s]) for s in mapping.network_start_slot]
    assert len(set(first)) == len(first)
