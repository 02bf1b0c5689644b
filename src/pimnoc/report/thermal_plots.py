"""Thermal figures: per-tier temperature maps of a run, and the TEFLON reproduction's charts."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pimnoc.report.common import plt, save_figure


def has_thermal(evaluation) -> bool:
    """Whether an evaluation carries thermal results (run with `thermal.enabled`)."""
    return "tier_temperature_maps_k" in evaluation.result.extra


def _tier_row(axes, maps: np.ndarray, extent: tuple[float, float, float, float],
              vmin: float, vmax: float, label: str = "", unit: str = "mm") -> Any:
    image = None
    for z, ax in enumerate(axes):
        image = ax.imshow(maps[z], origin="lower", extent=extent, cmap="inferno",
                          vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(f"{label}tier {z}{' (heat sink side)' if z == 0 else ''}\n"
                     f"peak {maps[z].max():.1f} K, mean {maps[z].mean():.1f} K", fontsize=8)
        ax.set_xlabel(f"x ({unit})", fontsize=7)
        ax.tick_params(labelsize=6)
    return image


def tier_maps(evaluation, path: str | Path) -> Path:
    """Temperature map of every tier (tier 0 next to the heat sink), PEs marked by use."""
    extra = evaluation.result.extra
    maps = np.asarray(extra["tier_temperature_maps_k"])
    topo = evaluation.topology
    meta = topo.meta
    extent = (0.0, float(meta["die_w_mm"]), 0.0, float(meta["die_h_mm"]))
    tiers = maps.shape[0]
    fig, axes = plt.subplots(1, tiers, figsize=(3.2 * tiers + 1.0, 3.4), squeeze=False)
    row = axes[0]
    image = _tier_row(row, maps, extent, float(maps.min()), float(maps.max()))
    used = np.zeros(topo.num_nodes, dtype=bool)
    mapping = evaluation.mapping
    for k in range(len(mapping.workloads)):
        start = mapping.network_start_slot[k]
        used[mapping.order[start:start + mapping.network_slots[k]]] = True
    tier_of = np.asarray(topo.node_tier)
    for z, ax in enumerate(row):
        on = tier_of == z
        if meta.get("integration") != "3d":
            on = np.ones_like(on)
        xy = topo.node_xy_mm
        ax.scatter(*xy[on & used].T, s=6, c="white", marker="s", linewidths=0)
        ax.scatter(*xy[on & ~used].T, s=6, facecolors="none", edgecolors="0.7",
                   marker="s", linewidths=0.5)
    row[0].set_ylabel("y (mm)", fontsize=7)
    fig.colorbar(image, ax=list(row), label="temperature (K)", shrink=0.85)
    th = extra["thermal"]
    accuracy = extra.get("accuracy_estimate")
    fig.suptitle(f"{topo.name}, {evaluation.spec.mapping.placement}: peak "
                 f"{extra['peak_temperature_k']:.1f} K, {th['total_power_w']:.2f} W"
                 + (f", accuracy {accuracy:.1%}" if accuracy is not None else "")
                 + " (filled: PEs in use)", fontsize=9)
    return save_figure(fig, path)


def write_thermal_plots(evaluation, directory: str | Path) -> list[Path]:
    """The thermal figures of `pimnoc run --plot DIR` (none without thermal results)."""
    if not has_thermal(evaluation):
        return []
    return [tier_maps(evaluation, Path(directory) / "tiers.png")]


def _points(report) -> list[tuple[int, str, str]]:
    return list(dict.fromkeys((c["cores"], c["workload"], c["vertical"])
                              for c in report.comparisons))


def teflon_summary_figure(report, path: str | Path) -> Path:
    """EDP change vs 3D mesh, and peak-temperature / accuracy change vs performance-only."""
    published = report.published
    points = _points(report)
    groups = list(dict.fromkeys((w, v) for _c, w, v in points))
    cores = sorted({c for c, _w, _v in points})
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    x = np.arange(len(cores))
    width = 0.8 / (len(groups) + 1)

    def lookup(key: str, c: int, w: str, v: str) -> float:
        entry = next((e for e in report.comparisons
                      if (e["cores"], e["workload"], e["vertical"]) == (c, w, v)), {})
        return float(entry.get(key, np.nan))

    panels = (
        (axes[0], "edp_change", 100.0, "EDP change, SFC 3D NoC vs 3D mesh (%)",
         [published["edp_change_vs_mesh3d"].get(c, np.nan) * 100 for c in cores]),
        (axes[1], "peak_temperature_change_k", 1.0,
         "peak temperature change, thermally aware vs performance-only (K)",
         [published["peak_temperature_change_k"]] * len(cores)),
        (axes[2], "accuracy_change", 100.0,
         "accuracy change, thermally aware vs performance-only (points)",
         [published["accuracy_gain_max"] * 100] * len(cores)),
    )
    for ax, key, scale, title, paper in panels:
        for k, (w, v) in enumerate(groups):
            values = [lookup(key, c, w, v) * scale for c in cores]
            bars = ax.bar(x + (k - len(groups) / 2) * width, values, width,
                          label=f"pimnoc {w} {v}")
            ax.bar_label(bars, fmt="%.1f", fontsize=6)
            if key == "edp_change":  # the NoC-only EDP as an outline over the same slot
                noc = [lookup("noc_edp_change", c, w, v) * scale for c in cores]
                ax.bar(x + (k - len(groups) / 2) * width, noc, width * 0.5, fill=False,
                       edgecolor="C3", label="NoC-only EDP" if k == 0 else None)
        bars = ax.bar(x + (len(groups) / 2) * width, paper, width, color="0.75",
                      edgecolor="k", hatch="//", label="TEFLON (published)")
        ax.bar_label(bars, fmt="%.0f", fontsize=6)
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_xticks(x)
        ax.set_xticklabels([f"{c} cores" for c in cores])
        ax.set_title(textwrap.fill(title, 44), fontsize=9)  # three panels: titles must not meet
        ax.legend(fontsize=6)
    axes[2].set_xlabel("published accuracy: 'up to' +11 points", fontsize=7)
    return save_figure(fig, path)


def teflon_tier_figure(report, path: str | Path, cores: int | None = None,
                       designs: Sequence[str] = ("perf", "thermal")) -> Path | None:
    """Per-tier maps of the performance-only and thermally aware designs at one point."""
    rows = [r for r in report.rows if r.tier_maps_k is not None and r.design in designs]
    if not rows:
        return None
    cores = cores if cores is not None else max(r.cores for r in rows)
    first = next(r for r in rows if r.cores == cores)
    chosen = [next((r for r in rows if (r.cores, r.workload, r.vertical, r.design)
                    == (cores, first.workload, first.vertical, d)), None) for d in designs]
    chosen = [r for r in chosen if r is not None]
    maps = [np.asarray(r.tier_maps_k) for r in chosen]
    tiers = maps[0].shape[0]
    vmin = float(min(m.min() for m in maps))
    vmax = float(max(m.max() for m in maps))
    fig, axes = plt.subplots(len(chosen), tiers, figsize=(3.0 * tiers + 1.0, 3.1 * len(chosen)),
                             squeeze=False)
    image = None
    for row, r, m in zip(axes, chosen, maps, strict=True):
        image = _tier_row(row, m, (0.0, 1.0, 0.0, 1.0), vmin, vmax, f"{r.design}: ",
                          "die fraction")
        row[0].set_ylabel(f"{r.design}\npeak {r.peak_temperature_k:.1f} K\n"
                          f"accuracy {r.accuracy:.1%}", fontsize=8)
    fig.colorbar(image, ax=axes.ravel().tolist(), label="temperature (K)", shrink=0.8)
    fig.suptitle(f"{cores} cores, {first.workload}, {first.vertical}: tier temperatures "
                 "(x, y as fractions of the die)", fontsize=9)
    return save_figure(fig, path)


def teflon_figures(report, directory: str | Path) -> list[Path]:
    """All figures of `pimnoc reproduce teflon`."""
    directory = Path(directory)
    paths = [teflon_summary_figure(report, directory / "teflon.png")]
    tiers = teflon_tier_figure(report, directory / "teflon_tiers.png")
    if tiers is not None:
        paths.append(tiers)
    return paths
