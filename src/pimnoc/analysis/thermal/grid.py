"""Finite-volume discretisation of a Stack: a sparse conductance matrix and capacitances.

Each layer is one slab of ``ny x nx`` cells (one node per cell at mid-thickness, as in
HotSpot's grid model and 3D-ICE); neighbouring nodes are joined by series half-cell
resistances. Unknowns are temperature rises over ambient, ``theta = T - T_ambient``:

    C dtheta/dt + G theta = P

with one extra node for the lumped heat sink (joined to every cell of layer 0, and to
ambient through ``HeatSink.resistance_k_per_w``). The matrix G is assembled from COO
triplets with numpy (no Python loop over cells) and factorised once per model (and once
per time step for transients) with SuperLU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from pimnoc.analysis.thermal.errors import ThermalError
from pimnoc.analysis.thermal.stack import Layer, Rect, Stack

if TYPE_CHECKING:  # scipy.sparse costs 0.4 s of start-up: imported where a model is built
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

# Default grid: on a 4-tier, 10 x 10-PE stack (benchmarks/thermal_speed.py) the peak
# rise at 32 x 32 is within 0.1 % of 64 x 64 (also with a single 1 W hot PE) while the
# cold solve is ~15x faster (0.5 s vs 8-10 s).
DEFAULT_NX = 32
DEFAULT_NY = 32


def cell_edges(length_m: float, n: int) -> np.ndarray:
    """The n+1 cell edges of a uniform grid over [0, length_m]."""
    return np.linspace(0.0, length_m, n + 1)


def rect_overlap(lo: np.ndarray, hi: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Overlap length of intervals [lo_k, hi_k] with each grid cell: shape (len(lo), n)."""
    left = np.maximum(lo[:, None], edges[None, :-1])
    right = np.minimum(hi[:, None], edges[None, 1:])
    return np.clip(right - left, 0.0, None)


def region_fraction(regions: tuple[Rect, ...], stack: Stack, nx: int, ny: int) -> np.ndarray:
    """Fraction of each cell covered by the (non-overlapping) rectangles: shape (ny, nx)."""
    if not regions:
        return np.ones((ny, nx))
    r = np.asarray(regions, dtype=float)
    xe, ye = cell_edges(stack.width_m, nx), cell_edges(stack.height_m, ny)
    ox = rect_overlap(r[:, 0], r[:, 0] + r[:, 2], xe)  # (R, nx)
    oy = rect_overlap(r[:, 1], r[:, 1] + r[:, 3], ye)  # (R, ny)
    area = np.einsum("ry,rx->yx", oy, ox)
    return np.clip(area / ((xe[1] - xe[0]) * (ye[1] - ye[0])), 0.0, 1.0)


def layer_maps(layer: Layer, stack: Stack, nx: int, ny: int) -> tuple[np.ndarray, ...]:
    """Per-cell lateral conductivity, vertical conductivity and heat capacity of a layer."""
    frac = region_fraction(layer.regions_m, stack, nx, ny)
    mat, fill = layer.material, layer.fill or layer.material
    # rule of mixtures inside a partly covered cell (exact for heat capacity and for
    # vertical flow through side-by-side columns; an approximation laterally)
    k_lat = frac * mat.k_lateral + (1 - frac) * fill.k_lateral
    k_vert = frac * mat.k_vertical + (1 - frac) * fill.k_vertical
    cap = frac * mat.heat_capacity_j_m3k + (1 - frac) * fill.heat_capacity_j_m3k
    return k_lat, k_vert, cap


@dataclass(frozen=True, eq=False)
class ThermalModel:
    """The assembled grid of a stack: conductance matrix, capacitances, boundary links."""

    stack: Stack
    nx: int
    ny: int
    conductance: sp.csc_matrix  # G, W/K, over theta = T - T_ambient
    capacitance_j_per_k: np.ndarray  # per node, sink last
    sink_to_ambient_w_per_k: float
    far_to_ambient_w_per_k: np.ndarray  # per cell of the last layer, (ny*nx,)
    _factors: dict = field(default_factory=dict, repr=False)
    # with a package: every node's conductance to ambient, and the package nodes after the
    # sink node (spreader periphery W, E, S, N; sink inner periphery W, E, S, N)
    ambient_w_per_k: np.ndarray | None = None
    extra_nodes: int = 0

    @property
    def n_layers(self) -> int:
        """Number of grid layers."""
        return len(self.stack.layers)

    @property
    def cells_per_layer(self) -> int:
        """nx * ny."""
        return self.nx * self.ny

    @property
    def sink_index(self) -> int:
        """Index of the lumped heat-sink node (with a package: the sink's outer ring)."""
        return self.n_layers * self.cells_per_layer

    @property
    def n_nodes(self) -> int:
        """Number of unknowns (grid cells, the sink node, any package nodes)."""
        return self.sink_index + 1 + self.extra_nodes

    def steady_factor(self) -> spla.SuperLU:
        """LU factors of G (computed once per model)."""
        if "steady" not in self._factors:
            self._factors["steady"] = _spd_lu(self.conductance)
        return self._factors["steady"]

    def transient_factor(self, dt_s: float) -> spla.SuperLU:
        """LU factors of C/dt + G for implicit Euler with step dt_s (cached per dt)."""
        key = ("transient", float(dt_s))
        if key not in self._factors:
            import scipy.sparse as sp

            matrix = self.conductance + sp.diags(self.capacitance_j_per_k / dt_s, format="csc")
            self._factors[key] = _spd_lu(matrix.tocsc())
        return self._factors[key]

    def power_vector(self, power_w: np.ndarray) -> np.ndarray:
        """Scatter a per-tier power map (tiers, ny, nx) into the node vector."""
        power_w = check_power(power_w, self.stack, self.nx, self.ny)
        vec = np.zeros(self.n_nodes)
        cells = self.cells_per_layer
        for tier, layer_index in enumerate(self.stack.active_layers):
            vec[layer_index * cells : (layer_index + 1) * cells] = power_w[tier].ravel()
        return vec

    def heat_out_w(self, theta: np.ndarray) -> float:
        """Heat leaving through the boundaries (sink convection and far side), W."""
        far = theta[(self.n_layers - 1) * self.cells_per_layer : self.sink_index]
        if self.ambient_w_per_k is not None:
            sink_out = float(np.dot(self.ambient_w_per_k, theta))
        else:
            sink_out = self.sink_to_ambient_w_per_k * theta[self.sink_index]
        return float(sink_out + np.dot(self.far_to_ambient_w_per_k, far))


def _spd_lu(matrix: sp.csc_matrix) -> spla.SuperLU:
    """SuperLU factors of a symmetric, diagonally dominant matrix (no pivoting needed).

    Minimum-degree ordering on A^T + A in symmetric mode: ~5x less fill and time than
    the default COLAMD on these layered 3D grids (0.5 s vs 2.8 s for 17 x 32 x 32 nodes).
    """
    import scipy.sparse.linalg as spla

    return spla.splu(
        matrix,
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )


def check_power(power_w: np.ndarray, stack: Stack, nx: int, ny: int) -> np.ndarray:
    """Validate a per-tier power map and return it as a float array (tiers, ny, nx)."""
    arr = np.asarray(power_w, dtype=float)
    if arr.ndim == 2 and stack.n_tiers == 1:
        arr = arr[None]
    expected = (stack.n_tiers, ny, nx)
    if arr.shape != expected:
        raise ThermalError(
            f"thermal.power_w: shape {arr.shape} does not match (tiers, ny, nx) = {expected}; "
            "build it with pimnoc.analysis.thermal.power_map on the same grid"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ThermalError("thermal.power_w: powers must be finite and >= 0 W")
    return arr


def _pairs(index: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Flattened index pairs of neighbours along `axis` of an index array."""
    a = np.take(index, np.arange(index.shape[axis] - 1), axis=axis).ravel()
    b = np.take(index, np.arange(1, index.shape[axis]), axis=axis).ravel()
    return a, b


@lru_cache(maxsize=4)  # a model holds LU factors of ~50-100 MB at 32 x 32 x 17 layers
def build_model(stack: Stack, nx: int = DEFAULT_NX, ny: int = DEFAULT_NY) -> ThermalModel:
    """Assemble (and cache per process) the grid model of `stack` on an nx x ny grid."""
    import scipy.sparse as sp

    if nx < 1 or ny < 1:
        raise ThermalError(f"thermal.grid: nx and ny must be >= 1, got {nx} x {ny}")
    n_layers, cells = len(stack.layers), nx * ny
    dx, dy = stack.width_m / nx, stack.height_m / ny
    area = dx * dy
    maps = [layer_maps(layer, stack, nx, ny) for layer in stack.layers]
    k_lat = np.stack([m[0] for m in maps])  # (L, ny, nx)
    k_vert = np.stack([m[1] for m in maps])
    cap = np.stack([m[2] for m in maps])
    thick = np.array([layer.thickness_m for layer in stack.layers])[:, None, None]
    index = np.arange(n_layers * cells).reshape(n_layers, ny, nx)

    rows, cols, vals = [], [], []

    def link(a: np.ndarray, b: np.ndarray, g: np.ndarray) -> None:
        rows.append(a)
        cols.append(b)
        vals.append(g)

    # lateral links along x and y (series half-cells, harmonic mean of conductivities)
    half_rx = (dx / 2) / (k_lat * thick * dy)  # (L, ny, nx)
    a, b = _pairs(index, 2)
    link(a, b, 1.0 / (half_rx[:, :, :-1] + half_rx[:, :, 1:]).ravel())
    half_ry = (dy / 2) / (k_lat * thick * dx)
    a, b = _pairs(index, 1)
    link(a, b, 1.0 / (half_ry[:, :-1, :] + half_ry[:, 1:, :]).ravel())
    # vertical links between consecutive layers
    half_rz = (thick / 2) / (k_vert * area)
    a, b = _pairs(index, 0)
    below = half_rz[:-1].copy()
    if stack.package is not None:
        # the sink's node is its top face, the heat spreading across the sink there before
        # crossing its thickness (HotSpot's convention; the thickness is in `to_ambient`)
        below[0] = 0.0
    link(a, b, 1.0 / (below + half_rz[1:]).ravel())
    sink = n_layers * cells
    package = stack.package
    if package is None:  # layer 0 to the isothermal sink base
        link(index[0].ravel(), np.full(cells, sink), 1.0 / half_rz[0].ravel())
        n_nodes = sink + 1
        g_sink_amb = 1.0 / stack.heat_sink.resistance_k_per_w
        ambient = None
        extra_cap = np.zeros(0)
    else:
        ambient, extra_cap = _package_links(link, stack, index, dx, dy, k_lat, thick, half_rz)
        n_nodes = ambient.size
        g_sink_amb = float(ambient[sink])

    a = np.concatenate(rows)
    b = np.concatenate(cols)
    g = np.concatenate(vals)
    if stack.far_side_h_w_m2k > 0:
        g_far = 1.0 / (half_rz[-1].ravel() + 1.0 / (stack.far_side_h_w_m2k * area))
    else:
        g_far = np.zeros(cells)
    diag = np.bincount(a, g, n_nodes) + np.bincount(b, g, n_nodes)
    if ambient is None:
        diag[sink] += g_sink_amb
    else:
        diag += ambient
    diag[(n_layers - 1) * cells : sink] += g_far
    matrix = sp.coo_matrix(
        (
            np.concatenate([-g, -g, diag]),
            (
                np.concatenate([a, b, np.arange(n_nodes)]),
                np.concatenate([b, a, np.arange(n_nodes)]),
            ),
        ),
        shape=(n_nodes, n_nodes),
    ).tocsc()
    if package is None:
        capacitance = np.concatenate(
            [(cap * thick * area).ravel(), [stack.heat_sink.capacitance_j_per_k]]
        )
    else:
        grid_cap = cap * thick * area
        # the convection capacitance spread over the sink by area, as the conductance
        grid_cap[0] += stack.heat_sink.c_convec_j_per_k * area / stack.heat_sink.side_m**2
        capacitance = np.concatenate([grid_cap.ravel(), extra_cap])
    return ThermalModel(stack, nx, ny, matrix, capacitance, g_sink_amb, g_far,
                        ambient_w_per_k=ambient,
                        extra_nodes=0 if package is None else PACKAGE_NODES)


PACKAGE_NODES = 8
"""Package nodes after the sink's outer ring: spreader periphery W, E, S, N; sink inner
periphery W, E, S, N."""


def _package_links(link, stack: Stack, index: np.ndarray, dx: float, dy: float,
                   k_lat: np.ndarray, thick: np.ndarray,
                   half_rz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Links of a spreader and sink larger than the footprint; returns each node's
    conductance to ambient and the capacitances of the sink ring and package nodes.

    Layer 0 is the sink base and layer 1 the spreader over the footprint. Around the
    footprint each side has a trapezoid of spreader (out to the spreader's edge) above a
    trapezoid of sink; the sink's ring beyond the spreader is one node. Lateral paths run
    from the footprint's edge cells to a trapezoid's centroid line, a quarter of its
    depth out, through the mean width there; vertical paths take half of each slab, but
    the sink's nodes sit at its top face (HotSpot's package, Huang et al. 2006). Every
    sink node convects to ambient through r_convec scaled by its share of the sink area,
    in series with the sink's thickness.
    """
    hs, sp = stack.heat_sink, stack.package
    w, h = stack.width_m, stack.height_m
    s_sp, s_hs = sp.spreader_side_m, hs.side_m
    k_hs, t_hs = hs.material.k_lateral, stack.layers[0].thickness_m
    k_sp, t_sp = stack.layers[1].material.k_lateral, stack.layers[1].thickness_m
    ny, nx = index.shape[1:]
    cells = nx * ny
    sink = index.size
    sp_node = sink + 1 + np.arange(4)  # W, E, S, N
    hs_node = sink + 5 + np.arange(4)
    n_nodes = sink + 1 + PACKAGE_NODES
    # per side: depth out from the footprint, footprint edge length, trapezoid area
    depth = np.array([(s_sp - w) / 2, (s_sp - w) / 2, (s_sp - h) / 2, (s_sp - h) / 2])
    edge = np.array([h, h, w, w])
    side_area = (s_sp + edge) * depth / 2
    quarter_width = (s_sp + 3 * edge) / 4  # trapezoid width a quarter of its depth out

    def lateral_r(k: float, t: float, length: np.ndarray, width: np.ndarray) -> np.ndarray:
        return length / (k * t * width)

    r_sp1 = lateral_r(k_sp, t_sp, depth / 2, quarter_width)
    r_hs1 = lateral_r(k_hs, t_hs, depth / 2, quarter_width)
    # edge cells of each side (W: x = 0, E: x = nx-1, S: y = 0, N: y = ny-1)
    edges = [np.s_[:, 0], np.s_[:, -1], np.s_[0, :], np.s_[-1, :]]
    half_cell = [dx / 2, dx / 2, dy / 2, dy / 2]
    across = [dy, dy, dx, dx]
    for side in range(4):
        for layer, r_side, node in ((1, r_sp1, sp_node), (0, r_hs1, hs_node)):
            cell_idx = index[layer][edges[side]].ravel()
            k_cells = k_lat[layer][edges[side]].ravel()
            r_cell = half_cell[side] / (k_cells * thick[layer].item() * across[side])
            n_edge = cell_idx.size
            link(cell_idx, np.full(n_edge, node[side]), 1.0 / (r_cell + n_edge * r_side[side]))
    # spreader periphery down to the sink's inner periphery
    r_vert = (t_sp / 2) / (k_sp * side_area)
    link(sp_node, hs_node, 1.0 / r_vert)
    # sink inner periphery out to the outer ring (its centroid a quarter of its depth out)
    ring_depth = (s_hs - s_sp) / 2
    r_inner_out = lateral_r(k_hs, t_hs, depth / 2, (3 * s_sp + edge) / 4)
    r_ring = lateral_r(k_hs, t_hs, np.full(4, ring_depth / 2),
                       np.full(4, (s_hs + 3 * s_sp) / 4))
    link(hs_node, np.full(4, sink), 1.0 / (r_inner_out + r_ring))
    # convection: every sink node by its share of the sink area
    ambient = np.zeros(n_nodes)

    def to_ambient(node_area: np.ndarray | float) -> np.ndarray | float:
        return 1.0 / (t_hs / (k_hs * node_area) + hs.r_convec_k_per_w * s_hs**2 / node_area)

    ambient[:cells] = to_ambient(dx * dy)
    ring_area = s_hs**2 - s_sp**2
    ambient[sink] = to_ambient(ring_area)
    ambient[hs_node] = to_ambient(side_area)
    c_sp = stack.layers[1].material.heat_capacity_j_m3k
    c_hs = stack.layers[0].material.heat_capacity_j_m3k
    convec = hs.c_convec_j_per_k / s_hs**2
    extra_cap = np.concatenate([
        [(c_hs * t_hs + convec) * ring_area],
        c_sp * t_sp * side_area,
        (c_hs * t_hs + convec) * side_area,
    ])
    del half_rz  # the sink layer's own vertical resistance is in `to_ambient`
    return ambient, extra_cap
