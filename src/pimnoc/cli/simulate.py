"""`pimnoc simulate`: the cycle-level network simulator with BookSim2-named flags."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pimnoc.errors import ConfigError, suggest

TOPOLOGIES = ("mesh", "torus", "anynet")
DEFAULT_ROUTING = {"mesh": "dor", "torus": "dor", "anynet": "min"}


def register(app: typer.Typer) -> None:
    """Add the `simulate` command to the pimnoc CLI."""
    app.command("simulate")(simulate_command)


def simulate_command(
    topology: str = typer.Option("mesh", "--topology", help="mesh | torus | anynet."),
    k: int = typer.Option(8, "--k", help="Routers per dimension (k x k mesh or torus)."),
    edges: Path | None = typer.Option(
        None, "--edges", help="anynet: JSON list of [a, b] bidirectional router links."),
    traffic: str = typer.Option(
        "uniform", "--traffic",
        help="uniform | transpose | bitcomp | hotspot | neighbor | matrix."),
    rate: float = typer.Option(0.05, "--rate", help="Injection rate, packets/node/cycle."),
    rates: str | None = typer.Option(
        None, "--rates", help="Sweep: comma-separated rates, e.g. 0.01,0.03,0.05."),
    packet_size: int = typer.Option(4, "--packet-size", help="Flits per packet."),
    num_vcs: int = typer.Option(4, "--num-vcs", help="Virtual channels per port."),
    vc_buf_size: int = typer.Option(8, "--vc-buf-size", help="Flits of buffer per VC."),
    routing_delay: int = typer.Option(1, "--routing-delay", help="Cycles (BookSim meaning)."),
    vc_alloc_delay: int = typer.Option(1, "--vc-alloc-delay", help="Cycles."),
    sw_alloc_delay: int = typer.Option(1, "--sw-alloc-delay", help="Cycles."),
    st_final_delay: int = typer.Option(1, "--st-final-delay", help="Crossbar cycles."),
    credit_delay: int = typer.Option(1, "--credit-delay", help="Cycles."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    routing: str | None = typer.Option(
        None, "--routing", help="dor | min | shortest | updown | ... (default: dor on "
        "mesh/torus, min on anynet)."),
    link_latency: int | None = typer.Option(
        None, "--link-latency", help="Cycles per link (default as BookSim: mesh 1, torus 2, "
        "anynet 1)."),
    sample_period: int = typer.Option(1000, "--sample-period", help="Cycles per sample."),
    warmup_periods: int = typer.Option(3, "--warmup-periods", help="Warm-up samples."),
    max_samples: int = typer.Option(10, "--max-samples", help="Most sample periods."),
    hotspots: str | None = typer.Option(
        None, "--hotspots", help="hotspot: comma-separated node ids (default the centre)."),
    hotspot_fraction: float = typer.Option(
        1.0, "--hotspot-fraction", help="hotspot: share of packets sent to hotspots."),
    matrix: Path | None = typer.Option(
        None, "--matrix", help="matrix: JSON n x n destination weights."),
    as_json: bool = typer.Option(False, "--json", help="Print results as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Latency-vs-load PNG (sweeps)."),
) -> None:
    """Simulate a network flit by flit (BookSim2 semantics) and report latency and throughput."""
    from pimnoc.engines.flit import SimParams
    from pimnoc.hardware.routing import ROUTINGS, make_routing

    topo = _topology(topology, k, edges, link_latency)
    load = _rates(rates) if rates is not None else [_check_rate(rate, "--rate")]
    algorithm = routing or DEFAULT_ROUTING[topology]
    if algorithm not in ROUTINGS:
        names = ROUTINGS.names()
        raise ConfigError(
            f"--routing: unknown '{algorithm}'{suggest(algorithm, names)}; choose one of: "
            f"{', '.join(names)}"
        )
    params = SimParams(
        num_vcs=num_vcs, vc_buf_size=vc_buf_size, packet_size=packet_size,
        routing_delay=routing_delay, vc_alloc_delay=vc_alloc_delay,
        sw_alloc_delay=sw_alloc_delay, st_final_delay=st_final_delay,
        credit_delay=credit_delay, seed=seed, sample_period=sample_period,
        warmup_periods=warmup_periods, max_samples=max_samples,
    )
    params.validate()
    if plot is not None:
        from pimnoc.result import check_output_file

        plot = check_output_file(plot, "--plot", "latency.png")
    options = _pattern_options(traffic, hotspots, hotspot_fraction, matrix)
    route = make_routing(topo, algorithm)
    results = _run(topo, route, traffic, load, params, options)
    rows = [{"rate": r, **res.summary()} for r, res in zip(load, results, strict=True)]
    if plot is not None:
        _plot(plot, topo.name, traffic, rows)
    if as_json:
        typer.echo(json.dumps(rows if rates is not None else rows[0], indent=2))
    else:
        _print_table(topo.name, algorithm, traffic, rows)


def _topology(kind: str, k: int, edges: Path | None, link_latency: int | None):
    from pimnoc.engines.flit import kary_topology
    from pimnoc.hardware.topologies.anynet import anynet_topology, load_edges

    if kind not in TOPOLOGIES:
        raise ConfigError(
            f"--topology: unknown '{kind}'{suggest(kind, TOPOLOGIES)}; choose one of: "
            f"{', '.join(TOPOLOGIES)}"
        )
    if kind == "anynet":
        if edges is None:
            raise ConfigError("--topology anynet needs --edges FILE.json (a list of [a, b] links)")
        return anynet_topology(load_edges(edges), link_latency=link_latency or 1)
    if edges is not None:
        raise ConfigError(f"--edges applies to --topology anynet only, not '{kind}'")
    if k < 2:
        raise ConfigError(f"--k must be >= 2, got {k}")
    return kary_topology(kind, k, link_latency)


def _check_rate(value: float, flag: str) -> float:
    if not (0.0 < value <= 1.0):
        raise ConfigError(
            f"{flag}: {value} is not a rate in (0, 1] packets/node/cycle; e.g. {flag} 0.05"
        )
    return value


def _rates(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise ConfigError(
            f"--rates: '{text}' is not a comma-separated list of numbers; e.g. 0.01,0.03,0.05"
        ) from exc
    if not values:
        raise ConfigError("--rates: give at least one rate, e.g. --rates 0.01,0.03,0.05")
    return [_check_rate(v, "--rates") for v in values]


def _pattern_options(traffic: str, hotspots: str | None, fraction: float,
                     matrix: Path | None) -> dict:
    options: dict = {}
    if traffic == "hotspot":
        if hotspots:
            try:
                options["hotspots"] = [int(x) for x in hotspots.split(",") if x.strip()]
            except ValueError as exc:
                raise ConfigError(
                    f"--hotspots: '{hotspots}' is not a comma-separated list of node ids"
                ) from exc
        options["hotspot_fraction"] = fraction
    if traffic == "matrix":
        if matrix is None:
            raise ConfigError("--traffic matrix needs --matrix FILE.json (n x n weights)")
        try:
            options["matrix"] = json.loads(Path(matrix).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"--matrix: cannot read '{matrix}' as JSON ({exc})") from exc
    return options


def _run(topo, route, traffic: str, load: list[float], params, options: dict) -> list:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from pimnoc.engines.flit import sweep

    expected = (params.warmup_periods + params.converge_samples) * params.sample_period
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulating", total=len(load) * expected)

        def tick(index: int, cycles: int, total: int) -> None:
            done = index * expected + min(cycles, expected) * expected / max(total, expected)
            bar.update(task, completed=done,
                       description=f"rate {load[index]:g} ({index + 1}/{len(load)})")

        return sweep(topo, route, traffic, load, params, progress=tick, **options)


def _print_table(name: str, algorithm: str, traffic: str, rows: list[dict]) -> None:
    from rich.table import Table

    from pimnoc.cli.tables import print_table

    table = Table(title=f"{name}, {traffic} traffic, routing {algorithm}")
    for col in ("offered pkt/node/cyc", "latency cyc", "net lat cyc", "p99 cyc",
                "accepted flit/node/cyc", "hops", "saturated", "cycles", "wall s"):
        table.add_column(col, justify="right")
    table.caption = ("offered: packets per node per cycle; accepted: flits per node per cycle; "
                     "latency (mean), network latency (mean, without source queueing) and p99 "
                     "in cycles")
    def fmt(row: dict, key: str, spec: str = ".2f") -> str:
        value = row[key]
        return "-" if value is None else format(value, spec)

    for row in rows:
        table.add_row(f"{row['rate']:g}", fmt(row, "packet_latency_mean"),
                      fmt(row, "network_latency_mean"), fmt(row, "packet_latency_p99", ".0f"),
                      fmt(row, "accepted_flit_rate", ".4f"), fmt(row, "hops_mean"),
                      "yes" if row["saturated"] else "no", str(row["cycles"]),
                      fmt(row, "wall_s", ".3f"))
    print_table(table)


def _plot(path: Path, name: str, traffic: str, rows: list[dict]) -> None:
    from pimnoc.report.common import plt, save_figure

    ok = [r for r in rows if not r["saturated"] and r["packet_latency_mean"] is not None]
    sat = [r for r in rows if r["saturated"]]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot([r["rate"] for r in ok], [r["packet_latency_mean"] for r in ok], "o-",
            label="packet latency (mean)")
    ax.plot([r["rate"] for r in ok], [r["packet_latency_p99"] for r in ok], "s--",
            alpha=0.6, label="packet latency (p99)")
    for r in sat:
        ax.axvline(r["rate"], color="red", alpha=0.3)
    if sat:
        ax.plot([], [], color="red", alpha=0.3, label="saturated")
    ax.set_xlabel("offered load (packets/node/cycle)")
    ax.set_ylabel("latency (cycles)")
    ax.set_title(f"{name}, {traffic}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
