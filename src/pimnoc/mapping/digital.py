"""Assign operators to node types, and lay the digital ones over the digital PEs.

Each operator kind runs on one node type (`OP_NODE_TYPE`):
- `reram`: weighted layers (conv, linear), whose static weights sit in crossbars;
- `digital`: operators whose operands change per input (matmul, softmax, layernorm,
  aggregate, embedding). On a design with digital PEs they run there; without, on the small
  digital units of the ReRAM PEs that produce their first input (`host`);
- `host`: light element-wise operators (add, mul, pool) that always run where their first
  input is produced (a ReRAM PE's digital unit, or the digital PE that produced it);
- `none`: nothing to compute (input, concat).

Digital operators of all networks form one stream in topological order, laid along the
digital PEs in placement order with each operator's share proportional to its work, as
crossbars are laid along the ReRAM PEs: consecutive operators sit on consecutive digital
PEs, and every digital operator's stage takes the same time (the digital PEs' total work
over their total throughput), which is the time-shared pipeline's bound. Only the digital
PEs that the placement order puts among the ReRAM PEs in use take part (all of them if
none is), so that both streams advance together along the curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pimnoc.hardware.digital import DigitalTech
from pimnoc.workload.digital_work import digital_work
from pimnoc.workload.ir import Layer

OP_NODE_TYPE: dict[str, str] = {
    "conv": "reram", "linear": "reram",
    "matmul": "digital", "softmax": "digital", "layernorm": "digital", "aggregate": "digital",
    "embedding": "digital",
    "add": "host", "mul": "host", "pool": "host",
    "input": "none", "concat": "none",
}
"""Node type of each operator kind; unknown kinds run as `host`."""


def node_type(op: str) -> str:
    """The node type an operator kind runs on (`host` if not listed)."""
    return OP_NODE_TYPE.get(op, "host")


@dataclass(frozen=True, eq=False)
class DigitalPlacement:
    """Digital PEs and, per layer, the digital PEs it runs on and its share of each.

    `hosts[i]` are the digital nodes of layer i (empty if it runs elsewhere) and
    `shares[i]` the fraction of one PE's time it gets on each; `capacity[i]` is their sum
    (PE-equivalents). `work_cycles[i]` is the layer's work in digital-PE cycles.
    """

    tech: DigitalTech
    nodes: np.ndarray
    hosts: tuple[np.ndarray, ...]
    shares: tuple[np.ndarray, ...]
    work_cycles: np.ndarray

    @property
    def capacity(self) -> np.ndarray:
        """PE-equivalents of digital throughput each layer gets."""
        return np.array([s.sum() for s in self.shares])

    def placed(self, i: int) -> bool:
        """True if layer i runs on digital PEs."""
        return self.hosts[i].size > 0


def place_digital(layers: Sequence[Layer], preds: Sequence[tuple[int, ...]],
                  metas: Sequence[dict], digital_nodes: np.ndarray,
                  tech: DigitalTech, act_bits: int) -> DigitalPlacement:
    """Lay the digital-type layers along `digital_nodes` in proportion to their work."""
    n = len(layers)
    cycles = np.zeros(n)
    for i, layer in enumerate(layers):
        if node_type(layer.op) == "digital":
            work = digital_work(layer, len(preds[i]), {**metas[i], "act_bits": act_bits})
            cycles[i] = work.macs / tech.macs_per_cycle + work.ops / tech.ops_per_cycle
    empty = np.zeros(0, dtype=np.int64)
    hosts: list[np.ndarray] = [empty] * n
    shares: list[np.ndarray] = [np.zeros(0)] * n
    total = float(cycles.sum())
    count = int(digital_nodes.size)
    if total > 0 and count > 0:
        ends = np.cumsum(cycles) / total * count
        starts = ends - cycles / total * count
        for i in np.flatnonzero(cycles > 0):
            first = min(int(np.floor(starts[i])), count - 1)
            last = max(first + 1, min(int(np.ceil(ends[i] - 1e-12)), count))
            slots = np.arange(first, last)
            share = np.minimum(slots + 1, ends[i]) - np.maximum(slots, starts[i])
            keep = share > 1e-12
            if not keep.any():
                keep[0], share[0] = True, max(ends[i] - starts[i], 1e-12)
            hosts[i], shares[i] = digital_nodes[slots[keep]], share[keep]
    return DigitalPlacement(tech, np.asarray(digital_nodes), tuple(hosts), tuple(shares),
                            cycles)
