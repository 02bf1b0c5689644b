"""Pareto plots: a 2D scatter with the front highlighted, or parallel coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pimnoc.dse.results import Front
from pimnoc.report.common import plt, save_figure
from pimnoc.units import engineering

SI_UNITS = {"_js": "J·s", "_s": "s", "_j": "J", "_ips": "/s", "_w": "W", "_bps": "b/s"}
"""Name suffixes of SI figures, plotted with engineering prefixes (µs, mJ)."""
PLAIN_UNITS = {"_mm2": "mm²", "_mm": "mm", "_k": "K"}
"""Name suffixes of figures plotted as they are, without an offset."""


def _unit(name: str) -> tuple[str, bool]:
    """(unit, engineering prefixes?) of a figure from its name's suffix."""
    for suffix, unit in SI_UNITS.items():
        if name.endswith(suffix):
            return unit, True
    for suffix, unit in PLAIN_UNITS.items():
        if name.endswith(suffix):
            return unit, False
    return "", False


def _format_axis(axis, name: str) -> None:
    """Engineering units for SI figures; no offset or scientific factor for the rest."""
    from matplotlib.ticker import EngFormatter, ScalarFormatter

    unit, engineering_prefixes = _unit(name)
    if engineering_prefixes:
        axis.set_major_formatter(EngFormatter(unit=unit, places=None, sep=" "))
    else:
        formatter = ScalarFormatter(useOffset=False)
        formatter.set_scientific(False)
        axis.set_major_formatter(formatter)


def _label(name: str, direction: str) -> str:
    return f"{name} ({'lower' if direction == 'min' else 'higher'} is better)"


def _value(value: float, name: str) -> str:
    unit, engineering_prefixes = _unit(name)
    return engineering(value, unit) if engineering_prefixes else f"{value:.4g} {unit}".strip()


def plot_front(front: Front, path: str | Path) -> Path:
    """Scatter (2 objectives), parallel coordinates (3+), or ranked values (1) to `path`."""
    objectives = front.objectives
    values, mask = front.values, front.on_front
    if len(objectives) == 2:
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
        ax.scatter(values[~mask, 0], values[~mask, 1], s=14, color="0.7", label="dominated")
        pts = values[mask]
        pts = pts[np.argsort(pts[:, 0])]
        ax.plot(pts[:, 0], pts[:, 1], "-o", color="tab:red", ms=5, lw=1.2,
                label=f"Pareto front ({int(mask.sum())})")
        ax.set_xlabel(_label(objectives[0].name, objectives[0].direction))
        ax.set_ylabel(_label(objectives[1].name, objectives[1].direction))
        _format_axis(ax.xaxis, objectives[0].name)
        _format_axis(ax.yaxis, objectives[1].name)
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    elif len(objectives) > 2:
        fig, ax = plt.subplots(figsize=(1.9 * len(objectives) + 2, 4.8))
        lo, hi = values.min(axis=0), values.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        scaled = (values - lo) / span
        xs = np.arange(len(objectives))
        for row in scaled[~mask]:
            ax.plot(xs, row, color="0.75", lw=0.6, alpha=0.6)
        for row in scaled[mask]:
            ax.plot(xs, row, color="tab:red", lw=1.4, alpha=0.9)
        ax.plot([], [], color="0.75", label="dominated")
        ax.plot([], [], color="tab:red", label=f"Pareto front ({int(mask.sum())})")
        ax.set_xticks(xs, [f"{o.name}\n({o.direction})\n{_value(a, o.name)}\nto "
                           f"{_value(b, o.name)}"
                           for o, a, b in zip(objectives, lo, hi, strict=True)])
        ax.set_ylabel("normalised value (0 = smallest)")
        ax.legend(loc="upper right")
        ax.grid(axis="x", alpha=0.4)
    else:
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        order = np.argsort(values[:, 0] * objectives[0].sign)
        ax.plot(np.arange(order.size), values[order, 0], ".", color="0.5")
        best = np.flatnonzero(mask[order])
        ax.plot(best, values[order][best, 0], "o", color="tab:red", label="best")
        ax.set_xlabel("points, ranked")
        ax.set_ylabel(_label(objectives[0].name, objectives[0].direction))
        _format_axis(ax.yaxis, objectives[0].name)
        ax.legend()
    ax.set_title(f"{len(values)} design points")
    return save_figure(fig, path)
