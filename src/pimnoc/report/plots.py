"""Figures of one evaluation: the floorplan with link utilisation, per-layer breakdowns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from pimnoc.network.topology import INTERPOSER, NOI_ROUTER, UBUMP
from pimnoc.report.common import plt, save_figure


def _node_networks(evaluation) -> np.ndarray:
    """Which network occupies each node (-1: idle)."""
    mapping = evaluation.mapping
    owner = np.full(evaluation.topology.num_nodes, -1)
    for k in range(len(mapping.workloads)):
        start = mapping.network_start_slot[k]
        owner[mapping.order[start:start + mapping.network_slots[k]]] = k
    return owner


def floorplan(evaluation, path: str | Path) -> Path:
    """Nodes coloured by network, chiplet outlines, links coloured by utilisation."""
    topo = evaluation.topology
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
    shown = topo.link_kind != UBUMP
    # One segment per physical link, coloured by the busier direction.
    key = np.minimum(topo.link_src, topo.link_dst) * topo.num_nodes + np.maximum(
        topo.link_src, topo.link_dst)
    order = np.lexsort((-util, key))
    first = order[np.concatenate([[True], np.diff(key[order]) != 0])]
    first = first[shown[first]]
    xy = topo.node_xy_mm
    segments = np.stack([xy[topo.link_src[first]], xy[topo.link_dst[first]]], axis=1)
    widths = np.where(topo.link_kind[first] == INTERPOSER, 2.5, 1.2)
    lines = LineCollection(segments, cmap="inferno_r", linewidths=widths, zorder=1)
    lines.set_array(util[first])
    lines.set_clim(0, max(1e-9, util.max(initial=0)))
    ax.add_collection(lines)
    fig.colorbar(lines, ax=ax, label="link utilisation (load / capacity)")
    owner = _node_networks(evaluation)
    pe_nodes = topo.node_kind != NOI_ROUTER
    names = [w.name for w in evaluation.mapping.workloads]
    colors = plt.get_cmap("tab10")
    ax.scatter(*xy[pe_nodes & (owner < 0)].T, s=12, c="0.85", zorder=2, label="idle PE")
    for k, name in enumerate(names):
        members = pe_nodes & (owner == k)
        ax.scatter(*xy[members].T, s=16, color=colors(k % 10), zorder=3, label=name)
    routers = topo.node_kind == NOI_ROUTER
    if routers.any():
        ax.scatter(*xy[routers].T, s=40, marker="s", facecolors="none", edgecolors="k",
                   zorder=4, label="interposer router")
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


def _stacked_bars(ax, x, rows, lower, upper, ylabel: str) -> None:
    """Two per-layer figures (key, label, colour), stacked, in micro-units."""
    below = np.array([r[lower[0]] for r in rows]) * 1e6
    above = np.array([r[upper[0]] for r in rows]) * 1e6
    ax.bar(x, below, label=lower[1], color=lower[2])
    ax.bar(x, above, bottom=below, label=upper[1], color=upper[2])
    ax.set_ylabel(ylabel)
    ax.legend()


def layer_breakdown(evaluation, path: str | Path) -> Path:
    """Per-layer compute and communication time, and compute and network energy."""
    rows = [r for r in evaluation.result.per_layer if r["op"] not in ("input", "concat")]
    x = np.arange(len(rows))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, len(rows) * 0.08), 7), sharex=True)
    _stacked_bars(top, x, rows, ("compute_s", "compute", "tab:blue"),
                  ("comm_in_s", "communication in", "tab:orange"), "time per inference (µs)")
    _stacked_bars(bottom, x, rows, ("compute_energy_j", "compute", "tab:green"),
                  ("network_energy_j", "network", "tab:red"), "energy per inference (µJ)")
    step = max(1, len(rows) // 40)
    bottom.set_xticks(x[::step])
    bottom.set_xticklabels([r["name"] for r in rows][::step], rotation=90, fontsize=6)
    top.set_title("per-layer latency and energy")
    return save_figure(fig, path)


def write_run_plots(evaluation, directory: str | Path) -> list[Path]:
    """All figures of `pimnoc run --plot DIR`."""
    directory = Path(directory)
    figures = [floorplan(evaluation, directory / "floorplan.png"),
               layer_breakdown(evaluation, directory / "layers.png")]
    if "tier_temperature_maps_k" in evaluation.result.extra:  # run with thermal.enabled
        from pimnoc.report.thermal_plots import write_thermal_plots

        figures += write_thermal_plots(evaluation, directory)
    if getattr(evaluation, "execution", None) is not None:  # simulation.engine: event
        from pimnoc.report.timeline import timeline

        figures.append(timeline(evaluation, directory / "timeline.png"))
    return figures
