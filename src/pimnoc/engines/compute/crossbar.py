"""One weighted layer's crossbar activity per inference: reads, conversions, cycles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.hardware.tech import PeTech
from pimnoc.mapping.partition import LayerTiles
from pimnoc.workload.ir import Layer


@dataclass(frozen=True)
class CrossbarActivity:
    """Counts of one inference of a layer on its crossbars."""

    mvm_steps: int
    adc_conversions: float
    dac_conversions: float
    cell_reads: float
    shift_adds: float
    buffer_bits: float


def crossbar_activity(layer: Layer, tiles: LayerTiles, replication: int,
                      pe: PeTech) -> CrossbarActivity:
    """Activity of `layer` tiled as `tiles` with `replication` copies (bit-serial inputs)."""
    positions = layer.positions
    cycles = pe.input_cycles
    steps = -(-positions // replication)
    adc = positions * tiles.row_tiles * tiles.cols * cycles
    dac = positions * tiles.rows * tiles.col_tiles * cycles
    cells = positions * tiles.rows * tiles.cols * cycles * pe.input_density
    reduction = positions * layer.cout * max(0, tiles.row_tiles - 1)
    buffer_bits = positions * (tiles.rows * pe.input_bits + layer.cout * pe.act_bits)
    return CrossbarActivity(steps, float(adc), float(dac), float(cells),
                            float(adc + reduction), float(buffer_bits))


EXACT_COUNT = 2**53
"""Counts below this are exact in float64, so the array form rounds as the scalar one does."""


def crossbar_activities(layers: list[Layer], tiles: list[LayerTiles], replication: np.ndarray,
                        pe: PeTech) -> CrossbarActivity | None:
    """`crossbar_activity` of many layers at once (fields as arrays), or None where a count
    would leave the range integers and floats share exactly (then call it layer by layer)."""
    positions = np.array([layer.positions for layer in layers], dtype=np.int64)
    cout = np.array([layer.cout for layer in layers], dtype=np.int64)
    shape = np.array([(t.rows, t.cols, t.row_tiles, t.col_tiles) for t in tiles],
                     dtype=np.int64).reshape(-1, 4)
    return crossbar_activities_of(positions, cout, shape, replication, pe)


def crossbar_activities_of(positions: np.ndarray, cout: np.ndarray, shape: np.ndarray,
                           replication: np.ndarray, pe: PeTech) -> CrossbarActivity | None:
    """`crossbar_activities` of layers given as arrays: output positions, output channels
    and tiles (rows, cols, row_tiles, col_tiles) of each (int64)."""
    rows, cols, row_tiles, col_tiles = shape.T
    cycles = pe.input_cycles
    # a bound on each layer's largest count (the product of its largest factors)
    largest = (positions.astype(np.float64) * np.maximum(rows, 1)
               * np.maximum(np.maximum(cols, cout), 1)
               * np.maximum(row_tiles, max(cycles, pe.input_bits, pe.act_bits, 1)) * 4)
    if largest.max(initial=0.0) >= EXACT_COUNT:
        return None
    replication = np.asarray(replication, dtype=np.int64)
    steps = -(-positions // replication)
    adc = positions * row_tiles * cols * cycles
    dac = positions * rows * col_tiles * cycles
    cells = (positions * rows * cols * cycles).astype(np.float64) * pe.input_density
    reduction = positions * cout * np.maximum(0, row_tiles - 1)
    buffer_bits = positions * (rows * pe.input_bits + cout * pe.act_bits)
    return CrossbarActivity(steps, adc.astype(np.float64), dac.astype(np.float64), cells,
                            (adc + reduction).astype(np.float64),
                            buffer_bits.astype(np.float64))
