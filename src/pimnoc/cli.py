"""The `pimnoc` command line: run, zoo, and the commands registered from pimnoc.commands."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.exceptions import Abort, Exit, TyperException

from pimnoc.errors import PimnocError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Dataflow-aware evaluation of ReRAM processing-in-memory manycores.")
console = Console()


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
    ]


def summary_table(result) -> Table:
    """A rich table of the headline figures of a Result."""
    table = Table(title="pimnoc result", show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
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
    b = result.busiest_link
    if b:
        rows.append(("busiest link", f"{b['src']}→{b['dst']} ({b['kind']}, "
                     f"{b['length_mm']:.2f} mm): {b['utilisation']:.0%}"))
    rows += _event_rows(result)
    for key in ("peak_temperature_k", "accuracy_estimate"):
        if key in result.extra:
            rows.append((key, f"{result.extra[key]:.4g}"))
    rows.append(("evaluation time", _si(result.wall_s, "s")))
    for name, value in rows:
        table.add_row(name, value)
    return table


@app.command()
def run(
    config: Path = typer.Argument(..., help="Run YAML (workload, design, mapping, simulation)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the full result JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Directory for PNG figures."),
    as_json: bool = typer.Option(False, "--json", help="Print the result JSON to stdout."),
    trace: Path | None = typer.Option(None, "--trace", help="Write a Chrome/Perfetto trace "
                                      "(JSON) of an event-engine run."),
) -> None:
    """Evaluate one design point and print a summary."""
    from pimnoc.config import load_run
    from pimnoc.errors import ConfigError
    from pimnoc.evaluate import evaluate_full
    from pimnoc.result import check_writable, write_json_atomic

    spec = load_run(config)
    if output is not None:
        check_writable(output.parent, "-o/--output")
    if plot is not None:
        check_writable(plot, "--plot")
    if trace is not None:
        if spec.simulation.engine != "event":
            raise ConfigError("--trace: traces come from the event engine; set "
                              "simulation: {engine: event}")
        check_writable(trace.parent, "--trace")
    evaluation = evaluate_full(spec)
    result = evaluation.result
    if plot is not None:
        from pimnoc.report.plots import write_run_plots

        written = write_run_plots(evaluation, plot)
    if output is not None:
        write_json_atomic(result.to_dict(), output)
    if trace is not None:
        from pimnoc.engines.event.trace import write_trace

        write_trace(evaluation, trace)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    console.print(summary_table(result))
    for net in result.per_network:
        console.print(f"  {net['name']}: {net['layers']} layers on {net['pes']} PEs, "
                      f"latency {_si(net['latency_s'], 's')}")
    if output is not None:
        console.print(f"result written to {output}")
    if plot is not None:
        console.print("figures: " + ", ".join(str(p) for p in written))
    if trace is not None:
        console.print(f"trace written to {trace} (open it in https://ui.perfetto.dev)")


@app.command()
def zoo(
    name: str | None = typer.Argument(None, help="A model name; omit to list all."),
    as_json: bool = typer.Option(False, "--json", help="Print the model's layers as JSON."),
    input_hw: int = typer.Option(224, "--input-hw", help="Input size (224 ImageNet, 32 CIFAR)."),
) -> None:
    """List the bundled models, or describe one."""
    from pimnoc.workload.loader import load_network
    from pimnoc.workload.zoo import model_names

    if name is None:
        names = model_names()
        if as_json:
            print(json.dumps(names))
            return
        table = Table(title="pimnoc model zoo")
        for column in ("model", "params", "MACs", "weighted layers", "layers"):
            table.add_column(column, justify="right" if column != "model" else "left")
        for model in names:
            w = load_network(model, input_hw)
            table.add_row(model, f"{w.params:,}", f"{w.macs:,}", str(len(w.weighted_layers)),
                          str(len(w.layers)))
        console.print(table)
        return
    w = load_network(name, input_hw)
    if as_json:
        print(json.dumps(w.to_dict()))
        return
    console.print(f"{w.name}: {w.params:,} params, {w.macs:,} MACs, "
                  f"{len(w.weighted_layers)} weighted layers, {len(w.layers)} layers")


def _register_commands() -> None:
    import pimnoc.commands as commands

    for info in pkgutil.iter_modules(commands.__path__):
        module = importlib.import_module(f"pimnoc.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors print one line and exit 2, without a traceback."""
    err = Console(stderr=True)
    try:
        code = app(args=argv, standalone_mode=False)
    except PimnocError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except Abort:
        err.print("interrupted")
        return 130
    except Exit as exc:
        return exc.exit_code
    except TyperException as exc:  # usage errors (typer's own click)
        exc.show()
        return getattr(exc, "exit_code", 2)
    return code if isinstance(code, int) else 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
