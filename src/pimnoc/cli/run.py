"""`pimnoc run`: evaluate one design point, print its summary, write its files.

The work is `cli/run_design.py`'s, which `cli/entry.py` also calls without typer.
"""

from __future__ import annotations

from pathlib import Path

import typer


def run(
    config: Path = typer.Argument(..., help="Run YAML (workload, design, mapping, simulation)."),
    output: str | None = typer.Option(None, "-o", "--output", help="Write the full result JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Directory for PNG figures."),
    as_json: bool = typer.Option(False, "--json", help="Print the result JSON to stdout."),
    trace: str | None = typer.Option(None, "--trace", help="Write a Chrome/Perfetto trace "
                                      "(JSON) of an event-engine run."),
) -> None:
    """Evaluate one design point and print a summary."""
    from pimnoc.cli.run_design import run_design

    run_design(config, output, plot, as_json, trace)


def register(app: typer.Typer) -> None:
    """Add `run` to the command line."""
    app.command()(run)
