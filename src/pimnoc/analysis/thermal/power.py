"""Rasterise per-node powers (network nodes / PEs) onto the thermal grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pimnoc.analysis.thermal.errors import ThermalError
from pimnoc.analysis.thermal.grid import DEFAULT_NX, DEFAULT_NY, cell_edges, rect_overlap
from pimnoc.analysis.thermal.stack import Stack


def power_map(
    node_xy_m: np.ndarray | Sequence[Sequence[float]],
    node_tier: np.ndarray | Sequence[int],
    node_power_w: np.ndarray | Sequence[float],
    stack: Stack,
    nx: int = DEFAULT_NX,
    ny: int = DEFAULT_NY,
    node_size_m: float | Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """Per-tier power map (tiers, ny, nx) in W from node centres, tiers and powers.

    Each node is a rectangle of `node_size_m` (one (w, h) for all, a side for squares, or
    an (N, 2) array) centred on its (x, y); its power is spread over the cells in
    proportion to overlap area. With ``node_size_m=None`` each node's power goes into the
    cell holding its centre. The part of a rectangle outside the footprint is clipped and
    the power renormalised, so the map's total equals ``sum(node_power_w)`` exactly (up to
    rounding).
    """
    xy = np.asarray(node_xy_m, dtype=float).reshape(-1, 2)
    tier = np.asarray(node_tier, dtype=int).ravel()
    power = np.asarray(node_power_w, dtype=float).ravel()
    n = len(xy)
    if len(tier) != n or len(power) != n:
        raise ThermalError(
            f"thermal.power_map: {n} node positions, {len(tier)} tiers and {len(power)} "
            "powers; give one of each per node"
        )
    if np.any(~np.isfinite(power)) or np.any(power < 0):
        raise ThermalError("thermal.power_map.node_power_w: powers must be finite and >= 0 W")
    if np.any((tier < 0) | (tier >= stack.n_tiers)):
        raise ThermalError(
            f"thermal.power_map.node_tier: tiers must be in 0..{stack.n_tiers - 1} for this stack"
        )
    w, h = stack.width_m, stack.height_m
    eps = 1e-12 * max(w, h)
    if np.any((xy[:, 0] < -eps) | (xy[:, 0] > w + eps) | (xy[:, 1] < -eps) | (xy[:, 1] > h + eps)):
        raise ThermalError(
            f"thermal.power_map.node_xy_m: a node centre lies outside the {w} x {h} m "
            "footprint; check units (metres) and the stack footprint"
        )
    out = np.zeros((stack.n_tiers, ny, nx))
    if n == 0:
        return out
    xe, ye = cell_edges(w, nx), cell_edges(h, ny)
    if node_size_m is None:
        ix = np.clip(np.searchsorted(xe, xy[:, 0], side="right") - 1, 0, nx - 1)
        iy = np.clip(np.searchsorted(ye, xy[:, 1], side="right") - 1, 0, ny - 1)
        np.add.at(out, (tier, iy, ix), power)
        return out
    size = np.broadcast_to(np.asarray(node_size_m, dtype=float), (n, 2)) if np.ndim(
        node_size_m
    ) else np.full((n, 2), float(node_size_m))
    if np.any(size <= 0):
        raise ThermalError("thermal.power_map.node_size_m: node sizes must be > 0 m")
    ox = rect_overlap(xy[:, 0] - size[:, 0] / 2, xy[:, 0] + size[:, 0] / 2, xe)  # (N, nx)
    oy = rect_overlap(xy[:, 1] - size[:, 1] / 2, xy[:, 1] + size[:, 1] / 2, ye)  # (N, ny)
    inside = ox.sum(axis=1) * oy.sum(axis=1)  # clipped rectangle area
    scale = power / inside
    one_hot = np.zeros((n, stack.n_tiers))
    one_hot[np.arange(n), tier] = scale
    return np.einsum("nt,ny,nx->tyx", one_hot, oy, ox)
