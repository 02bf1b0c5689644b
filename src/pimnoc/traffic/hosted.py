"""Pieces and needs of operators without crossbars (digital PEs or a PE's digital unit).

An operator on digital PEs holds its output split over its digital nodes in proportion to
their shares: along positions (tokens, nodes) when it has at least as many positions as
nodes, else along channels (heads). An operator without digital PEs runs where its first
input is produced and holds that input's pieces.

What each input must bring depends on the operator:
- element-wise and row-wise operators (softmax, layernorm, embedding, the first operand of a
  matmul) read their input where their output piece lies;
- a matmul's second operand (K of QK^T, V of AV) is read whole along positions by every
  piece (every query meets every key), restricted to the piece's heads;
- an aggregation reads, for its piece of the graph's nodes, the features of every node with
  an edge into the piece (`GraphStats.needed`), so its traffic follows the graph's edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pimnoc.mapping.digital import node_type
from pimnoc.traffic.pieces import Pieces, merge
from pimnoc.workload.graph import GraphStats

if TYPE_CHECKING:
    from pimnoc.mapping.mapper import Mapping


def split_pieces(positions: int, nodes: np.ndarray, shares: np.ndarray) -> Pieces:
    """An output split over `nodes` by `shares`: along positions if enough, else channels."""
    bounds = np.concatenate([[0.0], np.cumsum(shares) / shares.sum()])
    bounds[-1] = 1.0
    lo, hi = bounds[:-1], bounds[1:]
    zeros, ones = np.zeros(nodes.size), np.ones(nodes.size)
    if positions >= nodes.size:
        return Pieces(nodes, lo, hi, zeros, ones)
    return Pieces(nodes, zeros, ones, lo, hi)


def _whole_positions(out: Pieces) -> Pieces:
    """Every position of the channels each output piece covers, once per node."""
    key = np.unique(np.column_stack([out.node, out.c0, out.c1]), axis=0)
    size = key.shape[0]
    return merge(Pieces(key[:, 0].astype(np.int64), np.zeros(size), np.ones(size),
                        key[:, 1], key[:, 2]))


@dataclass(frozen=True, eq=False)
class GraphNeed:
    """An aggregation's need: for each of its pieces, the nodes with edges into it."""

    parts: Pieces
    graph: GraphStats

    def __call__(self, src: Pieces, bits: float):
        """Flows (src node, dst node, bits) from the producer's pieces `src`."""
        bounds = np.unique(np.concatenate([[0.0, 1.0], src.p0, src.p1]))
        needed = self.graph.needed(bounds, self.parts.p0, self.parts.p1)
        cum = np.vstack([np.zeros(needed.shape[1]), np.cumsum(needed, axis=0)])
        a0 = np.searchsorted(bounds, src.p0)
        a1 = np.searchsorted(bounds, src.p1)
        along = np.clip(cum[a1] - cum[a0], 0, None)
        chan = np.clip(np.minimum(src.c1[:, None], self.parts.c1[None, :])
                       - np.maximum(src.c0[:, None], self.parts.c0[None, :]), 0, None)
        frac = along * chan
        a, b = np.nonzero(frac > 1e-15)
        return src.node[a], self.parts.node[b], frac[a, b] * bits


def hosted_pieces(mapping: Mapping, i: int, outputs: list[Pieces]):
    """Output pieces of non-weighted layer `i` and what it needs from each input."""
    layer, preds = mapping.layers[i], mapping.preds[i]
    digital = mapping.digital
    if digital is not None and digital.placed(i):
        out = split_pieces(layer.positions, digital.hosts[i], digital.shares[i])
    else:
        out = outputs[preds[0]]
        if node_type(layer.op) != "digital":
            return out, out  # element-wise: run where the first input is produced
    local = Pieces(out.node, out.p0, out.p1, out.c0, out.c1)
    if layer.op == "aggregate":
        graph = mapping.workloads[int(mapping.network_of[i])].meta.get("graph")
        if graph is not None:
            return out, (GraphNeed(out, graph),)
        return out, (_whole_positions(out),)
    needs = [local] + [_whole_positions(out) if layer.op == "matmul" else local
                       for _ in preds[1:]]
    return out, tuple(needs)
