"""`pimnoc compare`: topologies on one design, each with its natural and a shared placement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pimnoc.cli.tables import print_table, stdout_console
from pimnoc.experiments.compare_defaults import DEFAULT_SAME_PLACEMENT

if TYPE_CHECKING:
    from pimnoc.experiments.compare import CompareRow

PROGRESS_MIN_ROWS = 4
"""Show a progress bar from this many rows on (each row is one evaluation)."""


def _si(value: float, unit: str) -> str:
    for scale, prefix in ((1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")):
        if abs(value) >= scale or scale == 1e-12:
            return f"{value / scale:.4g} {prefix}{unit}"
    return f"{value:.4g} {unit}"


def baseline_row(rows: list[CompareRow], name: str = "mesh") -> CompareRow:
    """The row others are normalised to: `name` with its natural placement, else the first."""
    for row in rows:
        if row.topology == name and row.placement_kind.startswith("natural"):
            return row
    for row in rows:
        if row.topology == name:
            return row
    return rows[0]


KIND_TAGS = {"natural": "nat", "same": "same", "natural+same": "nat=same"}


WIDE_COLUMNS = ("thru/s", "EDP J·s", "ports")
"""Columns shown only on consoles wide enough (`wide=True`); --json always has every figure."""


def compare_table(rows: list[CompareRow], title: str, wide: bool = True) -> Table:
    """A rich table: absolute figures, and latency / energy relative to the baseline."""
    base = baseline_row(rows)
    labels = [f"{r.placement} {KIND_TAGS.get(r.placement_kind, '')}".strip() for r in rows]
    widths = {"topology": max(len(r.topology) for r in rows),
              "placement": max(len(label) for label in labels)}
    columns = [c for c in ("topology", "placement", "latency", "thru/s", "energy", "net E",
                           "EDP J·s", "links", "wire mm", "ports", "Δlat", "ΔE")
               if wide or c not in WIDE_COLUMNS]
    table = Table(title=title, header_style="bold")
    for column in columns:
        table.add_column(column, no_wrap=True, min_width=widths.get(column),
                         justify="left" if column in widths else "right")
    for row, label in zip(rows, labels, strict=True):
        rel_l = row.latency_s / base.latency_s - 1 if base.latency_s else float("nan")
        rel_e = row.energy_j / base.energy_j - 1 if base.energy_j else float("nan")
        cells = {
            "topology": row.topology, "placement": label, "latency": _si(row.latency_s, "s"),
            "thru/s": f"{row.throughput_ips:,.0f}", "energy": _si(row.energy_j, "J"),
            "net E": _si(row.network_energy_j, "J"), "EDP J·s": f"{row.edp_js:.3g}",
            "links": f"{row.noi_links or row.links}",
            "wire mm": f"{row.noi_wire_length_mm or row.wire_length_mm:,.0f}",
            "ports": str(row.router_ports), "Δlat": f"{rel_l:+.1%}", "ΔE": f"{rel_e:+.1%}",
        }
        table.add_row(*(cells[c] for c in columns))
    table.caption = (f"Δ: relative to {base.topology} ({base.placement}); links and wire: the "
                     "NoI's (2.5D) or the whole network's; net E: router + link energy")
    return table


def register(app: typer.Typer) -> None:
    """Add `compare` to the CLI."""

    @app.command()
    def compare(
        config: Path = typer.Argument(..., help="Run YAML whose design the topologies replace."),
        topologies: str | None = typer.Option(
            None, "--topologies", "-t",
            help="Comma-separated topology names (the NoI for 2.5D, the NoC otherwise); "
            "default: mesh,kite_small,butterdonut,hexamesh,swap,floret (2.5D), "
            "mesh,torus (2D), mesh3d,sfc3d (3D)."),
        placements: str = typer.Option(
            "both", "--placements",
            help="natural: each topology's own placement; same: one shared placement; both."),
        same_placement: str = typer.Option(
            DEFAULT_SAME_PLACEMENT, "--same-placement",
            help="The placement every topology shares in the 'same' rows."),
        engine: str | None = typer.Option(
            None, "--engine", help="Network engine (analytical, event); default: the file's."),
        load: float | None = typer.Option(
            None, "--load", help="Run every design at this fraction (0-1] of the slowest "
            "one's maximum throughput: latency at an equal offered rate."),
        as_json: bool = typer.Option(False, "--json", help="Print the rows as a JSON list."),
        plot: Path | None = typer.Option(
            None, "--plot", help="Write a grouped bar chart normalised to mesh (PNG)."),
    ) -> None:
        """Compare topologies on one design: latency, throughput, energy, EDP, links, wire."""
        from pimnoc.config import load_run
        from pimnoc.experiments.compare import compare as run_compare
        from pimnoc.experiments.compare import default_topologies, plan

        spec = load_run(config)
        if plot is not None:
            from pimnoc.result import check_output_file

            plot = check_output_file(plot, "--plot", "compare.png")
        names = topologies.split(",") if topologies is not None else default_topologies(spec)
        points = plan(spec, names, placements, same_placement)  # type: ignore[arg-type]
        console = Console(stderr=True)
        if len(points) >= PROGRESS_MIN_ROWS and not as_json:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as bar:
                task = bar.add_task("comparing", total=len(points))

                def progress(done: int, total: int, what: str) -> None:
                    bar.update(task, completed=done, total=total, description=f"comparing {what}")

                rows = run_compare(spec, names, placements, same_placement,  # type: ignore[arg-type]
                                   engine, progress, load)
        else:
            rows = run_compare(spec, names, placements, same_placement,  # type: ignore[arg-type]
                               engine, load=load)
        if plot is not None:
            from pimnoc.report.experiments import compare_plot

            compare_plot(rows, plot, baseline_row(rows), title=config.stem)
        if as_json:
            print(json.dumps([row.to_dict() for row in rows]))
            return
        out = stdout_console()
        print_table(compare_table(rows, f"pimnoc compare: {config.name}"), out)
        if plot is not None:
            out.print(f"figure: {plot}")
