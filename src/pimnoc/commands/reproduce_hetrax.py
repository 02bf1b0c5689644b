"""`pimnoc reproduce hetrax`: ReRAM-only vs heterogeneous (digital + ReRAM) transformer PIM."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from pimnoc.tables import print_table, stdout_console


def hetrax_table(report) -> Table:
    """A rich table of every row, with the published maxima in the title."""
    published = report.published
    table = Table(title=f"HeTraX: ReRAM-only (R) / heterogeneous (H); published max "
                        f"{published['speedup']}x speedup, {published['edp_improvement']}x EDP")
    for column in ("design", "workload", "speedup", "thrpt", "energy", "EDP", "ms R/H",
                   "bound R/H"):
        table.add_column(column, justify="left" if column in ("design", "workload")
                         else "right")
    short = {"compute": "comp", "network": "net"}
    for r in report.rows:
        table.add_row(
            r.integration, r.workload, f"{r.speedup:.2f}x", f"{r.throughput_ratio:.2f}x",
            f"{r.energy_ratio:.2f}x", f"{r.edp_improvement:.2f}x",
            f"{r.reram['latency_s'] * 1e3:.3g}/{r.hetero['latency_s'] * 1e3:.3g}",
            f"{short[r.reram['bottleneck']]}/{short[r.hetero['bottleneck']]}")
    return table


def hetrax(
    quick: bool = typer.Option(False, "--quick", help="Three workloads instead of five."),
    out: Path = typer.Option(Path("reproduce_hetrax"), "--out", help="Folder for figure+JSON."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of the table."),
) -> None:
    """HeTraX (ISLPED 2024): attention on digital PEs, weights in ReRAM, vs ReRAM only."""
    from pimnoc.commands.reproduce import run_experiment
    from pimnoc.experiments.hetrax import hetrax_figure, reproduce_hetrax

    outcome = run_experiment(lambda progress: reproduce_hetrax(quick=quick, progress=progress),
                             as_json, out, "hetrax",
                             lambda report, folder: hetrax_figure(report, folder / "hetrax.png"))
    if outcome is None:
        return
    report, data, figure = outcome
    console = stdout_console()
    print_table(hetrax_table(report), console)
    best = data["best"]
    console.print(f"pimnoc best: {best['speedup']:.2f}x speedup, {best['edp_improvement']:.2f}x "
                  f"EDP; published (HeTraX): up to {report.published['speedup']}x and "
                  f"{report.published['edp_improvement']}x")
    for skip in report.skipped:
        console.print(f"skipped {skip['integration']} {skip['workload']}: {skip['reason']}")
    console.print("differences from the published setup:")
    for line in report.differences:
        console.print(f"  - {line}")
    console.print(f"{2 * len(report.rows)} evaluations in {report.wall_s:.1f} s; written: "
                  f"{out / 'hetrax.json'}, {figure}")


def register(app: typer.Typer) -> None:
    """Attach `hetrax` to the `reproduce` sub-app (pimnoc.commands.reproduce)."""
    from pimnoc.commands.reproduce import reproduce_app

    if "hetrax" not in {c.name for c in reproduce_app.registered_commands}:
        reproduce_app.command("hetrax")(hetrax)
