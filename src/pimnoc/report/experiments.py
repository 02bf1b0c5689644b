"""Figures of the experiments: topology comparisons, Floret reproduction, scaling."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pimnoc.experiments.compare import CompareRow
from pimnoc.experiments.hetrax import WORKLOADS, HetraxReport, workload_label
from pimnoc.report.common import plt, save_figure

COMPARE_METRICS: tuple[tuple[str, str], ...] = (
    ("latency_s", "latency"),
    ("interval_s", "inference interval"),
    ("energy_j", "energy"),
    ("network_energy_j", "network energy"),
    ("edp_js", "EDP"),
    ("noi_links", "links (NoI)"),
    ("noi_wire_length_mm", "wire (NoI)"),
)
"""(CompareRow field, label) drawn by `compare_plot`; lower is better for each."""


def compare_plot(rows: Sequence[CompareRow], path: str | Path, baseline: CompareRow,
                 title: str = "") -> Path:
    """Grouped bars: one group per (topology, placement), one bar per metric, / baseline."""
    metrics = [(f, label) for f, label in COMPARE_METRICS
               if float(getattr(baseline, f)) > 0]
    fig, ax = plt.subplots(figsize=(max(7.0, 1.0 + 0.9 * len(rows)), 4.2))
    width = 0.8 / max(1, len(metrics))
    x = np.arange(len(rows))
    colors = plt.get_cmap("tab10")
    for j, (field, label) in enumerate(metrics):
        base = float(getattr(baseline, field))
        values = [float(getattr(r, field)) / base for r in rows]
        ax.bar(x + (j - (len(metrics) - 1) / 2) * width, values, width, label=label,
               color=colors(j % 10))
    ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xticks(x, [f"{r.topology}\n{r.placement}" for r in rows], fontsize=8)
    ax.set_ylabel(f"relative to {baseline.topology} ({baseline.placement})")
    ax.set_title(title or "topology comparison (lower is better)", pad=30)
    ax.legend(fontsize=8, ncols=len(metrics), loc="lower center", bbox_to_anchor=(0.5, 1.0),
              frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, path)


RELATIVE_METRICS: tuple[tuple[str, str], ...] = (
    ("latency_s", "latency"),
    ("energy_j", "energy"),
    ("network_latency_s", "network latency"),
    ("network_energy_j", "network energy"),
    ("interval_s", "inference interval"),
)


def floret_relative_plot(relative: Sequence[dict], path: str | Path, kind: str) -> Path:
    """Floret's change vs each NoI, one panel per size: bars = mean over mixes, whiskers = range."""
    entries = [e for e in relative if e["placements"] == kind]
    sizes = sorted({e["chiplets"] for e in entries})
    baselines = list(dict.fromkeys(e["baseline"] for e in entries))
    fig, axes = plt.subplots(1, max(1, len(sizes)), figsize=(4.6 * max(1, len(sizes)), 4.2),
                             sharey=True, squeeze=False, layout="constrained")
    width = 0.8 / len(RELATIVE_METRICS)
    colors = plt.get_cmap("tab10")
    for ax, size in zip(axes[0], sizes, strict=False):
        x = np.arange(len(baselines))
        for j, (field, label) in enumerate(RELATIVE_METRICS):
            means, lo, hi = [], [], []
            for name in baselines:
                v = np.array([e[field] for e in entries
                              if e["chiplets"] == size and e["baseline"] == name]) * 100
                v = v[np.isfinite(v)]
                m = float(v.mean()) if v.size else np.nan
                means.append(m)
                lo.append(m - float(v.min()) if v.size else 0.0)
                hi.append(float(v.max()) - m if v.size else 0.0)
            ax.bar(x + (j - (len(RELATIVE_METRICS) - 1) / 2) * width, means, width,
                   yerr=[lo, hi], capsize=2, label=label, color=colors(j))
        ax.axhline(0, color="0.3", lw=0.8)
        # the two published levels are 6 points apart: one label above its line, one below
        for level, what, side in ((-58, "published latency", "bottom"),
                                  (-64, "published energy", "top")):
            ax.axhline(level, color="0.5", lw=0.8, ls="--")
            ax.text(len(baselines) - 0.5, level, what, fontsize=6, color="0.4",
                    ha="right", va=side)
        ax.set_xticks(x, baselines, rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{size} chiplets")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("Floret vs NoI (%)  (negative: Floret lower)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8)
    fig.suptitle(f"Floret (sfc) relative to each NoI, {kind} placements; published: "
                 "latency up to -58 %, energy up to -64 %", fontsize=10)
    return save_figure(fig, path)


def fabrication_plot(fabrication: Sequence[dict], path: str | Path) -> Path:
    """NoI links and wire length of each topology at each size."""
    sizes = sorted({r["chiplets"] for r in fabrication})
    names = list(dict.fromkeys(r["topology"] for r in fabrication))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    width = 0.8 / max(1, len(sizes))
    x = np.arange(len(names))
    for ax, (field, label) in zip(axes, (("noi_links", "NoI links"),
                                         ("noi_wire_length_mm", "NoI wire (mm)")), strict=True):
        for j, size in enumerate(sizes):
            values = [next((r[field] for r in fabrication
                            if r["topology"] == n and r["chiplets"] == size), np.nan)
                      for n in names]
            ax.bar(x + (j - (len(sizes) - 1) / 2) * width, values, width, label=f"{size}")
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(title="chiplets", fontsize=8)
    fig.suptitle("Fabrication cost proxies (fewer links and less wire are cheaper)", fontsize=10)
    return save_figure(fig, path)


def floret_figures(report, out: str | Path) -> list[Path]:
    """All figures of a Floret reproduction, written into `out`."""
    out = Path(out)
    paths = []
    for kind in ("natural", "same"):
        if any(e["placements"] == kind for e in report.relative):
            paths.append(floret_relative_plot(report.relative, out / f"floret_{kind}.png", kind))
    paths.append(fabrication_plot(report.summary["fabrication"], out / "floret_fabrication.png"))
    return paths


def scaling_plot(report, path: str | Path) -> Path:
    """Throughput vs crossbar budget per topology, with the compute and network bounds."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    colors = plt.get_cmap("tab10")
    names = list(dict.fromkeys(p.topology for p in report.points))
    compute_drawn = False
    for j, name in enumerate(names):
        pts = sorted((p for p in report.points if p.topology == name),
                     key=lambda p: p.crossbar_budget)
        x = [p.crossbar_budget for p in pts]
        color = colors(j)
        ax.plot(x, [p.throughput_ips for p in pts], "o-", color=color, lw=2,
                label=f"{name} ({pts[0].placement}): throughput")
        ax.plot(x, [p.network_bound_ips for p in pts], "--", color=color, lw=1.2,
                label=f"{name}: network bound (1 / busiest link or port)")
        if not compute_drawn:
            ax.plot(x, [p.compute_bound_ips for p in pts], ":", color="0.2", lw=1.5,
                    label="compute bound (1 / slowest stage)")
            compute_drawn = True
        k = report.knees.get(name, {}).get("knee_budget")
        if k:
            ax.axvline(k, color=color, lw=0.8, alpha=0.7)
            ax.text(k, 0.04 + 0.09 * j, f" knee ({name}): {k:,.0f}", color=color, fontsize=7,
                    transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("crossbar budget (crossbars in the system)")
    ax.set_ylabel("inferences per second (each network)")
    ax.set_title(f"{report.mix} mix on {report.chiplets} chiplets: adding crossbars pays only "
                 "while the network keeps up", fontsize=9)
    ax.grid(which="both", alpha=0.25)
    ax.legend(fontsize=7, loc="upper left")
    return save_figure(fig, path)


def hetrax_figure(report: HetraxReport, path: Path) -> Path:
    """Grouped bars of speedup and EDP improvement per workload, published maxima dashed."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    labels = sorted({r.workload for r in report.rows}, key=lambda w: [
        workload_label(n) for n in WORKLOADS].index(w) if w in [workload_label(n)
                                                                 for n in WORKLOADS] else 99)
    integrations = sorted({r.integration for r in report.rows})
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(integrations))
    for ax, key, title in ((axes[0], "speedup", "speedup (latency)"),
                           (axes[1], "edp_improvement", "EDP improvement")):
        for k, integration in enumerate(integrations):
            values = [next((getattr(r, key) for r in report.rows
                            if r.workload == w and r.integration == integration), np.nan)
                      for w in labels]
            bars = ax.bar(x + (k - (len(integrations) - 1) / 2) * width, values, width,
                          label=f"pimnoc {integration}")
            ax.bar_label(bars, fmt="%.2f", fontsize=7)
        ax.axhline(report.published[key], color="k", ls="--", lw=1,
                   label=f"HeTraX (published, max): {report.published[key]}x")
        ax.axhline(1.0, color="0.6", lw=0.8)
        ax.set_title(f"{title}: ReRAM-only / heterogeneous")
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=20, fontsize=8)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("ratio (above 1: heterogeneous better)")
    return save_figure(fig, path)
