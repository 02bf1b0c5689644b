"""`pimnoc pareto results.db --objectives ...` and `pimnoc export results.db -o points.csv`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from pimnoc.cli.tables import print_table, stdout_console


def pareto(
    store_path: Path = typer.Argument(..., help="Result store written by `pimnoc sweep`."),
    objectives: str = typer.Option("latency_s,energy_j", "--objectives",
                                   help="Comma-separated figures, each optionally :min or "
                                        ":max (e.g. latency_s,energy_j,area_mm2)."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG: 2D scatter with the "
                                                          "front, or parallel coordinates."),
    as_json: bool = typer.Option(False, "--json", help="Print the front as JSON."),
    include_infeasible: bool = typer.Option(False, "--include-infeasible",
                                            help="Also consider points that break a "
                                                 "metric constraint."),
) -> None:
    """Print (and plot) the Pareto front of the stored design points."""
    from pimnoc.dse.results import load_front, parse_objectives
    from pimnoc.dse.store import Store
    from pimnoc.errors import PimnocError

    chosen = parse_objectives(objectives)
    if plot is not None:
        from pimnoc.result import check_output_file

        plot = check_output_file(plot, "--plot", "front.png")
    with Store(store_path, create=False) as store:
        front = load_front(store, chosen, include_infeasible)
    if not front.rows:
        raise PimnocError(f"{store_path}: no evaluated point has finite "
                          f"{', '.join(o.name for o in chosen)} ({front.skipped_text()})")
    written = None
    if plot is not None:
        from pimnoc.report.pareto import plot_front

        written = plot_front(front, plot)
    best = front.front_rows()
    if as_json:
        print(json.dumps([{"id": row["id"], "config_hash": row["config_hash"],
                           "params": row["params"],
                           "objectives": {o.name: float(v) for o, v in
                                          zip(chosen, values, strict=True)}}
                          for row, values in best]))
        return
    console = stdout_console()
    goals = ", ".join(f"{o.direction} {o.name}" for o in chosen)
    table = Table(title=f"Pareto front ({goals}): {len(best)} of {len(front.rows)} points",
                  header_style="bold")
    table.add_column("id", justify="right")
    names = list(dict.fromkeys(k for row, _ in best for k in row["params"]))
    for name in names:
        header = _short(name, names)
        table.add_column(header, min_width=min(len(header), 12))
    for o in chosen:
        table.add_column(o.name, justify="right", no_wrap=True)
    for row, values in best:
        table.add_row(str(row["id"]), *(str(row["params"].get(n, "")) for n in names),
                      *(f"{v:.5g}" for v in values))
    print_table(table, console)
    if front.skipped:
        console.print(front.skipped_text())
    if written is not None:
        console.print(f"plot: {written}")


def _short(name: str, names: list[str]) -> str:
    """The shortest dotted suffix of `name` that no other name ends with."""
    parts = name.split(".")
    for k in range(1, len(parts) + 1):
        tail = ".".join(parts[-k:])
        if not any(other != name and other.endswith(tail) for other in names):
            return tail
    return name


def export(
    store_path: Path = typer.Argument(..., help="Result store written by `pimnoc sweep`."),
    output: str = typer.Option(..., "-o", "--output", help="CSV file to write."),
) -> None:
    """Write every stored point (params, status, scalar figures) as CSV."""
    from pimnoc.dse.results import export_csv
    from pimnoc.dse.store import Store
    from pimnoc.result import check_output_file

    target = check_output_file(output, "-o/--output", "points.csv")
    with Store(store_path, create=False) as store:
        count = export_csv(store, target)
    print(f"{count} points written to {target}")


def register(app: typer.Typer) -> None:
    """Add `pareto` and `export` to the CLI."""
    app.command("pareto")(pareto)
    app.command("export")(export)
