"""`pimnoc report`: a self-contained HTML report of one design point."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the `report` command."""

    @app.command()
    def report(
        config: Path = typer.Argument(..., help="Run YAML to evaluate."),
        output: str = typer.Option("report.html", "-o", "--output",
                                   help="HTML file to write."),
    ) -> None:
        """Evaluate a design and write an HTML report with its figures and tables."""
        from pimnoc.config import load_run
        from pimnoc.evaluate import evaluate_full
        from pimnoc.report.html import write_html
        from pimnoc.result import check_output_file

        spec = load_run(config)
        target = check_output_file(output, "-o/--output", "report.html")
        from pimnoc.cli.progress import print_warnings, stage_progress

        with stage_progress(f"evaluating {config.name}") as progress:
            evaluation = evaluate_full(spec, progress=progress)
        print_warnings(evaluation.result)
        path = write_html(evaluation, target, f"pimnoc report: {config.name}",
                          config.read_text())
        typer.echo(f"report written to {path}")
