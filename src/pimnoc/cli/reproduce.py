"""`pimnoc reproduce ...`: re-run published comparisons and print them beside the paper's figures.

Other modules add their own reproductions to the `reproduce_app` sub-app:

    from pimnoc.cli.reproduce import reproduce_app

    @reproduce_app.command("teflon")
    def teflon(...): ...
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pimnoc.cli.tables import print_table
from pimnoc.errors import ConfigError

reproduce_app = typer.Typer(
    no_args_is_help=True,
    help="Reproduce published results (figures and a JSON of the numbers in --out).",
)


def register(app: typer.Typer) -> None:
    """Add the `reproduce` sub-app to the CLI."""
    app.add_typer(reproduce_app, name="reproduce")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[int, int, str], None]]:
    """A transient rich progress bar on stderr, as a `progress(done, total, what)` callback."""
    if not enabled:
        yield lambda done, total, what: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what[:60])

        yield update


def run_experiment(run: Callable, as_json: bool, out: Path, stem: str, draw: Callable):
    """Run an experiment under a progress bar and write `stem`.json and its figures to `out`.

    Returns (report, data, figures) for the caller's tables, or None once `--json` printed
    the data.
    """
    from pimnoc.result import check_output_dir, write_json_atomic

    check_output_dir(out, "--out")
    with progress_bar(not as_json) as progress:
        report = run(progress)
    data = report.to_dict()
    write_json_atomic(data, out / f"{stem}.json")
    figures = draw(report, out)
    if as_json:
        print(json.dumps(data))
        return None
    return report, data, figures


def parse_ints(flag: str, text: str, example: str) -> tuple[int, ...]:
    """A comma-separated list of integers from a command-line flag."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{flag}: '{text}' is not a list of integers like {example}") from None


def wide_console() -> Console:
    """The stdout console; as wide as the tables need when writing to a file or a pipe."""
    from pimnoc.cli.tables import stdout_console

    return stdout_console()


def _pct(value: float) -> str:
    return f"{value:+.1%}" if value == value else "n/a"


def floret_tables(report) -> list[Table]:
    """Rich tables of a Floret reproduction: relative figures, network share, fabrication."""
    tables = []
    for kind, caption in (("natural", "Floret on its curves (sfc) vs each NoI with its natural "
                           "placement"),
                          ("same", "every NoI with the same placement (hilbert)")):
        first = report.summary.get("interface")
        entries = [e for e in report.relative if e["placements"] == kind
                   and e.get("interface") == first]
        if not entries:
            continue
        baselines = list(dict.fromkeys(e["baseline"] for e in entries))
        for metrics, what in ((("latency_s", "energy_j"), "latency / energy"),
                              (("network_latency_s", "network_energy_j"),
                               "network latency / network energy")):
            table = Table(title=f"Floret {what} relative to each NoI ({kind} placements, "
                          f"{first})",
                          caption=caption, header_style="bold")
            table.add_column("chiplets", justify="right", no_wrap=True)
            table.add_column("mix", no_wrap=True)
            for name in baselines:
                table.add_column(f"vs {name}", justify="right", no_wrap=True)
            cases = list(dict.fromkeys((e["chiplets"], e["mix"]) for e in entries))
            for chiplets, mix in cases:
                cells = []
                for name in baselines:
                    e = next((x for x in entries if x["baseline"] == name
                              and (x["chiplets"], x["mix"]) == (chiplets, mix)), None)
                    cells.append("-" if e is None else
                                 f"{_pct(e[metrics[0]])} / {_pct(e[metrics[1]])}")
                table.add_row(str(chiplets), mix, *cells)
            per = report.summary[kind]["per_baseline"]
            for stat, label in (("best", "up to"), ("mean", "mean")):
                cells = [f"{_pct(per[n][metrics[0]][stat])} / {_pct(per[n][metrics[1]][stat])}"
                         if n in per and metrics[0] in per[n] else "-" for n in baselines]
                table.add_row("", f"[bold]{label}[/]", *cells)
            tables.append(table)
    if report.summary.get("orders"):
        tables.append(orders_table(report.summary["orders"]))
    fab = report.summary["fabrication"]
    table = Table(title="Fabrication cost proxies of each NoI: links / wire (mm)",
                  header_style="bold")
    table.add_column("topology", no_wrap=True)
    sizes = sorted({r["chiplets"] for r in fab})
    for size in sizes:
        table.add_column(f"{size} chiplets", justify="right", no_wrap=True)
    for name in dict.fromkeys(r["topology"] for r in fab):
        cells = []
        for size in sizes:
            r = next((x for x in fab if x["topology"] == name and x["chiplets"] == size), None)
            cells.append("-" if r is None else
                         f"{r['noi_links']} / {r['noi_wire_length_mm']:,.0f}")
        table.add_row(name, *cells)
    tables.append(table)
    return tables


def orders_table(summary) -> Table:
    """Floret (sfc) vs the mesh (row_major) over several orders of each mix's networks."""
    table = Table(title="Floret (sfc) vs mesh (row_major) over orders of each mix's networks",
                  header_style="bold")
    for column in ("chiplets", "mix", "orders", "latency mean [min, max]", "lower/tie/higher",
                   "energy mean [min, max]", "lower/tie/higher "):
        table.add_column(column, justify="right", no_wrap=True)
    for e in summary:
        cells = [str(e["chiplets"]), e["mix"], str(e["orders"])]
        for metric in ("latency_change", "energy_change"):
            m = e[metric]
            cells += [f"{_pct(m['mean'])} [{_pct(m['min'])}, {_pct(m['max'])}]",
                      f"{m['floret_lower']}/{m['tied']}/{m['floret_higher']}"]
        table.add_row(*cells)
    table.caption = "Floret / mesh - 1; within ±0.1 % counts as a tie"
    return table


@reproduce_app.command("floret")
def floret(
    quick: bool = typer.Option(False, "--quick", help="A small subset (36 chiplets, one mix)."),
    out: Path = typer.Option(Path("reproduce_floret"), "--out", help="Folder for figures+JSON."),
    sizes: str | None = typer.Option(None, "--sizes",
                                     help="Chiplets per side, e.g. 6,8,10 (36, 64, 100)."),
    mixes: str | None = typer.Option(None, "--mixes", help="Mix names (see the JSON config)."),
    multicast: bool = typer.Option(False, "--multicast",
                                   help="Routers of every design multicast (one copy per link)."),
    orders: int = typer.Option(0, "--orders", help="Also compare Floret with the mesh under "
                               "this many orders of each mix's networks (0: off)."),
    load: float | None = typer.Option(None, "--load", help="Run the designs of each case at "
                                      "this fraction (0-1] of the slowest one's maximum "
                                      "throughput (default: each at its own maximum)."),
    engine: str = typer.Option("event", "--engine",
                               help="Network engine of every design (simulation.engine); "
                               "the analytical figures are reported beside the event ones."),
    granularity: str | None = typer.Option(None, "--granularity", help="Event engine tasks: "
                                           "rows (full run) or layer (--quick)."),
    batch: int | None = typer.Option(None, "--batch", help="Event engine: inferences of each "
                                     "network, all arriving at t = 0 (default 4)."),
    interfaces: str | None = typer.Option(None, "--interfaces", help="Chiplet I/O presets, "
                                          "e.g. ucie_advanced,grs (the default)."),
    placements: str | None = typer.Option(None, "--placements", help="natural, same or both "
                                          "(default: both; --quick: natural)."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of tables."),
) -> None:
    """Floret vs mesh, Kite, ButterDonut, HexaMesh and SWAP on multi-CNN mixes (TECS 2023)."""
    from pimnoc.experiments import floret as exp
    from pimnoc.report.experiments import floret_figures

    options = dict(exp.QUICK) if quick else {}
    if sizes is not None:
        options["sizes"] = parse_ints("--sizes", sizes, "6,8,10")
    if mixes is not None:
        options["mixes"] = tuple(m.strip() for m in mixes.split(",") if m.strip())
    if granularity is not None:
        options["granularity"] = granularity
    if batch is not None:
        options["batch"] = batch
    if placements is not None:
        options["placements"] = placements
    if interfaces is not None:
        options["interfaces"] = tuple(i.strip() for i in interfaces.split(",") if i.strip())
    options.update(multicast=multicast, orders=orders, load=load, engine=engine)
    outcome = run_experiment(lambda progress: exp.reproduce_floret(progress=progress, **options),
                             as_json, out, "floret", floret_figures)
    if outcome is None:
        return
    report, data, figures = outcome
    from pimnoc.cli.reproduce_paper import engine_table, paper_vs_system_table, published_lines
    from pimnoc.experiments.tables import engine_note

    console = wide_console()
    for kind, summary in data["table_summary"].items():
        console.print(paper_vs_system_table(
            summary, f"Floret vs each NoI ({kind} placements, interface): the paper's "
            "quantity (NoI) beside the full system's", "noi", "floret"))
        table = engine_table(summary, f"Floret vs each NoI ({kind}): event engine under the "
                             "workload beside the analytical engine", "floret",
                             engine_note(data))
        if table is not None:
            console.print(table)
    for line in published_lines(data["published"]):
        console.print(line)
    for table in floret_tables(report):
        print_table(table, console)
    for skip in report.skipped:
        console.print(f"skipped {skip['chiplets']} chiplets / {skip['mix']}: {skip['reason']}")
    console.print(f"{len(report.rows)} evaluations in {report.wall_s:.1f} s; published (TECS "
                  "2023): latency up to -58 %, energy up to -64 %, vs state-of-the-art NoIs")
    console.print("written: " + ", ".join(str(p) for p in [out / "floret.json", *figures]))


def scaling_table(report) -> Table:
    """A rich table of the sweep: the bounds and throughput of each topology per budget."""
    names = list(dict.fromkeys(p.topology for p in report.points))
    table = Table(title=f"Throughput (inferences/s) of the {report.mix} mix on "
                  f"{report.chiplets} chiplets as the crossbar budget grows",
                  header_style="bold")
    for column in ("xbars/PE", "budget", "compute bound"):
        table.add_column(column, justify="right", no_wrap=True)
    for name in names:
        table.add_column(f"{name} net bound", justify="right", no_wrap=True)
        table.add_column(f"{name} thru", justify="right", no_wrap=True)
        table.add_column(f"{name} limit", no_wrap=True)
    for crossbars in sorted({p.crossbars_per_pe for p in report.points}):
        row = [p for p in report.points if p.crossbars_per_pe == crossbars]
        cells = [str(crossbars), f"{row[0].crossbar_budget:,}",
                 f"{row[0].compute_bound_ips:,.0f}"]
        for name in names:
            p = next((x for x in row if x.topology == name), None)
            cells += ["-", "-", "-"] if p is None else [
                f"{p.network_bound_ips:,.0f}", f"{p.throughput_ips:,.0f}",
                p.bottleneck if p.bottleneck == "compute" else f"net: {p.busiest}"]
        table.add_row(*cells)
    lines = []
    for name, k in report.knees.items():
        where = (f"knee at {k['knee_budget']:,.0f} crossbars" if k["knee_budget"]
                 else k["regime"])
        lines.append(f"{name}: {where}; x{k['gain_over_sweep']:.2f} throughput for "
                     f"x{k['budget_growth']:.1f} crossbars")
    table.caption = "; ".join(lines)
    return table


@reproduce_app.command("scaling")
def scaling(
    quick: bool = typer.Option(False, "--quick", help="A small sweep (36 chiplets, 4 budgets)."),
    out: Path = typer.Option(Path("reproduce_scaling"), "--out", help="Folder for figure+JSON."),
    chiplets: int | None = typer.Option(None, "--chiplets", help="36, 64 or 100 (square)."),
    mix: str | None = typer.Option(None, "--mix", help="A mix name of `reproduce floret`."),
    topologies: str | None = typer.Option(None, "--topologies", help="e.g. mesh,floret"),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON instead of a table."),
) -> None:
    """Throughput vs crossbar budget on mesh and Floret, with compute and network bounds."""
    from pimnoc.experiments import scaling as exp
    from pimnoc.report.experiments import scaling_plot

    options = dict(exp.QUICK if quick else exp.FULL)
    if chiplets is not None:
        options["chiplets"] = chiplets
    if mix is not None:
        options["mix"] = mix
    if topologies is not None:
        options["topologies"] = tuple(t.strip() for t in topologies.split(",") if t.strip())
    outcome = run_experiment(lambda progress: exp.reproduce_scaling(progress=progress, **options),
                             as_json, out, "scaling",
                             lambda report, folder: scaling_plot(report, folder / "scaling.png"))
    if outcome is None:
        return
    report, data, figure = outcome
    console = wide_console()
    print_table(scaling_table(report), console)
    console.print(f"{len(report.points)} evaluations in {report.wall_s:.1f} s")
    console.print(f"written: {out / 'scaling.json'}, {figure}")
