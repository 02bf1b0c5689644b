"""Placements: every strategy is a permutation of the compute nodes; networks never share a PE."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import small_cnn

import pimnoc.mapping.annealed as annealed_placement
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import PeTech
from pimnoc.search import map_and_place, placement_names, start_order

SYSTEMS = {
    "die 3x4": SystemSpec("2d", pe_rows=3, pe_cols=4),
    "mesh 2x3 of 2x2": SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=2, chiplet_cols=3),
    "floret 4x4 of 2x2": SystemSpec("2.5d", pe_rows=2, pe_cols=2, chiplet_rows=4,
                                    chiplet_cols=4, noi="floret"),
    "kite 4x4 of 3x3": SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=4,
                                  chiplet_cols=4, noi="kite_small"),
}


def _is_permutation(order: np.ndarray, nodes: np.ndarray) -> bool:
    return order.shape == nodes.shape and np.array_equal(np.sort(order), np.sort(nodes))


@pytest.mark.parametrize("system", SYSTEMS.values(), ids=list(SYSTEMS))
@pytest.mark.parametrize("strategy", placement_names())
def test_every_placement_is_a_permutation_of_the_compute_nodes(strategy, system):
    topo = build_system(system)
    if strategy == "annealed":  # replays an order the optimiser registered
        found = np.random.default_rng(3).permutation(topo.compute_nodes)
        annealed_placement.register_order(topo, 3, found)
    order = start_order(topo, strategy, seed=3)
    assert _is_permutation(order, topo.compute_nodes)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.sampled_from(["mesh", "torus", "floret", "hexamesh"]))
def test_greedy_is_a_permutation_for_any_grid(chip_rows, chip_cols, pe_rows, pe_cols, noi):
    topo = build_system(SystemSpec("2.5d", pe_rows=pe_rows, pe_cols=pe_cols,
                                   chiplet_rows=chip_rows, chiplet_cols=chip_cols, noi=noi))
    assert _is_permutation(start_order(topo, "greedy"), topo.compute_nodes)


def _three_networks():
    return [small_cnn("a", 48), small_cnn("b", 96), small_cnn("c", 64)]


@pytest.mark.parametrize("strategy", ["row_major", "snake", "hilbert", "sfc", "random",
                                      "greedy"])
def test_concurrent_networks_never_share_a_pe(strategy):
    topo = build_system(SystemSpec("2.5d", pe_rows=3, pe_cols=3, chiplet_rows=3,
                                   chiplet_cols=3, noi="floret"))
    pe = PeTech(crossbars=4)
    mapping = map_and_place(_three_networks(), topo, pe, strategy, "auto", seed=1)
    assert _is_permutation(np.asarray(mapping.order), topo.compute_nodes)
    owner: dict[int, int] = {}
    for i, (nodes, _counts) in enumerate(mapping.layer_node_crossbars):
        for node in nodes.tolist():
            assert owner.setdefault(node, int(mapping.network_of[i])) == mapping.network_of[i]
    assert len(set(owner.values())) == 3


def test_sfc_on_floret_follows_its_curve_over_chiplets_and_rows_inside():
    topo = build_system(SystemSpec("2.5d", pe_rows=2, pe_cols=3, chiplet_rows=4,
                                   chiplet_cols=4, noi="floret"))
    order = start_order(topo, "sfc")
    per_chip = 6
    chips = topo.node_group[order].reshape(-1, per_chip)
    assert np.all(chips == chips[:, :1])  # one chiplet after another
    np.testing.assert_array_equal(chips[:, 0], topo.meta["noi"].curve_order)
    inside = order.reshape(-1, per_chip) - order.reshape(-1, per_chip).min(axis=1, keepdims=True)
    np.testing.assert_array_equal(inside, np.tile(np.arange(per_chip), (16, 1)))
