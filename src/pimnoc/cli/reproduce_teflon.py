"""`pimnoc reproduce teflon`: SFC 3D NoC vs 3D mesh, thermally aware vs performance-only."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:+.1%}"


def teflon_table(report) -> Table:
    """One line per point: EDP vs the 3D mesh (both rows); peak T and accuracy vs perf."""
    published = report.published
    table = Table(title="TEFLON reproduction: SFC 3D NoC (sfc3d) vs 3D mesh with a row-major "
                        "placement (paper's baseline) and with the same placement, and "
                        "thermally aware (thermal) vs performance-only (perf) SFC design",
                  header_style="bold")
    for column in ("cores", "workload", "via", "NoC EDP vs rm", "EDP vs rm", "paper",
                   "NoC EDP vs same", "EDP vs same", "peak T p/t (K)", "dT (iso)", "paper dT",
                   "acc p/t", "d acc", "paper d acc", "EDP cost"):
        table.add_column(column, justify="left" if column in ("workload", "via") else "right",
                         no_wrap=True)
    rows = {(r.cores, r.workload, r.vertical, r.design): r for r in report.rows}
    at = exp_paper_cores()
    for c in report.comparisons:
        key = (c["cores"], c["workload"], c["vertical"])
        perf, thermal = rows.get((*key, "perf")), rows.get((*key, "thermal"))
        paper = published["edp_change_vs_mesh3d"].get(c["cores"], float("nan"))
        claim = c["cores"] == at
        table.add_row(
            str(c["cores"]), c["workload"], c["vertical"],
            _pct(c.get("net_edp_change_vs_row_major", math.nan)),
            _pct(c.get("edp_change_vs_row_major", math.nan)), _pct(paper),
            _pct(c.get("net_edp_change", math.nan)),
            _pct(c.get("edp_change", math.nan)),
            f"{perf.peak_temperature_k:.1f}/{thermal.peak_temperature_k:.1f}"
            if perf and thermal else "-",
            f"{c.get('peak_temperature_change_k', math.nan):+.1f} "
            f"({c.get('peak_temperature_change_iso_k', math.nan):+.1f})"
            if "peak_temperature_change_k" in c else "-",
            f"{published['peak_temperature_change_k']:+.0f}" if claim else "-",
            f"{perf.accuracy:.1%}/{thermal.accuracy:.1%}" if perf and thermal else "-",
            f"{c.get('accuracy_change', math.nan) * 100:+.1f} pt"
            if "accuracy_change" in c else "-",
            f"<= +{published['accuracy_gain_max'] * 100:.0f} pt" if claim else "-",
            _pct(c.get("edp_cost", math.nan)))
    edp = ", ".join(f"{v:+.0%}" for v in published["edp_change_vs_mesh3d"].values())
    table.caption = (f"paper: EDP {edp} (36/64/100 cores) vs a conventional 3D mesh; peak T "
                     f"{published['peak_temperature_change_k']:+.0f} K and accuracy up to "
                     f"+{published['accuracy_gain_max']:.0%} at {at} cores vs performance-only. "
                     "NoC EDP = network energy x mean packet latency; rm: row-major placement; "
                     "same: the SFC placement; dT (iso): thermal's peak at perf's throughput; "
                     "EDP cost = thermal vs perf")
    return table


def exp_paper_cores() -> int:
    """The core count of TEFLON's temperature and accuracy claim."""
    from pimnoc.experiments.teflon import PAPER_TEMPERATURE

    return int(PAPER_TEMPERATURE["cores"])


def teflon(
    quick: bool = typer.Option(False, "--quick",
                               help="ResNet-18, monolithic (MIV) only, fewer accuracy trials."),
    out: Path = typer.Option(Path("reproduce_teflon"), "--out", help="Folder for figures+JSON."),
    sizes: str | None = typer.Option(None, "--sizes", help="Core counts, e.g. 36,64,100."),
    engine: str = typer.Option("event", "--engine", help="Network engine (simulation.engine); "
                               "the analytical figures are reported beside the event ones."),
    granularity: str | None = typer.Option(None, "--granularity",
                                           help="Event engine tasks: rows or layer."),
    batch: int | None = typer.Option(None, "--batch", help="Event engine: inferences in the "
                                     "stream, all arriving at t = 0 (default 4)."),
    accuracy_trials: int | None = typer.Option(None, "--accuracy-trials", help="Monte-Carlo "
                                               "chips per accuracy estimate (full run: 20)."),
    thermal_sizes: str | None = typer.Option(None, "--thermal-sizes", help="Core counts of "
                                             "the thermally aware pair (default: every size; "
                                             "--quick: 100)."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of the table."),
) -> None:
    """TEFLON (ACM TECS 2024): EDP vs 3D mesh; temperature and accuracy vs performance-only."""
    from pimnoc.cli.reproduce import parse_ints, run_experiment, wide_console
    from pimnoc.experiments import teflon as exp
    from pimnoc.report.thermal_plots import teflon_figures

    options = dict(exp.QUICK if quick else exp.FULL)
    if sizes is not None:
        options["sizes"] = parse_ints("--sizes", sizes, "36,64,100")
        if quick and options["sizes"]:  # the thermally aware pair at the largest size given
            options["thermal_sizes"] = (max(options["sizes"]),)
    options["engine"] = engine
    if accuracy_trials is not None:
        options["accuracy_trials"] = accuracy_trials
    if thermal_sizes is not None:
        options["thermal_sizes"] = parse_ints("--thermal-sizes", thermal_sizes, "100")
    if granularity is not None:
        options["granularity"] = granularity
    if batch is not None:
        options["batch"] = batch
    outcome = run_experiment(lambda progress: exp.reproduce_teflon(progress=progress, **options),
                             as_json, out, "teflon", teflon_figures)
    if outcome is None:
        return
    report, data, figures = outcome
    from pimnoc.cli.reproduce_paper import engine_table, paper_vs_system_table
    from pimnoc.experiments.tables import engine_note

    console = wide_console()
    console.print(paper_vs_system_table(
        data["table_summary"]["all"], "TEFLON: sfc3d vs each 3D mesh row (per core count): the "
        "paper's quantity (NoC) beside the full system's", "noc", "sfc3d", group="group"))
    table = engine_table(data["table_summary"]["all"], "TEFLON: event engine under the "
                         "workload beside the analytical engine", "sfc3d", engine_note(data),
                         group="group")
    if table is not None:
        console.print(table)
    for line in (f"published EDP ({exp.PAPER[36]['net_edp_js'].source}): "
                 f"{exp.PAPER[36]['net_edp_js'].sentence}",
                 f"  inferred: {exp.PAPER[36]['net_edp_js'].inferred}",
                 f"published temperature/accuracy: {exp.PAPER_TEMPERATURE['sentence']}",
                 f"  inferred: {exp.PAPER_TEMPERATURE['inferred']}"):
        console.print(line)
    console.print(teflon_table(report))
    for skip in report.skipped:
        console.print(f"skipped {skip['cores']} cores {skip['workload']} {skip['vertical']}: "
                      f"{skip['reason']}")
    console.print("differences from the published setup:")
    for line in report.differences:
        console.print(f"  - {line}")
    console.print(f"{len(report.rows)} evaluations in {report.wall_s:.1f} s; written: "
                  + ", ".join(str(p) for p in [out / "teflon.json", *figures]))


def register(app: typer.Typer) -> None:
    """Attach `teflon` to the `reproduce` sub-app (pimnoc.cli.reproduce)."""
    from pimnoc.cli.reproduce import reproduce_app

    if "teflon" not in {c.name for c in reproduce_app.registered_commands}:
        reproduce_app.command("teflon")(teflon)
