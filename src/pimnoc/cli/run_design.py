"""`pimnoc run`'s work without typer: evaluate one design point, print its summary, write files.

`cli/run.py` declares the command to typer and calls `run_design`; `cli/entry.py` calls
`run_from_args` directly when the command line is plain, so that a run imports neither typer
nor click (tests/cli/test_entry.py checks that both hand `run_design` the same arguments).
Importing this module imports the evaluation machinery.
"""

from __future__ import annotations

from pathlib import Path

from pimnoc.cli.plain import plain_lines, plain_table, write_plain
from pimnoc.cli.progress import print_warnings, stage_progress
from pimnoc.config import load_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate_full
from pimnoc.result import check_output_dir, check_output_file, finite_json, write_result


def _si(value: float, unit: str) -> str:
    for scale, prefix in ((1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")):
        if abs(value) >= scale or scale == 1e-12:
            return f"{value / scale:.4g} {prefix}{unit}"
    return f"{value:.4g} {unit}"


def _pace(result) -> str:
    """What sets the inference interval, and whether an offered rate was met."""
    rate = result.extra.get("rate")
    if rate and not rate["met"]:
        return (f"{result.bottleneck}-bound; offered {rate['offered_ips']:,.1f}/s NOT met, "
                f"at most {rate['max_ips']:,.1f}/s")
    if result.bottleneck == "rate":
        return f"offered rate; up to {rate['max_ips']:,.1f}/s possible"
    return f"{result.bottleneck}-bound"


def _event_rows(result) -> list[tuple[str, str]]:
    """Summary rows of an event-engine run (none for the analytical engine)."""
    extra = result.extra
    if extra.get("engine") != "event":
        return []
    lat = extra["inference_latency_s"]
    util = extra["link_utilisation"]
    return [
        ("inferences / makespan", f"{extra['inferences']} / {_si(extra['makespan_s'], 's')}"),
        ("latency mean / p50", f"{_si(lat['mean'], 's')} / {_si(lat['p50'], 's')}"),
        ("latency p95 / p99 / max", f"{_si(lat['p95'], 's')} / {_si(lat['p99'], 's')} / "
                                    f"{_si(lat['max'], 's')}"),
        ("PE busy (mean / max)", f"{extra['pe_busy_fraction']['mean']:.0%} / "
                                 f"{extra['pe_busy_fraction']['max']:.0%}"),
        ("link use (mean / peak window)", f"{util['mean']:.1%} / {util['peak_window']:.0%}"),
        ("analytical latency", _si(extra["analytical"]["latency_s"], "s")),
        *flit_rows(extra.get("event", {})),
    ]


TITLE = "pimnoc result"
COLUMNS = [("figure", "left"), ("value", "right")]
"""The summary table's title and (header, justification) of its columns."""


def summary_table(result):
    """A rich table of the headline figures of a Result."""
    from rich.table import Table

    table = Table(title=TITLE, show_header=True, header_style="bold")
    for header, justify in COLUMNS:
        table.add_column(header, justify=justify)
    for name, value in summary_rows(result):
        table.add_row(name, value)
    return table


def summary_rows(result) -> list[tuple[str, str]]:
    """The headline figures of a Result: (figure, value) in the order shown."""
    e = result.energy_j
    rows = [
        ("latency / inference", _si(result.latency_s, "s")),
        ("throughput", f"{result.throughput_ips:,.1f} inferences/s"),
        ("inference interval", f"{_si(result.interval_s, 's')} ({_pace(result)})"),
        ("energy / inference", _si(e["total"], "J")),
        ("  compute", f"{_si(e['compute'], 'J')} ({e['compute'] / e['total']:.0%})"),
        ("  router", f"{_si(e['router'], 'J')} ({e['router'] / e['total']:.0%})"),
        ("  link", f"{_si(e['link'], 'J')} ({e['link'] / e['total']:.0%})"),
        ("  leakage", f"{_si(e['leakage'], 'J')} ({e['leakage'] / e['total']:.0%})"),
        ("EDP", f"{result.edp_js:.4g} J·s"),
        ("area (silicon)", f"{result.area_mm2:,.1f} mm²"),
        ("PEs used / crossbars", f"{result.pes_used} / {result.crossbars_used:,}"),
        ("links / wire", f"{result.links} / {result.wire_length_mm:,.1f} mm"),
        ("router ports", f"{result.router_ports}"),
    ]
    bounds = result.extra.get("bounds")
    if bounds:
        rows.extend((f"  {name[:-2]} bound", _si(value, "s")) for name, value in bounds.items()
                    if name != "chiplet_io_s" or result.extra.get("chiplet_io_bps"))
    io = result.extra.get("chiplet_io_bps")
    if io:
        iface = result.extra.get("chiplet_interface", {})
        rows.append(("chiplet I/O", f"{io[0] / 1e9:,.0f} Gb/s per chiplet "
                     f"({iface.get('name', '?')} x{iface.get('ports_per_chiplet', 1)})"))
    b = result.busiest_link
    if b:
        rows.append(("busiest link", f"{b['src']}→{b['dst']} ({b['kind']}, "
                     f"{b['length_mm']:.2f} mm): {b['utilisation']:.0%}"))
    rows += _event_rows(result)
    for key in ("peak_temperature_k", "accuracy_estimate"):
        if key in result.extra:
            rows.append((key, f"{result.extra[key]:.4g}"))
    rows.append(("evaluation time", _si(result.wall_s, "s")))
    return rows


def flit_rows(event: dict) -> list[tuple[str, str]]:
    """The flit backend's own figures (simulation.network: flit), units spelled out."""
    if event.get("network") != "flit":
        return []
    simulated, skipped = int(event["cycles_simulated"]), int(event["cycles_skipped"])
    rows = [("flit network: cycles", f"{simulated:,} simulated, {skipped:,} skipped idle "
                                     f"({int(event['kernel_calls']):,} kernel calls)")]
    if "die_to_die_note" in event:
        rows.append(("flit network: note", event["die_to_die_note"]))
    return rows


def run_design(config: Path, output: str | None = None, plot: Path | None = None,
               as_json: bool = False, trace: str | None = None) -> None:
    """Evaluate the run file `config`, print a summary (or the JSON), write the files asked."""
    spec = load_run(config)
    if output is not None:
        output = check_output_file(output, "-o/--output", "result.json")
    if plot is not None:
        check_output_dir(plot, "--plot")
    if trace is not None:
        if spec.simulation.engine != "event":
            raise ConfigError("--trace: traces come from the event engine; set "
                              "simulation: {engine: event}")
        trace = check_output_file(trace, "--trace", "trace.json")
    with stage_progress(f"evaluating {config.name}", not as_json) as progress:
        evaluation = evaluate_full(spec, progress=progress)
    result = evaluation.result
    print_warnings(result)
    if plot is not None:
        from pimnoc.report.plots import write_run_plots

        written = write_run_plots(evaluation, plot)
    if output is not None:
        files = write_result(result.to_dict(columns=True), output)
    if trace is not None:
        from pimnoc.engines.event.trace import write_trace

        write_trace(evaluation, trace)
    if as_json:
        print(finite_json(result.to_dict()))
        return
    lines = [f"  {net['name']}: {net['layers']} layers on {net['pes']} PEs, "
             f"latency {_si(net['latency_s'], 's')}" for net in result.per_network]
    if output is not None:
        lines.append("result written to " + ", ".join(str(p) for p in files))
    if plot is not None:
        lines.append("figures: " + ", ".join(str(p) for p in written))
    if trace is not None:
        lines.append(f"trace written to {trace} (open it in https://ui.perfetto.dev)")
    if write_plain([plain_table(TITLE, COLUMNS, summary_rows(result)), plain_lines(lines)]):
        return
    from pimnoc.cli.tables import print_table, stdout_console

    console = stdout_console()
    print_table(summary_table(result), console)
    for text in lines:
        console.print(text)


def run_from_args(values: dict[str, str | bool]) -> None:
    """`run_design` on the words of a plain command line, converted as typer converts them."""
    plot = values.get("plot")
    run_design(Path(values["config"]), values.get("output"),
               None if plot is None else Path(plot), bool(values.get("as_json", False)),
               values.get("trace"))
