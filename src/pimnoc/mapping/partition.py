"""Partition weighted layers into crossbar tiles and balance the pipeline by replication."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pimnoc.errors import CapacityError, ConfigError
from pimnoc.hardware.components import MNSIM_POLARITY
from pimnoc.hardware.tech import PeTech
from pimnoc.workload.ir import Layer


@dataclass(frozen=True)
class LayerTiles:
    """How one copy of a layer's unrolled weight matrix tiles over crossbars."""

    rows: int
    cols: int
    row_tiles: int
    col_tiles: int

    @property
    def crossbars(self) -> int:
        """Crossbars of one copy."""
        return self.row_tiles * self.col_tiles


def tile_layer(layer: Layer, pe: PeTech) -> LayerTiles:
    """Tile `rows = Kx*Ky*Cin/groups` by `cols = Cout*ceil(weight_bits/bits_per_cell)`."""
    if not layer.weighted:
        return LayerTiles(0, 0, 0, 0)
    if pe.conventions == "mnsim":
        return mnsim_tiles(layer, pe)
    rows = layer.weight_rows
    cols = layer.cout * pe.cells_per_weight
    return LayerTiles(rows, cols, math.ceil(rows / pe.crossbar_rows),
                      math.ceil(cols / pe.crossbar_cols))


def mnsim_rows_per_crossbar(layer: Layer, pe: PeTech) -> int:
    """Rows MNSIM-2.0 fills in one crossbar: whole kernels only (its TCG mapping)."""
    kernel = layer.kernel[0] * layer.kernel[1] if layer.op == "conv" else 1
    return max(1, pe.crossbar_rows // kernel) * kernel


def mnsim_slices(pe: PeTech) -> int:
    """Crossbars per weight bit-slice position under MNSIM-2.0's conventions: one crossbar
    per magnitude bit slice, the sign held by a positive and a negative copy."""
    magnitude_bits = max(1, pe.weight_bits - 1)
    return math.ceil(magnitude_bits / pe.bits_per_cell) * MNSIM_POLARITY


def mnsim_tiles(layer: Layer, pe: PeTech) -> LayerTiles:
    """MNSIM-2.0's crossbars of a layer: row tiles of whole kernels; every bit slice (and
    its negative copy) in a crossbar of its own, not packed with other slices.

    `cols` counts every column tile as full (col_tiles x crossbar_cols), so that column
    tile j carries the share [j, j + 1) / col_tiles of the layer's outputs, as the traffic
    models read it; the used columns per crossbar are min(cout, crossbar_cols).
    """
    rows = layer.weight_rows
    row_tiles = math.ceil(rows / mnsim_rows_per_crossbar(layer, pe))
    col_tiles = mnsim_slices(pe) * math.ceil(layer.cout / pe.crossbar_cols)
    return LayerTiles(rows, col_tiles * pe.crossbar_cols, row_tiles, col_tiles)


def balance_replication(positions: np.ndarray, per_copy: np.ndarray, budget: int) -> np.ndarray:
    """Replication per layer minimising the slowest stage, ceil(P/r), within `budget` crossbars.

    For a target of m positions per copy every layer needs r = ceil(P/m) copies; the smallest
    m whose total fits the budget is found by bisection (cost falls as m grows).
    """
    positions = np.asarray(positions, dtype=np.int64)
    per_copy = np.asarray(per_copy, dtype=np.int64)

    def cost(m: int) -> int:
        return int((per_copy * -(-positions // m)).sum())

    lo, hi = 1, int(positions.max(initial=1))
    if cost(hi) > budget:
        return np.ones_like(positions)
    while lo < hi:
        mid = (lo + hi) // 2
        if cost(mid) <= budget:
            hi = mid
        else:
            lo = mid + 1
    return np.maximum(1, -(-positions // lo))


def replication_for(layers: list[Layer], tiles: list[LayerTiles], mode: str | int,
                    budget_crossbars: int, pes_available: int, pe: PeTech) -> np.ndarray:
    """Replication of each weighted layer: `auto` (balanced under the budget), `none`, or an int."""
    per_copy = np.array([t.crossbars for t in tiles], dtype=np.int64)
    positions = np.array([layer.positions for layer in layers], dtype=np.int64)
    return replication_of(positions, per_copy, mode, budget_crossbars, pes_available, pe)


def replication_of(positions: np.ndarray, per_copy: np.ndarray, mode: str | int,
                   budget_crossbars: int, pes_available: int, pe: PeTech) -> np.ndarray:
    """`replication_for` of weighted layers given as arrays: output positions and crossbars
    of one copy of each."""
    positions = np.asarray(positions, dtype=np.int64)
    per_copy = np.asarray(per_copy, dtype=np.int64)
    needed = int(per_copy.sum())
    if needed > budget_crossbars:
        pes_needed = math.ceil(needed / pe.crossbars)
        raise CapacityError(
            f"design: the workload needs {needed} crossbars ({pes_needed} PEs of "
            f"{pe.crossbars} crossbars) but the design has {pes_available} PEs; add chiplets "
            "or PEs (design.chiplets / design.pes) or crossbars per PE (design.pe.crossbars)"
        )
    if mode == "none":
        return np.ones_like(positions)
    if mode == "auto":
        return balance_replication(positions, per_copy, budget_crossbars)
    if isinstance(mode, int) and not isinstance(mode, bool) and mode >= 1:
        reps = np.minimum(positions, mode)
        if int((per_copy * reps).sum()) > budget_crossbars:
            raise CapacityError(
                f"mapping.replication: {mode} copies of every layer need "
                f"{int((per_copy * reps).sum())} crossbars but the design has "
                f"{budget_crossbars}; use 'auto' or a smaller number"
            )
        return reps
    raise ConfigError(
        f"mapping.replication: '{mode}' is not valid; use 'auto', 'none' or a positive integer"
    )
