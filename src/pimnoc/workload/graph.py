"""Graph statistics of a GNN workload: what the traffic model needs to follow its edges.

A graph's nodes are the positions of every GNN layer's tensor, in node order; a layer's
output piece covering position fractions [p0, p1) holds nodes [p0*n, p1*n). Aggregation at
a part of the nodes needs the features of every node with an edge into that part (and of
the part itself). Small graphs keep their edge list and answer exactly; large ones keep a
sample of their degree sequence and answer in expectation, assuming neighbours spread
uniformly over the nodes (a Chung-Lu random graph: no community structure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class GraphStats:
    """A graph's size plus its edges (exact) or a degree sample (expected neighbourhoods)."""

    name: str
    num_nodes: int
    num_edges: int
    degree: np.ndarray
    src: np.ndarray | None = None
    dst: np.ndarray | None = None

    @property
    def exact(self) -> bool:
        """True if the edge list is stored (node i of `degree` is node i of the graph)."""
        return self.src is not None

    @property
    def mean_degree(self) -> float:
        """Directed edges per node."""
        return self.num_edges / self.num_nodes

    def needed(self, seg_bounds: np.ndarray, part_lo: np.ndarray,
               part_hi: np.ndarray) -> np.ndarray:
        """Fraction of all nodes in each producer segment that each consumer part reads.

        `seg_bounds` are increasing position fractions from 0 to 1 (segment a is
        [seg_bounds[a], seg_bounds[a+1])); part b holds nodes [part_lo[b], part_hi[b]).
        Entry [a, b] counts the nodes of segment a that are in part b or have an edge into
        it, divided by the number of nodes.
        """
        if self.exact:
            return self._needed_exact(seg_bounds, part_lo, part_hi)
        return self._needed_expected(seg_bounds, part_lo, part_hi)

    def _needed_exact(self, seg_bounds, part_lo, part_hi) -> np.ndarray:
        n = self.degree.size
        cuts = np.round(np.asarray(seg_bounds) * n).astype(np.int64)
        out = np.zeros((cuts.size - 1, len(part_lo)))
        lo_nodes = np.round(np.asarray(part_lo) * n).astype(np.int64)
        hi_nodes = np.round(np.asarray(part_hi) * n).astype(np.int64)
        for b, (lo, hi) in enumerate(zip(lo_nodes, hi_nodes, strict=True)):
            inside = (self.dst >= lo) & (self.dst < hi)
            nodes = np.union1d(self.src[inside], np.arange(lo, hi))
            out[:, b] = np.diff(np.searchsorted(nodes, cuts))
        return out / n

    def _needed_expected(self, seg_bounds, part_lo, part_hi) -> np.ndarray:
        n = self.degree.size
        cuts = np.round(np.asarray(seg_bounds) * n).astype(np.int64)
        uniq, index = np.unique(self.degree, return_inverse=True)
        out = np.zeros((cuts.size - 1, len(part_lo)))
        for b, (lo, hi) in enumerate(zip(part_lo, part_hi, strict=True)):
            prob = -np.expm1(uniq * np.log1p(-min(hi - lo, 1.0 - 1e-12)))
            per_node = prob[index]
            a, z = int(round(lo * n)), int(round(hi * n))
            per_node[a:z] = 1.0
            cum = np.concatenate([[0.0], np.cumsum(per_node)])
            out[:, b] = np.diff(cum[cuts])
        return out / n
