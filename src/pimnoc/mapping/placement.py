"""Placement: the order in which network nodes receive PE groups (layers follow this order)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pimnoc.hardware.sfc import hilbert_order, row_major_order, snake_order
from pimnoc.hardware.topology import Topology
from pimnoc.registry import Registry

PlacementFn = Callable[[Topology, int], np.ndarray]
PLACEMENTS: Registry[PlacementFn] = Registry("placement", "mapping.placement")


def _grid_nodes(topo: Topology) -> tuple[np.ndarray, int, int]:
    """Compute nodes as a (groups, rows*cols) array in row-major order within each group."""
    pe_rows, pe_cols = topo.meta["pe_rows"], topo.meta["pe_cols"]
    nodes = topo.compute_nodes
    per_group = pe_rows * pe_cols
    return nodes.reshape(-1, per_group), pe_rows, pe_cols


def _compose(topo: Topology, chiplet_order: np.ndarray, inner: Callable[[int, int], np.ndarray],
             alternate: bool) -> np.ndarray:
    """Visit chiplets (or tiers) in `chiplet_order`, and the PEs of each in `inner` order.

    With `alternate`, every other chiplet's inner order is reversed so that the walk leaves a
    chiplet near where the next one starts.
    """
    groups, rows, cols = _grid_nodes(topo)
    inner_order = inner(rows, cols)
    parts = []
    for i, chip in enumerate(chiplet_order):
        order = inner_order[::-1] if alternate and i % 2 else inner_order
        parts.append(groups[chip][order])
    return np.concatenate(parts)


def _chiplet_grid(topo: Topology) -> tuple[int, int]:
    return topo.meta.get("chiplet_rows", 1), topo.meta.get("chiplet_cols", 1)


@PLACEMENTS.register("row_major")
def row_major(topo: Topology, seed: int = 0) -> np.ndarray:
    """Chiplets row by row, PEs row by row inside each."""
    rows, cols = _chiplet_grid(topo)
    return _compose(topo, row_major_order(rows, cols), row_major_order, alternate=False)


@PLACEMENTS.register("snake")
def snake(topo: Topology, seed: int = 0) -> np.ndarray:
    """Boustrophedon over chiplets and over the PEs of each chiplet."""
    rows, cols = _chiplet_grid(topo)
    return _compose(topo, snake_order(rows, cols), snake_order, alternate=True)


@PLACEMENTS.register("hilbert")
def hilbert(topo: Topology, seed: int = 0) -> np.ndarray:
    """Hilbert space-filling curve over chiplets and over the PEs of each chiplet."""
    rows, cols = _chiplet_grid(topo)
    return _compose(topo, hilbert_order(rows, cols), hilbert_order, alternate=True)


@PLACEMENTS.register("sfc")
def sfc(topo: Topology, seed: int = 0) -> np.ndarray:
    """The topology's own curve (Floret, 3D SFC) if it has one, else Hilbert over chiplets.

    On an NoI with curves (Floret) the curve orders the chiplets and the PEs inside each keep
    row-major order, as in `row_major`: the curve says which chiplet holds a layer, not where
    on it, so against `row_major` only the NoI and the chiplet order differ.
    """
    if topo.meta.get("curve_order") is not None:  # a node sequence (3D stacks)
        return np.asarray(topo.meta["curve_order"])
    noi = topo.meta.get("noi")
    curve = getattr(noi, "curve_order", None)
    if curve is None:
        return hilbert(topo, seed)
    return _compose(topo, np.asarray(curve), row_major_order, alternate=False)


@PLACEMENTS.register("random")
def random(topo: Topology, seed: int = 0) -> np.ndarray:
    """A seeded random permutation of the compute nodes."""
    return np.random.default_rng(seed).permutation(topo.compute_nodes)


def placement_order(topo: Topology, strategy: str, seed: int = 0) -> np.ndarray:
    """Compute nodes in the order the named strategy fills them."""
    return PLACEMENTS.get(strategy)(topo, seed)
