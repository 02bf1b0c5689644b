"""The digital PE: parameters of the vector unit that runs operators without crossbars.

A digital PE is a vector MAC array with SRAM buffers that runs the operators whose operands
change with every input (attention's QK^T and AV, softmax, layer norm, graph aggregation,
embedding look-ups). Its defaults are one PE of Simba, NVIDIA's chiplet DNN accelerator:
- Shao et al., "Simba: Scaling Deep-Learning Inference with Multi-Chip-Module-Based
  Architecture", MICRO 2019: a PE has 8 vector MAC units of 8 lanes (64 MACs per cycle),
  16 PEs per chiplet.
- Zimmer et al., "A 0.11 pJ/Op, 0.32-128 TOPS, Scalable Multi-Chip-Module-Based Deep Neural
  Network Accelerator ... in 16nm", VLSI 2019: 0.11 pJ/op (at its lowest voltage),
  4.01 TOPS per 16-PE chip at 1.29 TOPS/mm^2.
HeTraX (Dhingra et al. 2024) uses GPU streaming multiprocessors for the same operators; a
Simba PE is a smaller, published, DNN-specific stand-in for one such core. Values marked
"assumption" are pimnoc's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pimnoc.hardware import components as C


@dataclass(frozen=True)
class DigitalTech:
    """One digital PE (a node of kind DIGITAL): vector MACs, element-wise unit, SRAM."""

    macs_per_cycle: int = 64  # Simba PE: 8 vector MAC units x 8 lanes (MICRO 2019)
    ops_per_cycle: int = 64  # non-MAC element ops (exp, divide, compare): one per lane (assumption)
    freq_ghz: float = 1.0  # assumption: the network clock (Simba runs 0.16-2.0 GHz)
    # Simba's 16 nm figures (hardware/components.py) moved to the ReRAM PE's node (32 nm,
    # ISAAC) by Stillmaker & Baas 2017, so both kinds of PE sit on one die's technology
    energy_pj_per_mac: float = C.scale_energy(C.SIMBA_PE.energy_pj, C.SIMBA_PE.node_nm,
                                              C.RERAM_NODE_NM)
    energy_pj_per_op: float = C.scale_energy(C.SIMBA_OP_PJ, C.SIMBA_PE.node_nm,
                                             C.RERAM_NODE_NM)
    buffer_energy_pj_per_bit: float = C.EDRAM.energy_pj  # as the ReRAM PE's eDRAM (assumption)
    area_mm2: float = C.scale_area(C.SIMBA_PE.area_um2 * 1e-6, C.SIMBA_PE.node_nm,
                                   C.RERAM_NODE_NM)
    leakage_mw: float = C.PE_LEAKAGE_MW  # as the ReRAM PE (assumption)

    @property
    def cycle_s(self) -> float:
        """One clock cycle of the digital PE."""
        return 1.0 / (self.freq_ghz * 1e9)

    def time_s(self, work: Any, pes: float = 1.0) -> float:
        """Time of `work` spread over `pes` digital PEs (PE-equivalents)."""
        cycles = work.macs / self.macs_per_cycle + work.ops / self.ops_per_cycle
        return cycles * self.cycle_s / max(pes, 1e-12)

    def energy_j(self, work: Any) -> float:
        """Energy of `work`: MACs, element ops and SRAM buffer traffic."""
        return (work.macs * self.energy_pj_per_mac + work.ops * self.energy_pj_per_op
                + work.buffer_bits * self.buffer_energy_pj_per_bit) * 1e-12


HOST_ENERGY_PJ_PER_MAC = DigitalTech.energy_pj_per_mac
"""A MAC on a ReRAM PE's small digital unit: as on a digital PE (Simba; assumption)."""
