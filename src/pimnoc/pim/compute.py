"""Per-layer compute latency and energy of a mapped workload."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.mapping.mapper import Mapping
from pimnoc.pim.crossbar import crossbar_activity
from pimnoc.pim.tech import NetworkTech

ENERGY_PARTS = ("adc", "dac", "cells", "shift_add", "buffer", "digital")


@dataclass(frozen=True)
class LayerCompute:
    """Stage time (s) and energy (J, by part) of every layer for one inference."""

    time_s: np.ndarray
    energy_by_part: dict[str, np.ndarray]

    @property
    def energy_j(self) -> np.ndarray:
        """Total compute energy per layer."""
        return sum(self.energy_by_part.values())


def _digital_ops(layer, preds: int) -> float:
    if layer.op == "pool":
        return float(layer.output_elements * layer.kernel[0] * layer.kernel[1])
    if layer.op in ("concat", "input"):
        return 0.0
    return float(layer.output_elements * max(1, preds - 1) if layer.op == "add"
                 else layer.output_elements)


def layer_compute(mapping: Mapping, net: NetworkTech) -> LayerCompute:
    """Time and energy of each layer: crossbar MVMs for weighted ones, digital units otherwise."""
    pe = mapping.pe
    n = mapping.num_layers
    time_s = np.zeros(n)
    parts = {name: np.zeros(n) for name in ENERGY_PARTS}
    pj = 1e-12
    for i, layer in enumerate(mapping.layers):
        if layer.weighted:
            act = crossbar_activity(layer, mapping.tiles[i], int(mapping.replication[i]), pe)
            time_s[i] = act.mvm_steps * pe.mvm_s
            parts["adc"][i] = act.adc_conversions * pe.adc_energy_pj * pj
            parts["dac"][i] = act.dac_conversions * pe.dac_energy_pj * pj
            parts["cells"][i] = act.cell_reads * pe.cell_read_energy_j
            parts["shift_add"][i] = act.shift_adds * pe.shift_add_energy_pj * pj
            parts["buffer"][i] = act.buffer_bits * pe.buffer_energy_pj_per_bit * pj
        else:
            ops = _digital_ops(layer, len(mapping.preds[i]))
            # Digital work is spread over the PEs that hold the operator's first input.
            hosts = max(1, len(mapping.layer_node_crossbars[mapping.preds[i][0]][0])
                        if mapping.preds[i] else 1)
            time_s[i] = ops / (pe.digital_ops_per_cycle * hosts) * net.cycle_s
            parts["digital"][i] = ops * pe.digital_energy_pj_per_op * pj
    return LayerCompute(time_s, parts)
