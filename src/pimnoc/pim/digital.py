"""Digital compute: the digital PE's parameters and the work of operators without crossbars.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pimnoc.hardware import components as C
from pimnoc.registry import Registry
from pimnoc.workload.ir import Layer


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

    def time_s(self, work: DigitalWork, pes: float = 1.0) -> float:
        """Time of `work` spread over `pes` digital PEs (PE-equivalents)."""
        cycles = work.macs / self.macs_per_cycle + work.ops / self.ops_per_cycle
        return cycles * self.cycle_s / max(pes, 1e-12)

    def energy_j(self, work: DigitalWork) -> float:
        """Energy of `work`: MACs, element ops and SRAM buffer traffic."""
        return (work.macs * self.energy_pj_per_mac + work.ops * self.energy_pj_per_op
                + work.buffer_bits * self.buffer_energy_pj_per_bit) * 1e-12


HOST_ENERGY_PJ_PER_MAC = DigitalTech.energy_pj_per_mac
"""A MAC on a ReRAM PE's small digital unit: as on a digital PE (Simba; assumption)."""


@dataclass(frozen=True)
class DigitalWork:
    """Work of one operator for one inference: MACs, other element ops, buffer bits moved."""

    macs: float = 0.0
    ops: float = 0.0
    buffer_bits: float = 0.0


CostFn = Callable[[Layer, int, Mapping[str, Any]], DigitalWork]
DIGITAL_COSTS: Registry[CostFn] = Registry("digital operator", "workload layer op")
"""Work of each operator kind without crossbars: `(layer, number of inputs, meta)`."""

SOFTMAX_OPS_PER_ELEMENT = 5  # max, subtract, exp, sum, divide (assumption)
LAYERNORM_OPS_PER_ELEMENT = 8  # mean, centre, square, sum, rsqrt-scale, gain, bias (assumption)


@DIGITAL_COSTS.register("input")
@DIGITAL_COSTS.register("concat")
def _free(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """Nothing to compute (data only moves)."""
    return DigitalWork()


@DIGITAL_COSTS.register("pool")
def _pool(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """One op per window element (a selection: one per output)."""
    window = 1 if layer.mode == "select" else layer.kernel[0] * layer.kernel[1]
    return DigitalWork(ops=float(layer.output_elements * window))


@DIGITAL_COSTS.register("add")
def _add(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """One addition per output element per extra input."""
    return DigitalWork(ops=float(layer.output_elements * max(1, inputs - 1)))


@DIGITAL_COSTS.register("mul")
@DIGITAL_COSTS.register("embedding")
def _elementwise(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """One op per output element (scaling, table look-up or position-embedding add)."""
    return DigitalWork(ops=float(layer.output_elements))


def _operand_bits(layer: Layer, act_bits: int) -> float:
    """Bits read and written at the buffer: inputs, output and any KV cache."""
    elements = 2 * layer.output_elements
    if layer.op == "matmul":
        # A (positions x heads*contraction) and B (contraction x cout) operands.
        elements = (layer.positions * layer.groups * layer.cin + layer.macs / layer.positions
                    + layer.output_elements)
    return float(elements * act_bits)


@DIGITAL_COSTS.register("matmul")
def _matmul(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """Output elements times the contraction length, as MACs."""
    return DigitalWork(macs=float(layer.macs),
                       buffer_bits=_operand_bits(layer, meta.get("act_bits", 8)))


@DIGITAL_COSTS.register("softmax")
def _softmax(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """A few element ops per score."""
    return DigitalWork(ops=float(SOFTMAX_OPS_PER_ELEMENT * layer.output_elements),
                       buffer_bits=_operand_bits(layer, meta.get("act_bits", 8)))


@DIGITAL_COSTS.register("layernorm")
def _layernorm(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """A few element ops per element (statistics, normalisation, gain and bias)."""
    return DigitalWork(ops=float(LAYERNORM_OPS_PER_ELEMENT * layer.output_elements),
                       buffer_bits=_operand_bits(layer, meta.get("act_bits", 8)))


@DIGITAL_COSTS.register("aggregate")
def _aggregate(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """One term per edge and self-loop per feature: MACs (GCN weights) or adds (mean, sum)."""
    graph = meta.get("graph")
    terms = (graph.num_edges + graph.num_nodes) if graph is not None else layer.positions
    scale = terms / max(1, graph.num_nodes if graph is not None else layer.positions)
    count = float(layer.output_elements * scale)
    bits = float((count + layer.output_elements) * meta.get("act_bits", 8))
    if layer.mode == "gcn":
        return DigitalWork(macs=count, buffer_bits=bits)
    return DigitalWork(ops=count + layer.output_elements, buffer_bits=bits)


def digital_work(layer: Layer, inputs: int, meta: Mapping[str, Any]) -> DigitalWork:
    """Work of a layer run outside the crossbars (nothing for weighted layers)."""
    if layer.weighted:
        return DigitalWork()
    if layer.op in DIGITAL_COSTS:
        return DIGITAL_COSTS.get(layer.op)(layer, inputs, meta)
    return _elementwise(layer, inputs, meta)
