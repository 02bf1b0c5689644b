"""Mapping several networks (copies among them) equals the plain per-layer, per-network form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import PeTech
from pimnoc.mapping.mapper import map_workloads
from pimnoc.mapping.partition import replication_for, tile_layer
from pimnoc.workload.loader import load_network


@pytest.fixture(scope="module")
def mapped():
    a, b = load_network("resnet18", 32, None, None), load_network("densenet121", 32, None, None)
    topo = build_system(SystemSpec("2.5d", pe_rows=4, pe_cols=4, chiplet_rows=6,
                                   chiplet_cols=6))
    pe = PeTech()
    return [a, b, a, a, b], pe, map_workloads([a, b, a, a, b], topo, pe, "hilbert")


def test_the_layers_inputs_and_tiles_are_each_networks_in_turn(mapped):
    workloads, pe, m = mapped
    layers = [layer for w in m.workloads for layer in w.layers]
    assert m.layers == tuple(layers)
    base, preds = 0, []
    for w in m.workloads:
        preds += [tuple(base + w.index[p] for p in layer.preds) for layer in w.layers]
        base += len(w.layers)
    assert m.preds == tuple(preds)
    assert m.tiles == tuple(tile_layer(layer, pe) for layer in layers)
    assert np.array_equal(m.tile_shape, np.array(
        [(t.rows, t.cols, t.row_tiles, t.col_tiles) for t in m.tiles]))
    assert np.array_equal(m.weighted, [layer.weighted for layer in layers])
    assert np.array_equal(m.network_of, np.repeat(np.arange(5), [len(w.layers) for w in
                                                                 workloads]))


def test_crossbar_streams_are_the_per_network_loop(mapped):
    """Replication, stream starts and PE slots as the former loop over networks gives them."""
    _workloads, pe, m = mapped
    weighted = [i for i, layer in enumerate(m.layers) if layer.weighted]
    budget = max(max(0, m.order.size - 5) * pe.crossbars,
                 sum(t.crossbars for t in m.tiles))
    reps = np.zeros(len(m.layers), dtype=np.int64)
    reps[weighted] = replication_for([m.layers[i] for i in weighted],
                                     [m.tiles[i] for i in weighted], "auto", budget,
                                     int(m.order.size), pe)
    assert np.array_equal(m.replication, reps)
    count = np.array([t.crossbars for t in m.tiles]) * reps
    assert np.array_equal(m.xbar_count, count)
    cursor = 0
    for k in range(5):
        members = np.flatnonzero(m.network_of == k)
        assert m.network_start_slot[k] == cursor
        expected = cursor * pe.crossbars + np.concatenate([[0], np.cumsum(count[members])[:-1]])
        assert np.array_equal(m.xbar_start[members], expected)
        slots = max(1, math.ceil(int(count[members].sum()) / pe.crossbars))
        assert m.network_slots[k] == slots
        cursor += slots


def test_the_node_table_is_each_layers_nodes(mapped):
    _workloads, pe, m = mapped
    nodes, counts, bounds = m.node_crossbars
    for i in range(len(m.layers)):
        slots = (m.xbar_start[i] + np.arange(m.xbar_count[i])) // pe.crossbars
        expected = np.unique(m.order[slots])
        assert np.array_equal(np.sort(nodes[bounds[i]:bounds[i + 1]]), expected)
        assert counts[bounds[i]:bounds[i + 1]].sum() == m.xbar_count[i]
