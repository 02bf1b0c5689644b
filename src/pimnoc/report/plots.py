"""Figures of one evaluation: the floorplan with link utilisation, per-layer breakdowns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from pimnoc.hardware.topology import DIGITAL, INTERPOSER, LINK_KINDS, NOI_ROUTER, PE, UBUMP
from pimnoc.report.common import plt, save_figure
from pimnoc.report.thermal_plots import write_thermal_plots
from pimnoc.report.timeline import timeline


def _node_networks(evaluation) -> np.ndarray:
    """Which network occupies each node (-1: idle)."""
    mapping = evaluation.mapping
    owner = np.full(evaluation.topology.num_nodes, -1)
    for k in range(len(mapping.workloads)):
        start = mapping.network_start_slot[k]
        owner[mapping.order[start:start + mapping.network_slots[k]]] = k
    return owner


def _physical_links(topo, util: np.ndarray) -> np.ndarray:
    """One directed link per physical link (the busier direction)."""
    key = np.minimum(topo.link_src, topo.link_dst) * topo.num_nodes + np.maximum(
        topo.link_src, topo.link_dst)
    order = np.lexsort((-util, key))
    return order[np.concatenate([[True], np.diff(key[order]) != 0])]


def _draw_nodes(ax, evaluation, nodes: np.ndarray, legend: bool) -> None:
    """PEs coloured by network, idle PEs grey, digital PEs and NoI routers marked."""
    topo = evaluation.topology
    xy = topo.node_xy_mm
    owner = _node_networks(evaluation)
    names = [w.name for w in evaluation.mapping.workloads]
    colors = plt.get_cmap("tab10")
    pe = nodes & (topo.node_kind == PE)
    ax.scatter(*xy[pe & (owner < 0)].T, s=12, c="0.85", zorder=2,
               label="idle PE" if legend else None)
    for k, name in enumerate(names):
        ax.scatter(*xy[pe & (owner == k)].T, s=16, color=colors(k % 10), zorder=3,
                   label=name if legend else None)
    digital = nodes & (topo.node_kind == DIGITAL)
    if digital.any():
        ax.scatter(*xy[digital].T, s=30, marker="D", color="tab:purple", edgecolors="k",
                   linewidths=0.4, zorder=3, label="digital PE" if legend else None)
    routers = nodes & (topo.node_kind == NOI_ROUTER)
    if routers.any():
        ax.scatter(*xy[routers].T, s=40, marker="s", facecolors="none", edgecolors="k",
                   zorder=4, label="interposer router" if legend else None)


def _planar_lines(topo, util: np.ndarray, links: np.ndarray, top: float) -> LineCollection:
    xy = topo.node_xy_mm
    segments = np.stack([xy[topo.link_src[links]], xy[topo.link_dst[links]]], axis=1)
    widths = np.where(topo.link_kind[links] == INTERPOSER, 2.5, 1.2)
    lines = LineCollection(segments, cmap=LINK_CMAP, linewidths=widths, zorder=1)
    lines.set_array(util[links])
    lines.set_clim(0, top)
    return lines


LINK_CMAP = "inferno_r"
VERTICAL_LINES_DRAWN = 12
"""Busiest vertical links drawn as lines between tier panels (all are drawn as rings)."""


FLOORPLAN_DETAIL_NODES = 4096
"""Planar designs with more nodes get an aggregated floorplan (a heat map of cells) instead
of a marker per node and a line per link, which would be unreadable and slow to draw."""

AGGREGATE_CELLS = 96
"""Cells along the longer side of an aggregated floorplan."""


def _aggregated_floorplan(evaluation, path: str | Path) -> Path:
    """Busiest on-die link per cell of the floor as a heat map; interposer links as lines."""
    topo = evaluation.topology
    util = evaluation.network.link_utilisation
    top = max(1e-9, util.max(initial=0))
    xy = topo.node_xy_mm
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pitch = max(float((hi - lo).max()), 1e-9) / AGGREGATE_CELLS
    cells = np.floor((xy - lo) / pitch).astype(np.int64).clip(0, AGGREGATE_CELLS - 1)
    nx, ny = (int(v) + 1 for v in cells.max(axis=0))
    on_die = np.flatnonzero((topo.link_kind != INTERPOSER) & (topo.link_kind != UBUMP))
    heat = np.full(nx * ny, np.nan)
    cell_of = cells[topo.link_src[on_die], 1] * nx + cells[topo.link_src[on_die], 0]
    busiest = np.zeros(nx * ny)
    np.maximum.at(busiest, cell_of, util[on_die])
    heat[np.unique(cell_of)] = busiest[np.unique(cell_of)]
    fig, ax = plt.subplots(figsize=(8, 7))
    mesh = ax.pcolormesh(lo[0] + pitch * np.arange(nx + 1), lo[1] + pitch * np.arange(ny + 1),
                         heat.reshape(ny, nx), cmap=LINK_CMAP, vmin=0, vmax=top, zorder=1)
    fig.colorbar(mesh, ax=ax, label="busiest link utilisation in the cell (load / capacity)")
    interposer = _physical_links(topo, util)
    interposer = interposer[topo.link_kind[interposer] == INTERPOSER]
    if interposer.size:
        ax.add_collection(_planar_lines(topo, util, interposer, top))
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    r = evaluation.result
    ax.set_title(f"{topo.name}, {evaluation.spec.mapping.placement} placement, "
                 f"{topo.num_nodes:,} nodes in {nx}x{ny} cells\n"
                 f"busiest link {r.busiest_link.get('utilisation', 0):.0%}, "
                 f"{r.links:,} links, {r.wire_length_mm:.0f} mm wire")
    return save_figure(fig, path)


def floorplan(evaluation, path: str | Path) -> Path:
    """Nodes coloured by network, chiplet outlines, links coloured by utilisation; a 3D
    stack gets one panel per tier, its vertical links drawn between the panels; a big
    planar design is drawn aggregated (`FLOORPLAN_DETAIL_NODES`)."""
    topo = evaluation.topology
    if topo.meta.get("integration") == "3d":
        return _floorplan_3d(evaluation, path)
    if topo.num_nodes > FLOORPLAN_DETAIL_NODES:
        return _aggregated_floorplan(evaluation, path)
    util = evaluation.network.link_utilisation
    fig, ax = plt.subplots(figsize=(8, 7))
    meta = topo.meta
    if meta.get("integration") == "2.5d":
        w, h = meta["chiplet_w_mm"], meta["chiplet_h_mm"]
        for chip in range(meta["chiplet_rows"] * meta["chiplet_cols"]):
            members = (topo.node_chiplet == chip) & (topo.node_kind != NOI_ROUTER)
            pitch = w / meta["pe_cols"]
            x0, y0 = topo.node_xy_mm[members].min(axis=0) - pitch / 2
            ax.add_patch(Rectangle((x0, y0), w, h, fill=False, lw=1.0, ec="0.5"))
    first = _physical_links(topo, util)
    first = first[topo.link_kind[first] != UBUMP]
    lines = _planar_lines(topo, util, first, max(1e-9, util.max(initial=0)))
    ax.add_collection(lines)
    fig.colorbar(lines, ax=ax, label="link utilisation (load / capacity)")
    _draw_nodes(ax, evaluation, np.ones(topo.num_nodes, dtype=bool), legend=True)
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    r = evaluation.result
    ax.set_title(f"{topo.name}, {evaluation.spec.mapping.placement} placement\n"
                 f"busiest link {r.busiest_link.get('utilisation', 0):.0%}, "
                 f"{r.links} links, {r.wire_length_mm:.0f} mm wire")
    ax.legend(loc="upper left", bbox_to_anchor=(1.25, 1.0), fontsize=8)
    return save_figure(fig, path)


def _floorplan_3d(evaluation, path: str | Path) -> Path:
    """One panel per tier (tier 0 next to the heat sink first); every node's link to the
    tier above is a ring coloured by its utilisation, and the busiest vertical links are
    lines from panel to panel."""
    from matplotlib.patches import ConnectionPatch

    topo = evaluation.topology
    util = evaluation.network.link_utilisation
    tiers = int(topo.node_tier.max()) + 1
    top = max(1e-9, util.max(initial=0))
    fig, axes = plt.subplots(1, tiers, figsize=(3.6 * tiers + 1.5, 4.4), squeeze=False)
    axes = axes[0]
    first = _physical_links(topo, util)
    vertical = topo.node_tier[topo.link_src[first]] != topo.node_tier[topo.link_dst[first]]
    xy = topo.node_xy_mm
    cmap = plt.get_cmap(LINK_CMAP)
    for z, ax in enumerate(axes):
        on_tier = topo.node_tier == z
        planar = first[~vertical & on_tier[topo.link_src[first]]]
        lines = _planar_lines(topo, util, planar, top)
        ax.add_collection(lines)
        up = first[vertical & (topo.node_tier[np.minimum(topo.link_src[first],
                                                           topo.link_dst[first])] == z)]
        lower = np.where(topo.node_tier[topo.link_src[up]] == z, topo.link_src[up],
                         topo.link_dst[up])
        if up.size:
            ax.scatter(*xy[lower].T, s=110, facecolors="none",
                       edgecolors=cmap(util[up] / top), linewidths=2.0, zorder=1.5,
                       label="link to the tier above" if z == 0 else None)
        _draw_nodes(ax, evaluation, on_tier, legend=z == 0)
        ax.set_aspect("equal")
        ax.autoscale()
        ax.margins(0.12)
        ax.set_title(f"tier {z}" + (" (heat sink side)" if z == 0 else ""), fontsize=10)
        ax.set_xlabel("x (mm)")
        if z == 0:
            ax.set_ylabel("y (mm)")
    busiest = first[vertical][np.argsort(-util[first[vertical]])][:VERTICAL_LINES_DRAWN]
    for link in busiest:
        a, b = int(topo.link_src[link]), int(topo.link_dst[link])
        za, zb = int(topo.node_tier[a]), int(topo.node_tier[b])
        fig.add_artist(ConnectionPatch(xy[a], xy[b], "data", "data", axesA=axes[za],
                                       axesB=axes[zb], color=cmap(util[link] / top),
                                       lw=1.4, alpha=0.8, zorder=5))
    fig.colorbar(lines, ax=list(axes), label="link utilisation (load / capacity)",
                 fraction=0.03)
    r = evaluation.result
    kind = LINK_KINDS[int(topo.link_kind[first[vertical]][0])] if vertical.any() else ""
    fig.suptitle(f"{topo.name}, {evaluation.spec.mapping.placement} placement: busiest link "
                 f"{r.busiest_link.get('utilisation', 0):.0%}; lines between tiers: the "
                 f"{min(VERTICAL_LINES_DRAWN, int(vertical.sum()))} busiest {kind.upper()} "
                 "links", fontsize=10)
    axes[0].legend(loc="upper left", bbox_to_anchor=(0.0, -0.18), fontsize=7, ncol=3)
    return save_figure(fig, path)


def _stacked_bars(ax, x, rows, lower, upper, ylabel: str) -> None:
    """Two per-layer figures (key, label, colour), stacked, in micro-units."""
    below = np.array([r[lower[0]] for r in rows]) * 1e6
    above = np.array([r[upper[0]] for r in rows]) * 1e6
    ax.bar(x, below, label=lower[1], color=lower[2])
    ax.bar(x, above, bottom=below, label=upper[1], color=upper[2])
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, loc="upper right")


MAX_FIGURE_WIDTH_IN = 16.0
"""Widest per-layer figure (inches): beyond it, labels thin out instead of the figure growing."""


LAYER_PANELS_MAX = 8
"""Most networks drawn by the per-layer figure (a run of many copies draws the slowest copy
of each model, the slowest models first)."""


def _networks_drawn(per_network: list[dict]) -> list[int]:
    """Indices of the networks the per-layer figure draws: the slowest copy of each model."""
    slowest: dict[str, int] = {}
    for k, net in enumerate(per_network):
        best = slowest.get(net["name"])
        if best is None or net["latency_s"] > per_network[best]["latency_s"]:
            slowest[net["name"]] = k
    if len(slowest) > LAYER_PANELS_MAX:
        chosen = sorted(slowest.values(), key=lambda k: -per_network[k]["latency_s"])
        return sorted(chosen[:LAYER_PANELS_MAX])
    return sorted(slowest.values()) or [0]


def layer_breakdown(evaluation, path: str | Path) -> Path:
    """Per-layer compute and communication time, and compute and network energy; one pair of
    panels per network of a multi-network run."""
    result = evaluation.result
    names = [n["name"] for n in result.per_network] or [""]
    picked = _networks_drawn(result.per_network)
    shown = [r for r in result.per_layer if r["op"] not in ("input", "concat")]
    by_network: dict[int, list] = {k: [] for k in picked}
    for row in shown:
        if row["network"] in by_network:
            by_network[row["network"]].append(row)
    copies = {}
    for name in names:
        copies[name] = copies.get(name, 0) + 1
    groups = [by_network[k] for k in picked]
    titles = [names[k] + (f" (the slowest of {copies[names[k]]} copies)"
                          if copies[names[k]] > 1 else "") for k in picked]
    prefixes = [f"{k}:{names[k]}/" if len(names) > 1 else "" for k in picked]
    names = titles
    widest = max(len(g) for g in groups)
    width = min(MAX_FIGURE_WIDTH_IN, max(8.0, widest * 0.12))
    fig, axes = plt.subplots(2 * len(names), 1, figsize=(width, 4.6 * len(names) + 0.5),
                             squeeze=False, layout="constrained",
                             height_ratios=[1.0, 1.5] * len(names))
    for k, (name, rows) in enumerate(zip(names, groups, strict=True)):
        top, bottom = axes[2 * k, 0], axes[2 * k + 1, 0]
        x = np.arange(len(rows))
        _stacked_bars(top, x, rows, ("compute_s", "compute", "tab:blue"),
                      ("comm_in_s", "communication in", "tab:orange"), "time (µs)")
        _stacked_bars(bottom, x, rows, ("compute_energy_j", "compute", "tab:green"),
                      ("network_energy_j", "network", "tab:red"), "energy (µJ)")
        top.set_xticks([])
        slots = max(1, int(width * 5))  # about five readable labels per inch
        step = max(1, -(-len(rows) // slots))
        bottom.set_xticks(x[::step])
        prefix = prefixes[k]
        bottom.set_xticklabels([r["name"].removeprefix(prefix) for r in rows][::step],
                               rotation=90, fontsize=7)
        top.set_title(f"{name}: per-layer latency and energy per inference" if name
                      else "per-layer latency and energy per inference", fontsize=10)
    return save_figure(fig, path)


def write_run_plots(evaluation, directory: str | Path) -> list[Path]:
    """All figures of `pimnoc run --plot DIR`."""
    directory = Path(directory)
    figures = [floorplan(evaluation, directory / "floorplan.png"),
               layer_breakdown(evaluation, directory / "layers.png")]
    if "tier_temperature_maps_k" in evaluation.result.extra:  # run with thermal.enabled

        figures += write_thermal_plots(evaluation, directory)
    if getattr(evaluation, "execution", None) is not None:  # simulation.engine: event

        figures.append(timeline(evaluation, directory / "timeline.png"))
    return figures
