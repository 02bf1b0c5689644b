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

from pimnoc.engines.analytical.network import (
    link_energy_pj_per_bit,
    router_delay_extra,
    router_energy_pj_per_bit,
)
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
    packets end to end under the workload, as the engine computed it. `net_energy_j`: energy
    per inference of the scoped links and routers. `net_edp_js`: `net_energy_j x
    net_packet_latency_s`.
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
        packet_s = float(np.average(head_s, weights=weights))
    else:
        zero_load_s = packet_s = 0.0
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
    return CaseQuantities(
        scope=scope, engine=evaluation.spec.simulation.engine,
        net_zero_load_latency_s=zero_load_s, net_packet_latency_s=packet_s,
        net_energy_j=energy_j, net_edp_js=energy_j * packet_s,
        net_packets=float(weights.sum() / (net.flit_bits * net.packet_flits)),
        latency_s=float(result.latency_s), energy_j=float(result.energy_j["total"]),
        edp_js=float(result.edp_js), throughput_ips=float(result.throughput_ips),
    )


def measure_case(spec, scope: str | None = None) -> tuple[CaseQuantities, Any]:
    """Evaluate one design on the engine its spec names; its quantities and the evaluation."""
    evaluation = evaluate_full(spec, detail=False)
    return network_quantities(evaluation, scope), evaluation


PAPER_QUANTITIES: tuple[str, ...] = ("net_zero_load_latency_s", "net_packet_latency_s",
                                     "net_energy_j", "net_edp_js")
SYSTEM_QUANTITIES: tuple[str, ...] = ("latency_s", "energy_j", "edp_js")


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
                           "scope": mine.get("scope"), "engine": mine.get("engine")}
    for key in (*PAPER_QUANTITIES, *SYSTEM_QUANTITIES):
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
        for q in (*PAPER_QUANTITIES, *SYSTEM_QUANTITIES):
            values = [r[q]["change"] for r in selected if r[q]["change"] is not None]
            if values:
                out[q] = {"best": min(values), "mean": float(np.mean(values)),
                          "worst": max(values), "cases": len(values)}
                papers = {r[q].get("published") for r in selected} - {None}
                if len(papers) == 1:
                    out[q]["published"] = papers.pop()
        return out

    summary = {"overall": stats(rows), "per_" + key: {}}
    for name in dict.fromkeys(r[key] for r in rows):
        summary["per_" + key][name] = stats([r for r in rows if r[key] == name])
    return summary
