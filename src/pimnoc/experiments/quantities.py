"""The quantities a paper measures (its network alone) beside the full system's, per design.

A reproduction compares the same quantity as the paper. NoI papers (Floret, SFC k-ary
n-cubes) hold compute fixed and measure the network on interposer: packet latency between
chiplets and the energy of interposer links, micro-bumps and interposer routers. NoC papers
(TEFLON) measure the on-die network. `network_quantities` reads these from one evaluation,
whatever engine produced its network estimate (`simulation.engine`), so a reproduction
switches engines by that one config key; `measure_case` is the one function per case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pimnoc.config import RunSpec, parse_run
from pimnoc.engines.analytical.network import (
    link_energy_pj_per_bit,
    router_delay_extra,
    router_energy_pj_per_bit,
)
from pimnoc.engines.event.engine import packet_latency_s
from pimnoc.evaluate import evaluate_full
from pimnoc.hardware.topology import INTERPOSER, NOI_ROUTER, UBUMP

SCOPES: tuple[str, ...] = ("noi", "noc")
"""`noi`: interposer links, micro-bumps and interposer routers (2.5D); `noc`: every router
and link of the design (2D, 3D)."""


@dataclass(frozen=True)
class CaseQuantities:
    """Network-only figures (in the paper's scope) and the full system's, for one design.

    `net_zero_load_latency_s`: mean zero-load latency of a packet over the scoped network
    (per packet: flows weighted by their bits; each hop its router pipeline plus link
    cycles, plus the tail's serialisation). `net_packet_latency_s`: mean latency of those
    packets end to end under the workload, as the engine computed it (event engine: every
    message's last packet, emission to arrival less its other packets' serialisation,
    `engines/event/engine.py:packet_latency_s`). `net_energy_j`: energy per inference of
    the scoped links and routers. `net_edp_js`: `net_energy_j x net_packet_latency_s`.
    The `*_analytical*` fields are the analytical engine's figures of the same design (equal
    to the others when it is the engine); `workload` says how the event engine was run.
    """

    scope: str
    engine: str
    net_zero_load_latency_s: float
    net_packet_latency_s: float
    net_energy_j: float
    net_edp_js: float
    net_packets: float
    latency_s: float
    energy_j: float
    edp_js: float
    throughput_ips: float
    net_packet_latency_analytical_s: float = 0.0
    latency_analytical_s: float = 0.0
    energy_analytical_j: float = 0.0
    throughput_analytical_ips: float = 0.0
    workload: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def scope_of(evaluation) -> str:
    """The network a paper on this design measures: the NoI for 2.5D, else the NoC."""
    return "noi" if evaluation.topology.meta.get("integration") == "2.5d" else "noc"


def _scoped_links(topo, scope: str) -> np.ndarray:
    if scope == "noi":
        return (topo.link_kind == INTERPOSER) | (topo.link_kind == UBUMP)
    return np.ones(topo.num_directed_links, dtype=bool)


def network_quantities(evaluation, scope: str | None = None) -> CaseQuantities:
    """The scoped network's packet latency, energy and EDP, and the full system's figures."""
    scope = scope or scope_of(evaluation)
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    topo, net, flows = evaluation.topology, evaluation.net, evaluation.flows
    network = evaluation.network
    routed = network.routed
    in_scope = _scoped_links(topo, scope)
    stages = net.router_stages + router_delay_extra(topo, net)
    pair_link, pair_flow = routed.pair_link, routed.pair_flow
    hop_cycles = stages[topo.link_src[pair_link]] + topo.link_latency_cycles[pair_link]
    scoped_pair = in_scope[pair_link]
    n_flows = routed.flow_index.size
    scoped_cycles = np.bincount(pair_flow[scoped_pair], weights=hop_cycles[scoped_pair],
                                minlength=n_flows)
    crosses = np.bincount(pair_flow[scoped_pair], minlength=n_flows) > 0
    if scope == "noc":  # the whole path: add the destination router and terminal channels
        scoped_cycles = routed.zero_load_cycles.astype(float)
    zero_load_cycles = scoped_cycles + (net.packet_flits - 1.0)
    bits = flows.bits[routed.flow_index]
    weights = np.where(crosses, bits, 0.0)
    head_s = network.flow_latency_s - bits / net.link_bandwidth_bps
    if weights.sum() > 0:
        zero_load_s = float(np.average(zero_load_cycles, weights=weights)) * net.cycle_s
        analytical_packet_s = float(np.average(head_s, weights=weights))
    else:
        zero_load_s = analytical_packet_s = 0.0
    execution = evaluation.execution
    packet_s = (analytical_packet_s if execution is None
                else event_packet_latency_s(execution, net, in_scope))
    load = routed.link_load_bits
    e_link = link_energy_pj_per_bit(topo, net)
    e_router = router_energy_pj_per_bit(topo, net)
    if scope == "noi":
        noi_router_out = topo.node_kind[topo.link_src] == NOI_ROUTER
        energy_pj = float(load[in_scope] @ e_link[in_scope]
                          + load[noi_router_out] @ e_router[topo.link_src[noi_router_out]])
        energy_j = energy_pj * 1e-12
    else:
        energy_j = network.router_energy_j + network.link_energy_j
    result = evaluation.result
    analytical = result.extra.get("analytical") if execution is not None else None
    if analytical is None:
        analytical = {"latency_s": result.latency_s, "throughput_ips": result.throughput_ips,
                      "energy_j": result.energy_j}
    return CaseQuantities(
        scope=scope, engine=evaluation.spec.simulation.engine,
        net_zero_load_latency_s=zero_load_s, net_packet_latency_s=packet_s,
        net_energy_j=energy_j, net_edp_js=energy_j * packet_s,
        net_packets=float(weights.sum() / (net.flit_bits * net.packet_flits)),
        latency_s=float(result.latency_s), energy_j=float(result.energy_j["total"]),
        edp_js=float(result.edp_js), throughput_ips=float(result.throughput_ips),
        net_packet_latency_analytical_s=analytical_packet_s,
        latency_analytical_s=float(analytical["latency_s"]),
        energy_analytical_j=float(analytical["energy_j"]["total"]),
        throughput_analytical_ips=float(analytical["throughput_ips"]),
        workload=workload_label(evaluation.spec),
    )


def event_packet_latency_s(execution, net, in_scope: np.ndarray) -> float:
    """Bit-weighted mean packet latency under load of the executed messages that cross a
    scoped link (event engine)."""
    latency = packet_latency_s(execution, net)
    r = execution.routes
    owner = np.repeat(np.arange(r.hop_ptr.size - 1), np.diff(r.hop_ptr))
    crosses = np.bincount(owner, weights=in_scope[r.hop_links].astype(float),
                          minlength=r.hop_ptr.size - 1) > 0
    keep = crosses[execution.msg_tmpl] & (latency >= 0)
    bits = execution.wire_bits[execution.msg_tmpl][keep]
    return float(np.average(latency[keep], weights=bits)) if bits.sum() > 0 else 0.0


def workload_label(spec: RunSpec) -> str:
    """How the workload ran: analytical (one inference in steady state), or the event
    engine's granularity and each network's arrivals."""
    sim = spec.simulation
    if sim.engine != "event":
        return sim.engine
    arrivals = []
    for n in spec.workload.networks:
        given = n.arrivals.model_dump(exclude_none=True)
        arrivals.append(",".join(f"{k}={v}" for k, v in given.items()) or "batch=1")
    streams = "; ".join(dict.fromkeys(arrivals))
    return (f"event ({sim.granularity} granularity, {len(arrivals)} concurrent "
            f"stream(s), arrivals {streams})")


EVENT_BATCH = 4
"""Inferences of each network the event engine runs, all arriving at once (assumption:
enough for the pipeline to reach its steady rate; throughput = (N - 1) / completion span)."""


def on_event_engine(spec: RunSpec, granularity: str = "rows",
                    batch: int = EVENT_BATCH) -> RunSpec:
    """The same design on the event engine: every network a concurrent stream of `batch`
    inferences arriving at t = 0, tasks at `granularity` (rows or layer)."""
    data = spec.model_dump(exclude_none=True)
    for network in data["workload"]["networks"]:
        network["arrivals"] = {"batch": batch}
    simulation = data.setdefault("simulation", {})
    simulation.pop("rate_ips", None)
    simulation.update(engine="event", granularity=granularity)
    return parse_run(data, "reproduction on the event engine")


def measure_case(spec, scope: str | None = None) -> tuple[CaseQuantities, Any]:
    """Evaluate one design on the engine its spec names; its quantities and the evaluation."""
    evaluation = evaluate_full(spec, detail=False)
    return network_quantities(evaluation, scope), evaluation


PAPER_QUANTITIES: tuple[str, ...] = ("net_zero_load_latency_s", "net_packet_latency_s",
                                     "net_energy_j", "net_edp_js")
SYSTEM_QUANTITIES: tuple[str, ...] = ("latency_s", "energy_j", "edp_js")
ENGINE_QUANTITIES: tuple[str, ...] = ("net_packet_latency_analytical_s",
                                      "latency_analytical_s", "energy_analytical_j",
                                      "throughput_ips", "throughput_analytical_ips")
"""The event engine's figures beside the analytical engine's, for the same designs."""
HIGHER_IS_BETTER: frozenset[str] = frozenset({"throughput_ips", "throughput_analytical_ips"})
"""Quantities whose best change is the largest (every other: the lowest)."""
ALL_QUANTITIES: tuple[str, ...] = (*PAPER_QUANTITIES, *SYSTEM_QUANTITIES, *ENGINE_QUANTITIES)


@dataclass(frozen=True)
class Published:
    """A published figure: its value, the quantity it is read as, its sentence and source."""

    key: str
    value: float
    quantity: str
    sentence: str
    source: str
    inferred: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def change(target: float, base: float) -> float | None:
    """`target / base - 1`, or None where the base is zero (JSON has no NaN)."""
    return target / base - 1.0 if base > 0 else None


def comparison_row(case: dict[str, Any], target: str, baseline: str,
                   mine: dict[str, Any], theirs: dict[str, Any],
                   published: dict[str, Published] | None = None) -> dict[str, Any]:
    """One row per case and baseline: every paper and system quantity of both and the change.

    `mine` and `theirs` are `CaseQuantities.to_dict()` of the target and the baseline;
    `published` maps a quantity to the figure the paper gives for it.
    """
    row: dict[str, Any] = {**case, "design": target, "baseline": baseline,
                           "scope": mine.get("scope"), "engine": mine.get("engine"),
                           "workload": mine.get("workload", "")}
    for key in ALL_QUANTITIES:
        a, b = mine.get(key), theirs.get(key)  # None: not computed for this reproduction
        row[key] = {"design": a, "baseline": b,
                    "change": None if a is None or b is None else change(float(a), float(b))}
    for key, figure in (published or {}).items():
        row[key]["published"] = figure.value
    return row


def best_changes(rows: list[dict[str, Any]], key: str = "baseline") -> dict[str, Any]:
    """Per baseline and over all: the lowest ("up to") and mean change of every quantity.

    A quantity's `published` figure is kept where every row of the group has the same one.
    """

    def stats(selected):
        out = {}
        for q in ALL_QUANTITIES:
            values = [r[q]["change"] for r in selected
                      if q in r and r[q]["change"] is not None]
            if values:
                best, worst = ((max(values), min(values)) if q in HIGHER_IS_BETTER
                               else (min(values), max(values)))
                out[q] = {"best": best, "mean": float(np.mean(values)),
                          "worst": worst, "cases": len(values)}
                papers = {r[q].get("published") for r in selected} - {None}
                if len(papers) == 1:
                    out[q]["published"] = papers.pop()
        return out

    summary = {"overall": stats(rows), "per_" + key: {}}
    for name in dict.fromkeys(r[key] for r in rows):
        summary["per_" + key][name] = stats([r for r in rows if r[key] == name])
    return summary
