"""Rectangles of a layer's output tensor held at network nodes, and their merging."""

from __future__ import annotations

from dataclasses import dataclass

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
        return Pieces(self.node, self.p0, self.p1, self.c0, self.c1, np.full(n, layer),
                      np.zeros(n), np.ones(n))

    def placed_in(self, base: float, width: float) -> Pieces:
        """These pieces as channels [base, base + width) of a concatenation."""
        return Pieces(self.node, self.p0, self.p1, base + self.c0 * width,
                      base + self.c1 * width, self.origin, base + self.c_base * width,
                      self.c_scale * width)

    @staticmethod
    def concat(parts: list[Pieces]) -> Pieces:
        """All pieces of several lists."""
        if all(p.origin is not None for p in parts):
            return Pieces(*(np.concatenate(column) for column in zip(
                *((p.node, p.p0, p.p1, p.c0, p.c1, p.origin, p.c_base, p.c_scale)
                  for p in parts), strict=True)))
        return Pieces(*(np.concatenate(column) for column in zip(
            *((p.node, p.p0, p.p1, p.c0, p.c1) for p in parts), strict=True)))

    @staticmethod
    def concatenated(parts: list[Pieces], base: list[float], width: list[float]) -> Pieces:
        """`concat` of `parts[j].placed_in(base[j], width[j])` (parts with an origin)."""
        sizes = [p.node.size for p in parts]
        b = np.repeat(np.asarray(base, dtype=np.float64), sizes)
        w = np.repeat(np.asarray(width, dtype=np.float64), sizes)
        node, p0, p1, c0, c1, origin, c_base, c_scale = (np.concatenate(column) for column in zip(
            *((p.node, p.p0, p.p1, p.c0, p.c1, p.origin, p.c_base, p.c_scale) for p in parts),
            strict=True))
        return Pieces(node, p0, p1, b + c0 * w, b + c1 * w, origin, b + c_base * w,
                      c_scale * w)



def _merge_runs(pieces: Pieces, along: str, part: np.ndarray | None
                ) -> tuple[Pieces, np.ndarray | None]:
    """Merge neighbouring rectangles (in the given order) on one node that touch along `along`.

    Rectangles of different `part`s (one label per rectangle) are never merged; returns the
    merged pieces and the part of each.
    """
    if pieces.node.size <= 1:
        return pieces, part
    a0, a1 = (pieces.p0, pieces.p1) if along == "p" else (pieces.c0, pieces.c1)
    b0, b1 = (pieces.c0, pieces.c1) if along == "p" else (pieces.p0, pieces.p1)
    node = pieces.node
    joined = (node[1:] == node[:-1]) & (b0[1:] == b0[:-1]) & (b1[1:] == b1[:-1])
    joined &= np.abs(a0[1:] - a1[:-1]) <= 1e-12
    if part is not None:
        joined &= part[1:] == part[:-1]
    starts = np.empty(node.size, dtype=bool)
    starts[0] = True
    np.logical_not(joined, out=starts[1:])
    first = np.flatnonzero(starts)
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = node.size - 1
    merged_part = part[first] if part is not None else None
    if along == "p":
        return Pieces(node[first], a0[first], a1[last], b0[first], b1[first]), merged_part
    return Pieces(node[first], b0[first], b1[first], a0[first], a1[last]), merged_part


def merge(pieces: Pieces) -> Pieces:
    """Merge runs of rectangles laid in stream order: column tiles of a copy, then copies."""
    return _merge_runs(_merge_runs(pieces, "c", None)[0], "p", None)[0]


def merge_parts(pieces: Pieces, part: np.ndarray, parts: int) -> list[Pieces]:
    """`merge` of the rectangles of each part at once: the merged Pieces of parts 0 .. parts-1.

    `part` labels each rectangle and must be sorted (a part's rectangles in stream order).
    """
    merged, bounds = merge_parts_flat(pieces, part, parts)
    edges = bounds.tolist()
    node, p0, p1, c0, c1 = merged.node, merged.p0, merged.p1, merged.c0, merged.c1
    return [Pieces(node[lo:hi], p0[lo:hi], p1[lo:hi], c0[lo:hi], c1[lo:hi])
            for lo, hi in zip(edges[:-1], edges[1:], strict=True)]


def merge_parts_flat(pieces: Pieces, part: np.ndarray, parts: int
                     ) -> tuple[Pieces, np.ndarray]:
    """`merge_parts` as one table: the merged rectangles, part after part, and where each
    part's rows begin (`parts + 1` bounds)."""
    merged_c, part_c = _merge_runs(pieces, "c", part)
    merged, part = _merge_runs(merged_c, "p", part_c)
    return merged, np.searchsorted(part, np.arange(parts + 1))
