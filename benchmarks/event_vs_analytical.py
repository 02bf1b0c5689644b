"""Analytical vs event engine over every bundled example; link-bandwidth sensitivity (JSON).

For each example (thermal analysis off): the analytical latency and throughput, the event
engine's mean latency of one inference per network (`batch: 1`) and its steady throughput
with `batch: N` per network, the relative differences, and dynamic energy of both. Then,
on the most network-bound and the most compute-bound example (by the analytical engine's
busiest-link utilisation), the event latency with every link's bandwidth halved.
The analytical latency is the default (`simulation.layer_overlap: fitted`) and, for
comparison, the previous default (`false`, layer by layer on shared channels); the fit of
`SERIAL_SHARE` (every other example by name fitted, the others held out) is re-done from
the same runs and printed with both errors. With `--doc FILE` the tables replace the marked
section of that Markdown file; `--events FILE` reuses the event figures of an earlier run
(its stderr, one JSON line per example) instead of simulating again.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from pimnoc.config import load_run
from pimnoc.engines.analytical import latency as pipeline_latency
from pimnoc.engines.analytical.network import edge_parts, link_bandwidth_bps
from pimnoc.evaluate import evaluate_full, layer_finish

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- event-vs-analytical:start -->", "<!-- event-vs-analytical:end -->"


def variant(spec, engine: str, batch: int = 1, flit_bits: int | None = None,
            overlap: bool | str = "fitted"):
    """The spec with an engine, a batch per network, thermal off, optionally narrower links."""
    nets = [n.model_copy(update={"arrivals": n.arrivals.model_copy(update={"batch": batch})})
            for n in spec.workload.networks]
    design = spec.design
    if flit_bits is not None:
        design = design.model_copy(update={"network": design.network.model_copy(
            update={"flit_bits": flit_bits})})
    return spec.model_copy(update={
        "simulation": spec.simulation.model_copy(update={"engine": engine,
                                                         "layer_overlap": overlap}),
        "workload": spec.workload.model_copy(update={"networks": nets}),
        "thermal": spec.thermal.model_copy(update={"enabled": False}), "design": design})


EVENT_KEYS = ("event_latency_s", "event_throughput_ips", "event_dynamic_energy_j",
              "event_p99_latency_s_batch", "tasks")
DYNAMIC = ("compute", "router", "link")


def event_figures(spec, batch: int) -> dict:
    """The event engine's figures: one inference per network, then `batch` of them."""
    one = evaluate_full(variant(spec, "event"), detail=False).result
    many = evaluate_full(variant(spec, "event", batch), detail=False).result
    return {"event_latency_s": one.latency_s, "event_throughput_ips": many.throughput_ips,
            "event_dynamic_energy_j": sum(one.energy_j[k] for k in DYNAMIC),
            "event_p99_latency_s_batch": many.extra["inference_latency_s"]["p99"],
            "tasks": one.extra["tasks"]}


def schedules_alone(evaluation) -> tuple[float, float]:
    """Latency layer by layer and fully overlapped, transfers on channels of this inference
    alone: the two ends the fitted model interpolates between."""
    ev = evaluation
    alone = edge_parts(ev.flows, ev.network.routed, ev.network.flow_latency_s, ev.net,
                       ev.mapping.num_layers, None, link_bandwidth_bps(ev.topology, ev.net))
    network_of = np.asarray(ev.mapping.network_of)
    out = []
    for overlap in (False, True):
        finish = layer_finish(overlap, ev.mapping, ev.compute.time_s, alone, alone)
        out.append(max(float(finish[network_of == k].max()) for k in np.unique(network_of)))
    return out[0], out[1]


def compare(path: Path, batch: int, events: dict | None = None) -> dict:
    """Both engines on one example (the event figures from `events` if given)."""
    spec = load_run(path)
    started = time.perf_counter()
    fitted = evaluate_full(variant(spec, "analytical"), detail=False)
    analytical = fitted.result
    previous = evaluate_full(variant(spec, "analytical", overlap=False), detail=False).result
    sequential_s, overlapped_s = schedules_alone(fitted)
    ev = dict(events) if events is not None else event_figures(spec, batch)
    if "event_dynamic_energy_j" not in ev:  # a run that kept only the relative error
        ev["event_dynamic_energy_j"] = sum(analytical.energy_j[k] for k in DYNAMIC) / (
            1.0 + ev["dynamic_energy_error"])
    return {
        "example": path.stem,
        "analytical_latency_s": analytical.latency_s,
        "layer_by_layer_latency_s": previous.latency_s,
        "sequential_alone_s": sequential_s, "overlapped_alone_s": overlapped_s,
        **{k: ev[k] for k in EVENT_KEYS},
        "latency_error": analytical.latency_s / ev["event_latency_s"] - 1.0,
        "layer_by_layer_latency_error": previous.latency_s / ev["event_latency_s"] - 1.0,
        "analytical_throughput_ips": analytical.throughput_ips,
        "throughput_error": analytical.throughput_ips / ev["event_throughput_ips"] - 1.0,
        "dynamic_energy_error": sum(analytical.energy_j[k] for k in DYNAMIC)
        / ev["event_dynamic_energy_j"] - 1.0,
        "busiest_link_utilisation": analytical.busiest_link.get("utilisation", 0.0),
        "bottleneck": analytical.bottleneck,
        "wall_s": time.perf_counter() - started,
    }


def log_error(predicted: float, measured: float) -> float:
    """|ln(predicted / measured)|: a factor of 2 either way counts the same."""
    return abs(float(np.log(predicted / measured)))


def fit_share(rows: list[dict]) -> dict:
    """`SERIAL_SHARE` on a 0.05 grid fitted on every other example by name; mean |log
    error| of the fit, of the shipped share and of the previous default, fitted and held
    out."""
    names = sorted(r["example"] for r in rows)
    fit_on = set(names[::2])
    groups = {"fitted_on": [r for r in rows if r["example"] in fit_on],
              "held_out": [r for r in rows if r["example"] not in fit_on]}

    def error(group: list[dict], share: float) -> float:
        return float(np.mean([log_error(r["overlapped_alone_s"] + share * (
            r["sequential_alone_s"] - r["overlapped_alone_s"]), r["event_latency_s"])
            for r in group]))

    grid = np.round(np.arange(0.0, 1.0001, 0.05), 2)
    best = float(grid[int(np.argmin([error(groups["fitted_on"], a) for a in grid]))])
    shipped = pipeline_latency.SERIAL_SHARE
    return {"best_share": best, "shipped_share": shipped,
            "fitted_on": sorted(fit_on), "held_out": sorted(set(names) - fit_on),
            **{f"{name}_error_best": error(g, best) for name, g in groups.items()},
            **{f"{name}_error_shipped": error(g, shipped) for name, g in groups.items()},
            **{f"{name}_error_layer_by_layer": float(np.mean([log_error(
                r["layer_by_layer_latency_s"], r["event_latency_s"]) for r in g]))
               for name, g in groups.items()}}


def halved(path: Path) -> dict:
    """Event latency (one inference) with links at full and at half bandwidth."""
    spec = load_run(path)
    width = spec.network_tech().flit_bits
    full = evaluate_full(variant(spec, "event"), detail=False).result
    half = evaluate_full(variant(spec, "event", flit_bits=max(1, width // 2)),
                         detail=False).result
    return {"example": path.stem, "latency_s": full.latency_s,
            "half_bandwidth_latency_s": half.latency_s,
            "increase": half.latency_s / full.latency_s - 1.0}


def tables(rows: list[dict], sensitivity: list[dict], batch: int,
           fit: dict | None = None) -> str:
    """The Markdown tables."""
    lines = [f"Event: `granularity: rows`, `network: flow`, `pe_sharing: serial`; latency "
             f"with one inference per network, throughput with `batch: {batch}`. Error = "
             "analytical / event - 1. Analytical latency: `layer_overlap: fitted` (the "
             "default) and `false` (layer by layer, the previous default).", "",
             "| example | bottleneck (analytical) | latency event | latency analytical "
             "(fitted) | error | latency layer by layer | error | throughput analytical "
             "(/s) | throughput event (/s) | error | dynamic energy error |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['example']} | {r['bottleneck']} | {r['event_latency_s'] * 1e3:.4g} ms | "
            f"{r['analytical_latency_s'] * 1e3:.4g} ms | {r['latency_error']:+.1%} | "
            f"{r['layer_by_layer_latency_s'] * 1e3:.4g} ms | "
            f"{r['layer_by_layer_latency_error']:+.1%} | "
            f"{r['analytical_throughput_ips']:,.0f} | {r['event_throughput_ips']:,.0f} | "
            f"{r['throughput_error']:+.1%} | {r['dynamic_energy_error']:+.2%} |")
    if fit is not None:
        lines += ["", f"Fit of `SERIAL_SHARE` (mean \\|ln(analytical / event)\\|; fitted on "
                  f"{', '.join(fit['fitted_on'])}; held out: {', '.join(fit['held_out'])}):",
                  "", "| latency model | fitted on | held out |", "|---|---|---|",
                  f"| fitted, share {fit['shipped_share']:.2f} (shipped) | "
                  f"{fit['fitted_on_error_shipped']:.3f} | {fit['held_out_error_shipped']:.3f} |",
                  f"| fitted, best share on this run {fit['best_share']:.2f} | "
                  f"{fit['fitted_on_error_best']:.3f} | {fit['held_out_error_best']:.3f} |",
                  f"| layer by layer, shared channels (previous default) | "
                  f"{fit['fitted_on_error_layer_by_layer']:.3f} | "
                  f"{fit['held_out_error_layer_by_layer']:.3f} |"]
    lines += ["", "| example (link bandwidth halved) | busiest link (analytical) | latency | "
              "latency at half bandwidth | increase |", "|---|---|---|---|---|"]
    for r in sensitivity:
        lines.append(f"| {r['example']} | {r['busiest_link_utilisation']:.0%} | "
                     f"{r['latency_s'] * 1e3:.4g} ms | "
                     f"{r['half_bandwidth_latency_s'] * 1e3:.4g} ms | {r['increase']:+.1%} |")
    return "\n".join(lines)


def write_doc(doc: str, rows: list[dict], sensitivity: list[dict], batch: int,
              fit: dict | None = None) -> None:
    """Replace the marked section of `doc` with the tables."""
    path = Path(doc)
    head, rest = path.read_text().split(START)
    _old, tail = rest.split(END)
    path.write_text(f"{head}{START}\n{tables(rows, sensitivity, batch, fit)}\n{END}{tail}")


def read_events(path: str | None) -> tuple[dict, dict]:
    """Event figures and bandwidth rows of an earlier run's stderr (JSON lines)."""
    events, halves = {}, {}
    if path is None:
        return events, halves
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        if "half_bandwidth_latency_s" in row:
            halves[row["example"]] = row
        elif "event_latency_s" in row:
            events[row["example"]] = row
    return events, halves


def main(batch: int = 8, doc: str | None = None, events_from: str | None = None) -> dict:
    """Bandwidth sensitivity first, then every example (smallest first); the doc is
    rewritten after each, so an interrupted run still leaves what it measured."""
    paths = sorted((ROOT / "examples").glob("*.yaml"))
    loads = {}
    for path in paths:
        result = evaluate_full(variant(load_run(path), "analytical"), detail=False).result
        loads[path] = (result.busiest_link.get("utilisation", 0.0), result.pes_used)
    by_load = sorted(paths, key=lambda p: loads[p][0])
    events, halves = read_events(events_from)
    sensitivity: list[dict] = []
    rows: list[dict] = []
    for path in (by_load[-1], by_load[0]):
        half = halves.get(path.stem) or halved(path)
        sensitivity.append({**half, "busiest_link_utilisation": loads[path][0]})
        print(json.dumps(sensitivity[-1]), file=sys.stderr, flush=True)
        if doc is not None:
            write_doc(doc, rows, sensitivity, batch)
    for path in sorted(paths, key=lambda p: loads[p][1]):
        rows.append(compare(path, batch, events.get(path.stem)))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if doc is not None:
            write_doc(doc, rows, sensitivity, batch)
    fit = fit_share(rows)
    if doc is not None:
        write_doc(doc, rows, sensitivity, batch, fit)
    return {"benchmark": "event_vs_analytical", "batch": batch, "examples": rows,
            "bandwidth_halved": sensitivity, "serial_share_fit": fit,
            "worst_latency_error": max(abs(r["latency_error"]) for r in rows),
            "worst_throughput_error": max(abs(r["throughput_error"]) for r in rows),
            "worst_dynamic_energy_error": max(abs(r["dynamic_energy_error"]) for r in rows)}


if __name__ == "__main__":
    args = sys.argv[1:]
    doc = args[args.index("--doc") + 1] if "--doc" in args else None
    numbers = [a for a in args if a.isdigit()]
    events_from = args[args.index("--events") + 1] if "--events" in args else None
    print(json.dumps(main(int(numbers[0]) if numbers else 8, doc, events_from), indent=1))
