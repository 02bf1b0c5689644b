"""3D networks over stacked tiers of PE grids: a 3D mesh and a space-filling-curve 3D NoC.

Both builders follow the `NOC_TOPOLOGIES` signature `(links, node_ids[z, y, x], spec)` and
add the vertical links themselves, with the kind (TSV or MIV), length and latency that a
`StackLinkSpec` carries. Each also has a `Layout3d` in `NOC3D`: the logical coordinates
that dimension-order routing uses and the node sequence a space-filling-curve placement
follows, so the 3D system builder (`network/stack3d.py`) can tell which NoCs span tiers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pimnoc.hardware.sfc import hilbert_order
from pimnoc.hardware.topologies.grid import NOC_TOPOLOGIES, GridLinkSpec, add_grid_links
from pimnoc.hardware.topology import TSV, LinkList


@dataclass(frozen=True)
class StackLinkSpec(GridLinkSpec):
    """Grid link parameters plus the vertical (inter-tier) links of a 3D stack."""

    vertical_kind: int = TSV
    vertical_length_mm: float = 0.05
    vertical_cycles: int = 1


@dataclass(frozen=True)
class Layout3d:
    """How a 3D NoC is routed and walked: logical coordinates, grid size, curve order."""

    coords: np.ndarray  # (nodes, 3) logical (x, y, z) for dimension-order routing
    dims: tuple[int, int, int]  # logical grid size along x, y, z
    curve: np.ndarray  # node ids in space-filling-curve order (3D SFC through all tiers)


LayoutFn = Callable[[np.ndarray], Layout3d]
NOC3D: dict[str, LayoutFn] = {}
"""3D-aware NoCs (names in `NOC_TOPOLOGIES`) and their layouts; `stack3d` requires one."""


def tier_curve(rows: int, cols: int) -> np.ndarray:
    """The in-tier curve: the generalised Hilbert order of a rows x cols PE grid."""
    return hilbert_order(rows, cols)


def stack_curve(node_ids: np.ndarray) -> np.ndarray:
    """The 3D SFC: the in-tier curve over the PE columns, each column walked through the tiers.

    At the first position of the in-tier curve the walk climbs from tier 0 to the top
    tier, steps one pitch along the curve on the top tier, descends, steps along tier 0,
    and so on: consecutive nodes are always one vertical link or one planar pitch apart,
    and every run of consecutive nodes spans all tiers (a layer's PEs stack into columns
    whose traffic to the next layer crosses many parallel links).
    """
    tiers, rows, cols = node_ids.shape
    inner = tier_curve(rows, cols)
    flat = node_ids.reshape(tiers, rows * cols)
    parts = [flat[::-1, p] if k % 2 else flat[:, p] for k, p in enumerate(inner)]
    return np.concatenate(parts)


def add_vertical_links(links: LinkList, node_ids: np.ndarray, spec: GridLinkSpec) -> None:
    """Join every node to the one above it (dimension 2) with the stack's vertical link."""
    kind = getattr(spec, "vertical_kind", TSV)
    length = getattr(spec, "vertical_length_mm", 0.05)
    cycles = getattr(spec, "vertical_cycles", 1)
    tiers = node_ids.shape[0]
    for z in range(tiers - 1):
        for a, b in zip(node_ids[z].ravel(), node_ids[z + 1].ravel(), strict=True):
            links.add(int(a), int(b), kind, length, cycles, 2, +1)


def _mesh3d_layout(node_ids: np.ndarray) -> Layout3d:
    tiers, rows, cols = node_ids.shape
    coords = np.zeros((node_ids.size, 3), dtype=np.int64)
    z, y, x = np.meshgrid(np.arange(tiers), np.arange(rows), np.arange(cols), indexing="ij")
    coords[node_ids.ravel()] = np.column_stack([x.ravel(), y.ravel(), z.ravel()])
    return Layout3d(coords, (cols, rows, tiers), stack_curve(node_ids))


@NOC_TOPOLOGIES.register("mesh3d")
def mesh3d(links: LinkList, node_ids: np.ndarray, spec: GridLinkSpec) -> tuple[bool, bool, bool]:
    """3D mesh: planar meshes on every tier plus a vertical link above every node.

    Dimension-order routing (x, then y, then z) is deadlock-free on it; the usual baseline
    of 3D NoC studies (e.g. Pavlidis and Friedman, IEEE TVLSI 2007; TEFLON's 3D mesh).
    """
    add_grid_links(links, node_ids, spec, (False, False, False))
    add_vertical_links(links, node_ids, spec)
    return (False, False, False)


def _sfc3d_layout(node_ids: np.ndarray) -> Layout3d:
    tiers, rows, cols = node_ids.shape
    inner = tier_curve(rows, cols)
    position = np.empty(rows * cols, dtype=np.int64)
    position[inner] = np.arange(rows * cols)
    coords = np.zeros((node_ids.size, 3), dtype=np.int64)
    flat = node_ids.reshape(tiers, rows * cols)
    for z in range(tiers):
        coords[flat[z], 0] = position
        coords[flat[z], 2] = z
    return Layout3d(coords, (rows * cols, 1, tiers), stack_curve(node_ids))


@NOC_TOPOLOGIES.register("sfc3d")
def sfc3d(links: LinkList, node_ids: np.ndarray, spec: GridLinkSpec) -> tuple[bool, bool, bool]:
    """SFC 3D NoC: on every tier, links only between consecutive PEs of a space-filling curve;
    a vertical link above every PE; the placement curve runs through the tiers.

    After TEFLON (Narang, Ogbogu, Doppa, Pande, "TEFLON: Thermally Efficient Dataflow-aware
    3D NoC for accelerating CNN inferencing on manycore PIM architectures", ACM TECS 2024)
    and its 2.5D predecessor Floret (Sharma et al., ACM TECS 2023): consecutive layers of a
    CNN sit on consecutive PEs of one curve, so most traffic crosses one short link, and the
    sparse curve replaces the mesh's planar links (fewer links, fewer router ports). Our
    reading, not the published netlist: each tier carries the same generalised Hilbert curve
    (an open chain, `rows * cols - 1` links), every PE keeps its vertical link (cheap in
    monolithic 3D), and the placement curve (`stack_curve`) runs through the tiers: up the
    first PE column, one step along the curve, down the next column, and so on. In (curve
    position, tier) coordinates the network is a 2D mesh, so dimension-order routing (along
    the curve, then vertically) is deadlock-free.
    """
    tiers, rows, cols = node_ids.shape
    inner = tier_curve(rows, cols)
    for z in range(tiers):
        chain = node_ids[z].ravel()[inner]
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            links.add(int(a), int(b), spec.kind, spec.pitch_mm, spec.latency(spec.pitch_mm), 0, +1)
    add_vertical_links(links, node_ids, spec)
    return (False, False, False)


NOC3D["mesh3d"] = _mesh3d_layout
NOC3D["sfc3d"] = _sfc3d_layout
