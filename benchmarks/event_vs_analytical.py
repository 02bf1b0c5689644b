"""Analytical vs event engine over every bundled example; link-bandwidth sensitivity (JSON).

For each example (thermal analysis off): the analytical latency and throughput, the event
engine's mean latency of one inference per network (`batch: 1`) and its steady throughput
with `batch: N` per network, the relative differences, and dynamic energy of both. Then,
on the most network-bound and the most compute-bound example (by the analytical engine's
busiest-link utilisation), the event latency with every link's bandwidth halved.
With `--doc FILE` the tables replace the marked section of that Markdown file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pimnoc.config import load_run
from pimnoc.evaluate import evaluate_full

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- event-vs-analytical:start -->", "<!-- event-vs-analytical:end -->"


def variant(spec, engine: str, batch: int = 1, flit_bits: int | None = None):
    """The spec with an engine, a batch per network, thermal off, optionally narrower links."""
    nets = [n.model_copy(update={"arrivals": n.arrivals.model_copy(update={"batch": batch})})
            for n in spec.workload.networks]
    design = spec.design
    if flit_bits is not None:
        design = design.model_copy(update={"network": design.network.model_copy(
            update={"flit_bits": flit_bits})})
    return spec.model_copy(update={
        "simulation": spec.simulation.model_copy(update={"engine": engine}),
        "workload": spec.workload.model_copy(update={"networks": nets}),
        "thermal": spec.thermal.model_copy(update={"enabled": False}), "design": design})


def compare(path: Path, batch: int) -> dict:
    """Both engines on one example."""
    spec = load_run(path)
    started = time.perf_counter()
    analytical = evaluate_full(variant(spec, "analytical"), detail=False).result
    one = evaluate_full(variant(spec, "event"), detail=False).result
    many = evaluate_full(variant(spec, "event", batch), detail=False).result
    dyn = ("compute", "router", "link")
    return {
        "example": path.stem,
        "analytical_latency_s": analytical.latency_s,
        "event_latency_s": one.latency_s,
        "latency_error": analytical.latency_s / one.latency_s - 1.0,
        "analytical_throughput_ips": analytical.throughput_ips,
        "event_throughput_ips": many.throughput_ips,
        "throughput_error": analytical.throughput_ips / many.throughput_ips - 1.0,
        "dynamic_energy_error": sum(analytical.energy_j[k] for k in dyn)
        / sum(one.energy_j[k] for k in dyn) - 1.0,
        "busiest_link_utilisation": analytical.busiest_link.get("utilisation", 0.0),
        "bottleneck": analytical.bottleneck,
        "event_p99_latency_s_batch": many.extra["inference_latency_s"]["p99"],
        "tasks": one.extra["tasks"], "wall_s": time.perf_counter() - started,
    }


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


def tables(rows: list[dict], sensitivity: list[dict], batch: int) -> str:
    """The Markdown tables."""
    lines = [f"Event: `granularity: rows`, `network: flow`, `pe_sharing: serial`; latency "
             f"with one inference per network, throughput with `batch: {batch}`. Error = "
             "analytical / event - 1.", "",
             "| example | bottleneck (analytical) | latency analytical | latency event | "
             "error | throughput analytical (/s) | throughput event (/s) | error | "
             "dynamic energy error |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['example']} | {r['bottleneck']} | {r['analytical_latency_s'] * 1e3:.4g} ms "
            f"| {r['event_latency_s'] * 1e3:.4g} ms | {r['latency_error']:+.1%} | "
            f"{r['analytical_throughput_ips']:,.0f} | {r['event_throughput_ips']:,.0f} | "
            f"{r['throughput_error']:+.1%} | {r['dynamic_energy_error']:+.2%} |")
    lines += ["", "| example (link bandwidth halved) | busiest link (analytical) | latency | "
              "latency at half bandwidth | increase |", "|---|---|---|---|---|"]
    for r in sensitivity:
        lines.append(f"| {r['example']} | {r['busiest_link_utilisation']:.0%} | "
                     f"{r['latency_s'] * 1e3:.4g} ms | "
                     f"{r['half_bandwidth_latency_s'] * 1e3:.4g} ms | {r['increase']:+.1%} |")
    return "\n".join(lines)


def write_doc(doc: str, rows: list[dict], sensitivity: list[dict], batch: int) -> None:
    """Replace the marked section of `doc` with the tables."""
    path = Path(doc)
    head, rest = path.read_text().split(START)
    _old, tail = rest.split(END)
    path.write_text(f"{head}{START}\n{tables(rows, sensitivity, batch)}\n{END}{tail}")


def main(batch: int = 8, doc: str | None = None) -> dict:
    """Bandwidth sensitivity first, then every example (smallest first); the doc is
    rewritten after each, so an interrupted run still leaves what it measured."""
    paths = sorted((ROOT / "examples").glob("*.yaml"))
    loads = {}
    for path in paths:
        result = evaluate_full(variant(load_run(path), "analytical"), detail=False).result
        loads[path] = (result.busiest_link.get("utilisation", 0.0), result.pes_used)
    by_load = sorted(paths, key=lambda p: loads[p][0])
    sensitivity: list[dict] = []
    rows: list[dict] = []
    for path in (by_load[-1], by_load[0]):
        sensitivity.append({**halved(path), "busiest_link_utilisation": loads[path][0]})
        print(json.dumps(sensitivity[-1]), file=sys.stderr, flush=True)
        if doc is not None:
            write_doc(doc, rows, sensitivity, batch)
    for path in sorted(paths, key=lambda p: loads[p][1]):
        rows.append(compare(path, batch))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if doc is not None:
            write_doc(doc, rows, sensitivity, batch)
    return {"benchmark": "event_vs_analytical", "batch": batch, "examples": rows,
            "bandwidth_halved": sensitivity,
            "worst_latency_error": max(abs(r["latency_error"]) for r in rows),
            "worst_throughput_error": max(abs(r["throughput_error"]) for r in rows),
            "worst_dynamic_energy_error": max(abs(r["dynamic_energy_error"]) for r in rows)}


if __name__ == "__main__":
    args = sys.argv[1:]
    doc = args[args.index("--doc") + 1] if "--doc" in args else None
    numbers = [a for a in args if a.isdigit()]
    print(json.dumps(main(int(numbers[0]) if numbers else 8, doc), indent=1))
