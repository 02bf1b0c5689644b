"""Networks on interposer: a graph over the chiplet grid (one interposer router per chiplet)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pimnoc.errors import ConfigError
from pimnoc.registry import Registry


@dataclass(frozen=True)
class NoiGraph:
    """An interposer network over `rows x cols` chiplets; chiplet id = row * cols + col.

    `edges` are bidirectional router links; `dims[i]` gives (dimension, direction) of edge i
    for dimension-order routing on grid NoIs (None elsewhere). `wrap` marks torus rings.
    `curve_order`, when set, is the chiplet sequence a space-filling-curve placement follows.
    `routing` names the routing algorithm the NoI needs (`dor`, `shortest`, `updown`).
    `lengths[i]`, when set, is edge i's wire length in chiplet pitches (for links not routed
    Manhattan between router sites, e.g. straight diagonals); `coords[c]`, when set, is
    chiplet c's logical (x, y) for dimension-order routing (e.g. folded rings, Floret's ring).
    """

    name: str
    rows: int
    cols: int
    edges: tuple[tuple[int, int], ...]
    dims: tuple[tuple[int, int], ...] | None = None
    wrap: tuple[bool, bool] = (False, False)
    dateline: tuple[bool, ...] | None = None
    curve_order: tuple[int, ...] | None = None
    routing: str = "shortest"
    params: dict[str, Any] = field(default_factory=dict)
    lengths: tuple[float, ...] | None = None
    coords: tuple[tuple[int, int], ...] | None = None


NoiBuilder = Callable[..., NoiGraph]
NOI_TOPOLOGIES: Registry[NoiBuilder] = Registry("network on interposer", "design.noi.topology")


def _grid_edges(rows: int, cols: int, wrap: tuple[bool, bool]):
    edges, dims, dateline = [], [], []
    for r in range(rows):
        for c in range(cols - 1):
            edges.append((r * cols + c, r * cols + c + 1))
            dims.append((0, 1))
            dateline.append(False)
        if wrap[0]:
            edges.append((r * cols + cols - 1, r * cols))
            dims.append((0, 1))
            dateline.append(True)
    for c in range(cols):
        for r in range(rows - 1):
            edges.append((r * cols + c, (r + 1) * cols + c))
            dims.append((1, 1))
            dateline.append(False)
        if wrap[1]:
            edges.append(((rows - 1) * cols + c, c))
            dims.append((1, 1))
            dateline.append(True)
    return tuple(edges), tuple(dims), tuple(dateline)


@NOI_TOPOLOGIES.register("mesh")
def mesh_noi(rows: int, cols: int) -> NoiGraph:
    """2D mesh NoI, as SIAM's network-on-package (Krishnan et al., IEEE TVLSI 2021)."""
    edges, dims, dateline = _grid_edges(rows, cols, (False, False))
    return NoiGraph("mesh", rows, cols, edges, dims, (False, False), dateline, routing="dor")


@NOI_TOPOLOGIES.register("torus")
def torus_noi(rows: int, cols: int) -> NoiGraph:
    """2D torus NoI: a mesh with wrap-around rings (long links across the interposer)."""
    wrap = (cols > 2, rows > 2)
    edges, dims, dateline = _grid_edges(rows, cols, wrap)
    return NoiGraph("torus", rows, cols, edges, dims, wrap, dateline, routing="dor")


@NOI_TOPOLOGIES.register("custom")
def custom_noi(rows: int, cols: int, edges: list | None = None, lengths: list | None = None,
               faulty: list | None = None, curve: list | None = None) -> NoiGraph:
    """A user-given NoI: `edges` lists bidirectional chiplet links as [a, b] pairs.

    `lengths` (optional): each edge's wire length in chiplet pitches (default: Manhattan
    between the router sites). `faulty` (optional): defective chiplets; the mapper puts no
    work on them and no edge may touch them; each hangs off its nearest healthy chiplet by
    one link that carries no traffic (a leaf, so no route passes through it), which keeps
    the routing tables total (assumption; it adds a port to that healthy router).
    `curve` (optional): the chiplet order the `sfc` placement follows.
    """
    if not edges:
        raise ConfigError("design.noi.edges: the custom NoI needs a list of [a, b] chiplet "
                          "pairs, e.g. edges: [[0, 1], [1, 2]]")
    n = rows * cols
    pairs = []
    for item in edges:
        if (not isinstance(item, list | tuple) or len(item) != 2
                or not all(isinstance(v, int) for v in item)):
            raise ConfigError(f"design.noi.edges: {item!r} is not a pair of chiplet ids [a, b]")
        a, b = item
        if not (0 <= a < n and 0 <= b < n) or a == b:
            raise ConfigError(f"design.noi.edges: [{a}, {b}] must join two different chiplets "
                              f"numbered 0..{n - 1} (row * cols + col)")
        pairs.append((a, b))
    pitches = None
    if lengths is not None:
        if len(lengths) != len(pairs) or not all(
                isinstance(v, int | float) and v > 0 for v in lengths):
            raise ConfigError(f"design.noi.lengths: give one positive length in pitches per "
                              f"edge ({len(pairs)} edges, {len(lengths)} lengths)")
        pitches = [float(v) for v in lengths]
    dead = sorted(set(faulty or ()))
    if any(not isinstance(c, int) or not 0 <= c < n for c in dead):
        raise ConfigError(f"design.noi.faulty: chiplet ids must be in 0..{n - 1}")
    touching = [p for p in pairs if p[0] in dead or p[1] in dead]
    if touching:
        raise ConfigError(f"design.noi.faulty: edge {list(touching[0])} touches a faulty "
                          "chiplet; remove it from design.noi.edges")
    healthy = [c for c in range(n) if c not in set(dead)]
    if dead and not healthy:
        raise ConfigError("design.noi.faulty: every chiplet is faulty; keep at least one")
    for c in dead:  # a leaf link to the nearest healthy chiplet (no traffic crosses it)
        r, q = divmod(c, cols)
        near = min(healthy, key=lambda h: (abs(h // cols - r) + abs(h % cols - q), h))
        pairs.append((near, c))
        if pitches is not None:
            pitches.append(float(abs(near // cols - r) + abs(near % cols - q)))
    order = None
    if curve is not None:
        if sorted(set(curve)) != sorted(curve) or any(
                not isinstance(c, int) or not 0 <= c < n for c in curve):
            raise ConfigError(f"design.noi.curve: give distinct chiplet ids in 0..{n - 1}")
        order = tuple(curve) + tuple(c for c in range(n) if c not in set(curve))
    return NoiGraph("custom", rows, cols, tuple(pairs), routing="shortest",
                    params={"faulty": tuple(dead), "leaf_links": len(dead)},
                    lengths=tuple(pitches) if pitches is not None else None,
                    curve_order=order)


def faulty_chiplets(topo_meta: dict) -> tuple[int, ...]:
    """Defective chiplets of a design (`design.noi.faulty` of a custom NoI), else none."""
    noi = topo_meta.get("noi")
    return tuple(getattr(noi, "params", {}).get("faulty", ())) if noi is not None else ()
