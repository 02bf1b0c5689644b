"""`pimnoc reproduce teflon`: SFC 3D NoC vs 3D mesh, thermally aware vs performance-only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.table import Table


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:+.1%}"


def teflon_table(report) -> Table:
    """One line per point: EDP vs 3D mesh; peak T, accuracy and cost vs performance-only."""
    published = report.published
    table = Table(title="TEFLON reproduction: SFC 3D NoC (sfc3d) vs 3D mesh, and thermally "
                        "aware (thermal) vs performance-only (perf) SFC design",
                  header_style="bold")
    for column in ("cores", "workload", "via", "EDP vs mesh", "paper", "NoC EDP",
                   "peak T perf/thermal (K)", "dT (iso)", "paper dT", "accuracy perf/thermal",
                   "d acc", "EDP cost", "lat cost"):
        table.add_column(column, justify="left" if column in ("workload", "via") else "right",
                         no_wrap=True)
    rows = {(r.cores, r.workload, r.vertical, r.design): r for r in report.rows}
    for c in report.comparisons:
        key = (c["cores"], c["workload"], c["vertical"])
        perf, thermal = rows.get((*key, "perf")), rows.get((*key, "thermal"))
        paper = published["edp_change_vs_mesh3d"].get(c["cores"], float("nan"))
        table.add_row(
            str(c["cores"]), c["workload"], c["vertical"], _pct(c.get("edp_change", np.nan)),
            _pct(paper), _pct(c.get("noc_edp_change", np.nan)),
            f"{perf.peak_temperature_k:.1f} / {thermal.peak_temperature_k:.1f}"
            if perf and thermal else "-",
            f"{c.get('peak_temperature_change_k', np.nan):+.1f} "
            f"({c.get('peak_temperature_change_iso_k', np.nan):+.1f})",
            f"{published['peak_temperature_change_k']:+.0f}",
            f"{perf.accuracy:.1%} / {thermal.accuracy:.1%}" if perf and thermal else "-",
            f"{c.get('accuracy_change', np.nan) * 100:+.1f} pt",
            _pct(c.get("edp_cost", np.nan)), _pct(c.get("latency_cost", np.nan)))
    edp = ", ".join(f"{v:+.0%}" for v in published["edp_change_vs_mesh3d"].values())
    table.caption = (f"paper: EDP {edp} (36/64/100 cores); peak T "
                     f"{published['peak_temperature_change_k']:+.0f} K; accuracy up to "
                     f"+{published['accuracy_gain_max']:.0%}. NoC EDP = network energy x mean "
                     "flow latency; dT (iso): thermal's peak at perf's throughput; "
                     "cost = thermal vs perf")
    return table


def teflon(
    quick: bool = typer.Option(False, "--quick",
                               help="ResNet-18, monolithic (MIV) only, fewer accuracy trials."),
    out: Path = typer.Option(Path("reproduce_teflon"), "--out", help="Folder for figures+JSON."),
    sizes: str | None = typer.Option(None, "--sizes", help="Core counts, e.g. 36,64,100."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of the table."),
) -> None:
    """TEFLON (ACM TECS 2024): EDP vs 3D mesh; temperature and accuracy vs performance-only."""
    from pimnoc.commands.reproduce import parse_ints, run_experiment, wide_console
    from pimnoc.experiments import teflon as exp
    from pimnoc.report.thermal_plots import teflon_figures
    from pimnoc.tables import print_table

    options = dict(exp.QUICK if quick else exp.FULL)
    if sizes is not None:
        options["sizes"] = parse_ints("--sizes", sizes, "36,64,100")
    outcome = run_experiment(lambda progress: exp.reproduce_teflon(progress=progress, **options),
                             as_json, out, "teflon", teflon_figures)
    if outcome is None:
        return
    report, data, figures = outcome
    console = wide_console()
    print_table(teflon_table(report), console)
    for skip in report.skipped:
        console.print(f"skipped {skip['cores']} cores {skip['workload']} {skip['vertical']}: "
                      f"{skip['reason']}")
    console.print("differences from the published setup:")
    for line in report.differences:
        console.print(f"  - {line}")
    console.print(f"{len(report.rows)} evaluations in {report.wall_s:.1f} s; written: "
                  + ", ".join(str(p) for p in [out / "teflon.json", *figures]))


def register(app: typer.Typer) -> None:
    """Attach `teflon` to the `reproduce` sub-app (pimnoc.commands.reproduce)."""
    from pimnoc.commands.reproduce import reproduce_app

    if "teflon" not in {c.name for c in reproduce_app.registered_commands}:
        reproduce_app.command("teflon")(teflon)
