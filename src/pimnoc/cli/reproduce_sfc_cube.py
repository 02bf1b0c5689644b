"""`pimnoc reproduce sfc-cube`: k-ary n-cube NoIs degenerated into SFCs around defects."""

from __future__ import annotations

from pathlib import Path

import typer


def _floats(flag: str, text: str) -> tuple[float, ...]:
    from pimnoc.errors import ConfigError

    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{flag}: '{text}' is not a list of numbers like 0.05,0.1") from None


def sfc_cube(
    quick: bool = typer.Option(False, "--quick", help="6x6 only, two rates, two seeds, one mix."),
    out: Path = typer.Option(Path("reproduce_sfc_cube"), "--out", help="Folder for the JSON."),
    sides: str | None = typer.Option(None, "--sides", help="Chiplets per side, e.g. 6,8."),
    parents: str | None = typer.Option(None, "--parents", help="e.g. mesh,torus,folded_torus"),
    chiplet_rates: str | None = typer.Option(
        None, "--chiplet-rates", help="Chiplet defect rates (1 - yield), e.g. 0.1,0.2."),
    link_rates: str | None = typer.Option(None, "--link-rates", help="Link defect rates."),
    seeds: int | None = typer.Option(None, "--seeds", help="Defect patterns per rate."),
    system_seeds: int | None = typer.Option(None, "--system-seeds", help="Evaluate the whole "
                                            "systems for the first N seeds (default 1)."),
    granularity: str | None = typer.Option(None, "--granularity", help="Event engine tasks "
                                           "of the system runs: layer (default) or rows."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of tables."),
) -> None:
    """SFC-degenerated k-ary n-cube vs its parent around the same defects (IEEE TCAD 2024)."""
    from pimnoc.cli.reproduce import parse_ints, run_experiment, wide_console
    from pimnoc.cli.reproduce_paper import paper_vs_system_table, published_lines
    from pimnoc.experiments import sfc_defects as exp

    options = dict(exp.QUICK if quick else exp.FULL)
    if sides is not None:
        options["sides"] = parse_ints("--sides", sides, "6,8")
    if parents is not None:
        options["parents"] = tuple(p.strip() for p in parents.split(",") if p.strip())
    if chiplet_rates is not None:
        options["chiplet_rates"] = _floats("--chiplet-rates", chiplet_rates)
    if link_rates is not None:
        options["link_rates"] = _floats("--link-rates", link_rates)
    if seeds is not None:
        options["seeds"] = tuple(range(seeds))
    if system_seeds is not None:
        options["system_seeds"] = tuple(range(system_seeds))
    if granularity is not None:
        options["granularity"] = granularity
    outcome = run_experiment(lambda progress: exp.reproduce_sfc_cube(progress=progress,
                                                                     **options),
                             as_json, out, "sfc_cube", lambda report, folder: [])
    if outcome is None:
        return
    report, data, _ = outcome
    console = wide_console()
    console.print(paper_vs_system_table(
        data["table_summary"]["all"], "SFC-degenerated k-ary n-cube vs its parent around the "
        "same defects: the paper's quantity (NoI model, every case); system columns: the "
        "cases run as whole systems", "noi", "sfc", group="group"))
    from rich.table import Table

    from pimnoc.experiments.tables import SFC_SYSTEM_COLUMNS, engine_note, sfc_system_rows

    system = sfc_system_rows(data)
    if system:
        table = Table(title="Whole systems around the same defects (defective chiplets hold "
                      "no work): sfc / parent - 1, best (mean)", header_style="bold",
                      caption=f"throughput: positive = sfc faster; {engine_note(data)}")
        table.add_column("parent", no_wrap=True)
        table.add_column("cases", justify="right")
        for _key, name in SFC_SYSTEM_COLUMNS:
            table.add_column(name, justify="right")
        for group, count, cells in system:
            table.add_row(group, str(count), *cells)
        console.print(table)
    for line in published_lines(data["published"]):
        console.print(line)
    links = {}
    for row in report.table:
        links.setdefault(row["group"], []).append((row["links"]["design"],
                                                   row["links"]["baseline"]))
    for group, pairs in links.items():
        sfc, parent = zip(*pairs, strict=True)
        console.print(f"{group}: links sfc {min(sfc)}-{max(sfc)} vs parent "
                      f"{min(parent)}-{max(parent)} over {len(pairs)} defect patterns")
    for skip in report.skipped:
        console.print(f"skipped {skip['side']}x{skip['side']} {skip['parent']} "
                      f"{skip['chiplet_rate']}/{skip['link_rate']} seed {skip['seed']}: "
                      f"{skip['reason']}")
    console.print(f"{len(report.cases)} cases in {report.wall_s:.1f} s; written: "
                  f"{out / 'sfc_cube.json'}")


def register(app: typer.Typer) -> None:
    """Attach `sfc-cube` to the `reproduce` sub-app (pimnoc.cli.reproduce)."""
    from pimnoc.cli.reproduce import reproduce_app

    if "sfc-cube" not in {c.name for c in reproduce_app.registered_commands}:
        reproduce_app.command("sfc-cube")(sfc_cube)
