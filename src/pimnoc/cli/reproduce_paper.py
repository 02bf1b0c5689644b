"""Rich tables of a reproduction's paper quantities beside the full system's, per baseline."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from pimnoc.experiments.tables import ENGINE_COLUMNS, change_cell

COLUMNS: tuple[tuple[str, str], ...] = (
    ("net_zero_load_latency_s", "{scope} zero-load lat"),
    ("net_packet_latency_s", "{scope} packet lat"),
    ("net_energy_j", "{scope} energy"),
    ("net_edp_js", "{scope} EDP"),
    ("latency_s", "system latency"),
    ("energy_j", "system energy"),
    ("edp_js", "system EDP"),
)
"""Quantity -> column header: the paper's (network) quantities, then the full system's."""


def paper_vs_system_table(summary: dict[str, Any], title: str, scope: str, target: str,
                          group: str = "baseline", caption: str = "") -> Table:
    """Per baseline: best ("up to") and mean change of each quantity, the published beside.

    `summary` is `quantities.best_changes(rows, group)`.
    """
    scope_name = scope.upper()
    table = Table(title=title, header_style="bold", caption=caption or (
        f"{target} / {group} - 1: best (up to) and (mean) over cases, then the published "
        f"figure read as that quantity; negative: {target} lower. {scope_name}: the network "
        "the paper measures; system: the whole design"))
    table.add_column(group, no_wrap=True)
    for _key, header in COLUMNS:
        table.add_column(header.format(scope=scope_name), justify="right", no_wrap=True)
    per = summary.get(f"per_{group}", {})
    for name, stats in [*per.items(), ("all", summary.get("overall", {}))]:
        cells = [change_cell(stats.get(key), " [bold]paper {}[/]") for key, _header in COLUMNS]
        table.add_row(f"[bold]{name}[/]" if name == "all" else name, *cells)
    return table


def published_lines(published: dict[str, dict[str, Any]]) -> list[str]:
    """The published figures' source sentences and what is inferred, once each."""
    lines, seen = [], set()
    for figure in published.values():
        key = (figure["sentence"], figure["inferred"])
        if key in seen:
            continue
        seen.add(key)
        lines += [f"published ({figure['source']}): {figure['sentence']}",
                  f"  inferred: {figure['inferred']}"]
    return lines


def engine_table(summary: dict[str, Any], title: str, target: str, note: str,
                 group: str = "baseline") -> Table | None:
    """Per baseline: the event engine's figures under the workload beside the analytical
    engine's (None when only the analytical engine ran)."""
    if "latency_analytical_s" not in summary.get("overall", {}):
        return None
    table = Table(title=title, header_style="bold", caption=(
        f"{target} / {group} - 1, best (mean) over cases; throughput: positive = {target} "
        f"faster. Event engine: {note}"))
    table.add_column(group, no_wrap=True)
    for _key, header in ENGINE_COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
    per = summary.get(f"per_{group}", {})
    for name, stats in [*per.items(), ("all", summary.get("overall", {}))]:
        cells = [change_cell(stats.get(key)) for key, _header in ENGINE_COLUMNS]
        table.add_row(f"[bold]{name}[/]" if name == "all" else name, *cells)
    return table
