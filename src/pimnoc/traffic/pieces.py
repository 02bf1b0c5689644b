"""Rectangles of a layer's output tensor held at network nodes, and their merging."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Pieces:
    """Rectangles of a tensor in (position, channel) fractions, each held at a node.

    `origin` is the layer whose output a piece's data is (a concatenation only views its
    inputs), and channel `c` here is channel `(c - c_base) / c_scale` of that output.
    """

    node: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    c0: np.ndarray
    c1: np.ndarray
    origin: np.ndarray | None = None
    c_base: np.ndarray | None = None
    c_scale: np.ndarray | None = None

    @property
    def area(self) -> np.ndarray:
        """Fraction of the tensor each piece covers."""
        return (self.p1 - self.p0) * (self.c1 - self.c0)

    def produced_by(self, layer: int) -> Pieces:
        """These pieces as fresh data of `layer`'s output."""
        n = self.node.size
        return replace(self, origin=np.full(n, layer), c_base=np.zeros(n), c_scale=np.ones(n))

    def placed_in(self, base: float, width: float) -> Pieces:
        """These pieces as channels [base, base + width) of a concatenation."""
        return Pieces(self.node, self.p0, self.p1, base + self.c0 * width,
                      base + self.c1 * width, self.origin, base + self.c_base * width,
                      self.c_scale * width)

    @staticmethod
    def concat(parts: list[Pieces]) -> Pieces:
        """All pieces of several lists."""
        names = ["node", "p0", "p1", "c0", "c1"]
        if all(p.origin is not None for p in parts):
            names += ["origin", "c_base", "c_scale"]
        return Pieces(*(np.concatenate([getattr(p, f) for p in parts]) for f in names))



def _merge_along(pieces: Pieces, along: str) -> Pieces:
    """Merge neighbouring rectangles (in the given order) on one node that touch along `along`."""
    if pieces.node.size <= 1:
        return pieces
    a0, a1 = (pieces.p0, pieces.p1) if along == "p" else (pieces.c0, pieces.c1)
    b0, b1 = (pieces.c0, pieces.c1) if along == "p" else (pieces.p0, pieces.p1)
    node = pieces.node
    same = (node[1:] == node[:-1]) & (b0[1:] == b0[:-1]) & (b1[1:] == b1[:-1])
    touching = np.abs(a0[1:] - a1[:-1]) <= 1e-12
    first = np.flatnonzero(np.concatenate([[True], ~(same & touching)]))
    last = np.append(first[1:] - 1, node.size - 1)
    if along == "p":
        return Pieces(node[first], a0[first], a1[last], b0[first], b1[first])
    return Pieces(node[first], b0[first], b1[first], a0[first], a1[last])


def merge(pieces: Pieces) -> Pieces:
    """Merge runs of rectangles laid in stream order: column tiles of a copy, then copies."""
    return _merge_along(_merge_along(pieces, "c"), "p")
