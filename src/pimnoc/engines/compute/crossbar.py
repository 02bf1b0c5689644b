"""One weighted layer's crossbar activity per inference: reads, conversions, cycles."""

from __future__ import annotations

from dataclasses import dataclass

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
