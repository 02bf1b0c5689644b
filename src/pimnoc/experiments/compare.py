"""Compare network topologies on one design: each with its natural placement and with a shared one.

A fair comparison needs both: a topology built for a placement (Floret for its curves) is
measured with that placement ("natural"), and every topology is also measured with one
placement common to all ("same"), so that the topology's effect is seen apart from the
mapping's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from pimnoc.config import RunSpec, parse_run
from pimnoc.errors import ConfigError, unknown_name
from pimnoc.evaluate import (
    ENGINES,
    evaluate_full,
    latency_without_network,
    topology_and_routing,
)
from pimnoc.experiments.compare_defaults import DEFAULT_SAME_PLACEMENT
from pimnoc.experiments.quantities import network_quantities
from pimnoc.hardware.topologies import NOC_TOPOLOGIES, NOI_TOPOLOGIES
from pimnoc.hardware.topologies.grid3d import NOC3D
from pimnoc.hardware.topology import INTERPOSER, Topology
from pimnoc.search import placement_names

PlacementMode = Literal["natural", "same", "both"]
PLACEMENT_MODES: tuple[str, ...] = ("natural", "same", "both")


NATURAL_PLACEMENTS: dict[str, str] = {
    "mesh": "row_major",  # SIAM maps layers chiplet after chiplet in row order
    "floret": "sfc",  # Floret: layers follow its own space-filling curves
    "sfc_cube": "sfc",  # SFC-degenerated k-ary n-cubes follow their curve
    "sfc3d": "sfc",  # TEFLON's 3D SFC NoC: layers follow the curve through the tiers
}
"""Placement each topology is published with; unlisted ones: `sfc` if the NoI has its own
curve, else `row_major` (the sequential chiplet-by-chiplet mapping of SIAM-style studies)."""

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class CompareRow:
    """The headline figures of one (topology, placement) evaluation."""

    topology: str
    placement: str
    placement_kind: str
    latency_s: float
    throughput_ips: float
    interval_s: float
    bottleneck: str
    energy_j: float
    network_energy_j: float
    compute_energy_j: float
    leakage_energy_j: float
    edp_js: float
    network_latency_s: float
    links: int
    wire_length_mm: float
    router_ports: int
    noi_links: int
    noi_wire_length_mm: float
    busiest_link_utilisation: float
    wall_s: float
    net_scope: str = ""
    net_zero_load_latency_s: float = 0.0
    net_packet_latency_s: float = 0.0
    net_energy_j: float = 0.0
    net_edp_js: float = 0.0
    net_packet_latency_analytical_s: float = 0.0
    latency_analytical_s: float = 0.0
    energy_analytical_j: float = 0.0
    throughput_analytical_ips: float = 0.0
    workload: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def network_key(spec: RunSpec) -> str:
    """The design key a topology name goes to: the NoI for 2.5D, the on-die network otherwise."""
    return "noi" if spec.design.integration == "2.5d" else "noc"


DEFAULT_TOPOLOGIES: dict[str, tuple[str, ...]] = {
    "2.5d": ("mesh", "kite_small", "butterdonut", "hexamesh", "swap", "floret"),
    "2d": ("mesh", "torus"),
    "3d": ("mesh3d", "sfc3d"),
}
"""What `compare` evaluates when no topologies are named, per integration."""


def topology_names(spec: RunSpec) -> list[str]:
    """Topology names valid for this design's integration (3D needs a 3D-aware NoC)."""

    if network_key(spec) == "noi":
        return NOI_TOPOLOGIES.names()
    if spec.design.integration == "3d":
        return sorted(NOC3D)
    return [name for name in NOC_TOPOLOGIES.names() if name not in NOC3D]


def default_topologies(spec: RunSpec) -> list[str]:
    """The topologies `compare` evaluates when none are named: those that fit the design."""
    return list(DEFAULT_TOPOLOGIES[spec.design.integration])


def with_changes(spec: RunSpec, topology: str | None = None, placement: str | None = None,
                 engine: str | None = None, design: dict[str, Any] | None = None,
                 mapping: dict[str, Any] | None = None,
                 simulation: dict[str, Any] | None = None) -> RunSpec:
    """A copy of `spec` with another topology, placement, engine or section keys.

    A new topology drops the old one's builder parameters (they belong to that builder);
    the boundary, the chiplet interface and the ports per chiplet stay.
    """
    data = spec.model_dump(exclude_none=True)
    key = network_key(spec)
    current = getattr(spec.design, key).topology
    if topology is not None and topology != current:
        old = data["design"].get(key, {})
        kept = ("boundary", "interface", "ports_per_chiplet")
        data["design"][key] = {"topology": topology,
                               **{k: old[k] for k in kept if k in old}}
    if placement is not None:
        data.setdefault("mapping", {})["placement"] = placement
    if engine is not None:
        data.setdefault("simulation", {})["engine"] = engine
    for section, changes in (("design", design), ("mapping", mapping),
                             ("simulation", simulation)):
        for dotted, value in (changes or {}).items():
            target = data.setdefault(section, {})
            *parents, last = dotted.split(".")
            for part in parents:
                target = target.setdefault(part, {})
            target[last] = value
    return parse_run(data, "comparison")


def natural_placement(topology: str, topo: Topology | None = None) -> str:
    """The placement a topology is published with (see NATURAL_PLACEMENTS)."""
    if topology in NATURAL_PLACEMENTS:
        return NATURAL_PLACEMENTS[topology]
    noi = topo.meta.get("noi") if topo is not None else None
    return "sfc" if getattr(noi, "curve_order", None) is not None else "row_major"


def ensure_engine(name: str) -> None:
    """Raise ConfigError naming `--engine` if no network engine has that name."""
    if name == "cycle":
        raise ConfigError("--engine cycle was removed; run the flit-level network with "
                          "simulation: {engine: event, network: flit} in the design file")
    if name not in ENGINES:
        raise unknown_name("--engine", name, ENGINES.names())


def _noi_figures(topo: Topology) -> tuple[int, float]:
    mask = topo.link_kind == INTERPOSER
    return int(np.count_nonzero(mask) // 2), float(topo.link_length_mm[mask].sum() / 2.0)


def measure(spec: RunSpec, topology: str, placement: str, kind: str) -> CompareRow:
    """Evaluate one design point and keep the figures a comparison reports."""
    evaluation = evaluate_full(spec)
    result = evaluation.result
    paper = network_quantities(evaluation)
    latency_compute = latency_without_network(evaluation)
    noi_links, noi_wire = _noi_figures(evaluation.topology)
    energy = result.energy_j
    return CompareRow(
        topology=topology, placement=placement, placement_kind=kind,
        latency_s=result.latency_s, throughput_ips=result.throughput_ips,
        interval_s=result.interval_s, bottleneck=result.bottleneck,
        energy_j=energy["total"], network_energy_j=energy["router"] + energy["link"],
        compute_energy_j=energy["compute"], leakage_energy_j=energy["leakage"],
        edp_js=result.edp_js, network_latency_s=max(0.0, result.latency_s - latency_compute),
        links=result.links, wire_length_mm=result.wire_length_mm,
        router_ports=result.router_ports, noi_links=noi_links, noi_wire_length_mm=noi_wire,
        busiest_link_utilisation=float(result.busiest_link.get("utilisation", 0.0)),
        wall_s=result.wall_s, net_scope=paper.scope,
        net_zero_load_latency_s=paper.net_zero_load_latency_s,
        net_packet_latency_s=paper.net_packet_latency_s, net_energy_j=paper.net_energy_j,
        net_edp_js=paper.net_edp_js,
        net_packet_latency_analytical_s=paper.net_packet_latency_analytical_s,
        latency_analytical_s=paper.latency_analytical_s,
        energy_analytical_j=paper.energy_analytical_j,
        throughput_analytical_ips=paper.throughput_analytical_ips, workload=paper.workload,
    )


def plan(spec: RunSpec, topologies: Iterable[str], placements: PlacementMode = "both",
         same_placement: str = DEFAULT_SAME_PLACEMENT) -> list[tuple[str, str, str]]:
    """The (topology, placement, kind) points a comparison evaluates, without duplicates.

    With `both`, a topology whose natural placement is the shared one gets one row, kind
    `natural+same`.
    """
    if placements not in PLACEMENT_MODES:
        raise ConfigError(f"--placements: unknown '{placements}'; choose one of: "
                          f"{', '.join(PLACEMENT_MODES)}")
    if same_placement not in placement_names():
        raise unknown_name("--same-placement", same_placement, placement_names())
    names = list(dict.fromkeys(t.strip() for t in topologies if t.strip()))
    if not names:
        raise ConfigError("--topologies: give at least one topology name, e.g. mesh,floret")
    valid = topology_names(spec)
    points = []
    for name in names:
        if name not in valid:
            raise unknown_name(f"--topologies ({network_key(spec)})", name, valid)
        topo, _ = topology_and_routing(with_changes(spec, topology=name))
        natural = natural_placement(name, topo)
        if placements in ("natural", "both"):
            same_too = placements == "both" and natural == same_placement
            points.append((name, natural, "natural+same" if same_too else "natural"))
        if placements in ("same", "both") and not (placements == "both"
                                                   and natural == same_placement):
            points.append((name, same_placement, "same"))
    return points


def compare(spec: RunSpec, topologies: Iterable[str], placements: PlacementMode = "both",
            same_placement: str = DEFAULT_SAME_PLACEMENT, engine: str | None = None,
            progress: ProgressFn | None = None, load: float | None = None) -> list[CompareRow]:
    """One row per (topology, placement): natural, shared, or both (see module doc).

    With `load`, every point runs at the same offered rate, `load` times the throughput of
    the slowest one: latencies compared at equal injection, as latency-load curves do (at
    1.0 the slowest design sits at its saturation throughput).
    """
    if load is not None and not 0.0 < load <= 1.0:
        raise ConfigError(f"--load: must be in (0, 1], got {load}")
    if engine is not None:
        ensure_engine(engine)
    points = plan(spec, topologies, placements, same_placement)
    steps = len(points) * (2 if load else 1)

    def run_all(rate: float | None, done: int) -> list[CompareRow]:
        rows = []
        for i, (name, placement, kind) in enumerate(points):
            if progress is not None:
                progress(done + i, steps, f"{name} / {placement}")
            point = with_changes(spec, topology=name, placement=placement, engine=engine,
                                 simulation={"rate_ips": rate} if rate else None)
            rows.append(measure(point, name, placement, kind))
        return rows

    rows = run_all(spec.simulation.rate_ips, 0)
    if load:
        rows = run_all(load * min(r.throughput_ips for r in rows), len(points))
    if progress is not None:
        progress(steps, steps, "done")
    return rows


def relative_to(rows: list[CompareRow], baseline: CompareRow,
                metrics: Iterable[str]) -> list[dict[str, float]]:
    """Each row's metrics divided by the baseline's (1.0 = equal; NaN where the baseline is 0)."""
    out = []
    for row in rows:
        values = {}
        for m in metrics:
            base = float(getattr(baseline, m))
            values[m] = float(getattr(row, m)) / base if base else float("nan")
        out.append(values)
    return out
