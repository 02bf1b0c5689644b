"""Work of the operators that run outside crossbars: MACs, element ops and buffer bits.

Counted per inference from a layer's shape (and a graph's edges); the digital PE
(`hardware/digital.py`) turns work into time and energy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pimnoc.registry import Registry
from pimnoc.workload.ir import Layer


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
