"""Partitioning and replication."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.errors import CapacityError
from pimnoc.hardware.tech import PeTech
from pimnoc.mapping.partition import balance_replication, replication_for, tile_layer
from pimnoc.workload.ir import Layer


def test_tiles_follow_the_unrolled_matrix():
    layer = Layer("c", "conv", 64, 128, (56, 56), (56, 56), (3, 3), padding=(1, 1))
    tiles = tile_layer(layer, PeTech())
    assert (tiles.rows, tiles.cols) == (576, 512)  # 3*3*64 rows, 128 * 8/2 cells
    assert (tiles.row_tiles, tiles.col_tiles) == (5, 4)


def test_depthwise_rows_are_per_group():
    layer = Layer("dw", "conv", 32, 32, (8, 8), (8, 8), (3, 3), groups=32)
    assert tile_layer(layer, PeTech()).rows == 9


def test_balance_minimises_the_slowest_stage_within_budget():
    positions = np.array([3136, 784, 196, 49])
    per_copy = np.array([2, 4, 8, 16])
    reps = balance_replication(positions, per_copy, budget=400)
    assert (per_copy * reps).sum() <= 400
    slowest = np.max(-(-positions // reps))
    # one more position per copy less would not fit
    tighter = -(-positions // (slowest - 1))
    assert (per_copy * tighter).sum() > 400


def test_too_few_crossbars_names_how_many_are_needed():
    layer = Layer("fc", "linear", 4096, 4096)
    tiles = tile_layer(layer, PeTech())
    with pytest.raises(CapacityError, match=r"needs 4096 crossbars \(43 PEs"):
        replication_for([layer], [tiles], "auto", budget_crossbars=4000, pes_available=41,
                        pe=PeTech())
