"""`pimnoc reproduce hetrax`: ReRAM-only vs heterogeneous (digital + ReRAM) transformer PIM."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pimnoc.cli.tables import print_table


def _size(design: dict) -> str:
    if not design:
        return "-"
    if design.get("integration") == "2.5d":
        return f"{design['chiplets']['rows']}x{design['chiplets']['cols']} chiplets"
    return f"{design.get('tiers')} tiers"


def hetrax_table(report) -> Table:
    """A rich table of every row, with the published maxima in the title."""
    published = report.published
    table = Table(title=f"HeTraX: ReRAM-only (R) / heterogeneous (H); published max "
                        f"{published['speedup']}x speedup, {published['edp_improvement']}x EDP")
    table.caption = ("R: pimnoc's own ReRAM-only design with the same ReRAM PEs (iso-ReRAM); "
                     "R=A: ReRAM-only grown to H's area (iso-area); not the accelerators "
                     "HeTraX compares with")
    for column in ("design", "workload", "speedup", "thrpt", "energy", "EDP", "ms R/H",
                   "bound R/H", "speedup R=A", "EDP R=A", "R=A size"):
        table.add_column(column, justify="left" if column in ("design", "workload")
                         else "right")
    short = {"compute": "comp", "network": "net"}
    for r in report.rows:
        table.add_row(
            r.integration, r.workload, f"{r.speedup:.2f}x", f"{r.throughput_ratio:.2f}x",
            f"{r.energy_ratio:.2f}x", f"{r.edp_improvement:.2f}x",
            f"{r.reram['latency_s'] * 1e3:.3g}/{r.hetero['latency_s'] * 1e3:.3g}",
            f"{short[r.reram['bottleneck']]}/{short[r.hetero['bottleneck']]}",
            f"{r.iso_area_speedup:.2f}x", f"{r.iso_area_edp_improvement:.2f}x",
            _size(r.iso_area_design))
    return table


def hetrax(
    quick: bool = typer.Option(False, "--quick", help="Three workloads instead of five."),
    out: Path = typer.Option(Path("reproduce_hetrax"), "--out", help="Folder for figure+JSON."),
    engine: str = typer.Option("event", "--engine", help="Network engine (simulation.engine); "
                               "the analytical figures are reported beside the event ones."),
    granularity: str | None = typer.Option(None, "--granularity", help="Event engine tasks: "
                                           "rows (full run) or layer (--quick)."),
    batch: int = typer.Option(4, "--batch", help="Event engine: inferences in the stream, all "
                              "arriving at t = 0."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of the table."),
) -> None:
    """HeTraX (ISLPED 2024): attention on digital PEs, weights in ReRAM, vs ReRAM only."""
    from pimnoc.cli.reproduce import run_experiment
    from pimnoc.experiments.hetrax import reproduce_hetrax
    from pimnoc.report.experiments import hetrax_figure

    outcome = run_experiment(lambda progress: reproduce_hetrax(
        quick=quick, progress=progress, engine=engine, granularity=granularity, batch=batch),
                             as_json, out, "hetrax",
                             lambda report, folder: hetrax_figure(report, folder / "hetrax.png"))
    if outcome is None:
        return
    report, data, figure = outcome
    from pimnoc.cli.reproduce_paper import engine_table, paper_vs_system_table, published_lines
    from pimnoc.experiments.tables import engine_note

    console = Console(width=max(Console().width, 170))  # the tables need 170 columns
    console.print(f"[bold]{data['baseline']}[/]")
    console.print(paper_vs_system_table(
        data["table_summary"]["all"], "HeTraX: heterogeneous vs pimnoc's own ReRAM-only "
        "designs: the paper's quantity (system) beside the network's", "noc", "hetero",
        group="group"))
    table = engine_table(data["table_summary"]["all"], "HeTraX: event engine under the "
                         "workload beside the analytical engine", "hetero", engine_note(data),
                         group="group")
    if table is not None:
        console.print(table)
    for line in published_lines(data["published_figures"]):
        console.print(line)
    print_table(hetrax_table(report), console)
    best = data["best"]
    console.print(f"pimnoc best: {best['speedup']:.2f}x speedup, {best['edp_improvement']:.2f}x "
                  f"EDP (iso-ReRAM), {best['iso_area_speedup']:.2f}x and "
                  f"{best['iso_area_edp_improvement']:.2f}x (iso-area), against pimnoc's own "
                  f"ReRAM-only design; published (HeTraX, against prior accelerators): up to "
                  f"{report.published['speedup']}x and {report.published['edp_improvement']}x")
    for skip in report.skipped:
        console.print(f"skipped {skip['integration']} {skip['workload']}: {skip['reason']}")
    console.print("differences from the published setup:")
    for line in report.differences:
        console.print(f"  - {line}")
    console.print(f"{3 * len(report.rows)} evaluations in {report.wall_s:.1f} s; written: "
                  f"{out / 'hetrax.json'}, {figure}")


def register(app: typer.Typer) -> None:
    """Attach `hetrax` to the `reproduce` sub-app (pimnoc.cli.reproduce)."""
    from pimnoc.cli.reproduce import reproduce_app

    if "hetrax" not in {c.name for c in reproduce_app.registered_commands}:
        reproduce_app.command("hetrax")(hetrax)
