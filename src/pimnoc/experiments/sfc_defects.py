"""Reproduce the defect-aware SFC k-ary n-cube: NoIs degenerated around defective chiplets.

Sharma, Ogras, Kalyanaraman, Pande, "A Dataflow-Aware Network-on-Interposer for CNN
Inferencing in the Presence of Defective Chiplets" (IEEE TCAD 2024), via the seed paper's
abstract: k-ary n-cube NoIs whose chiplets or links are defective are degenerated into
their space-filling-curve (SFC) counterparts, with "up to 2.3x and 3.5x reduction in latency
and energy" against the parent NoI. Here, per (grid, parent, defect rates, seed):

- defects (`draw_defects`): each chiplet is faulty with probability `chiplet_rate` (yield
  1 - rate); each link site (a pair of chiplets) is faulty with probability `link_rate`, the
  fate of a pair being the same in every design (a faulty site kills any link between
  those two chiplets). Routers sit on the chiplets (passive interposer, assumption), so a
  faulty chiplet takes its router and links with it.
- the parent (mesh, torus or folded torus on the k x k grid) keeps its healthy links and is
  routed minimally with an up*/down* escape channel around the defects; chiplets cut off
  from the largest healthy part are unusable.
- the SFC counterpart (`degenerate`) follows the Floret loop of Hilbert curves through the
  healthy chiplets only: consecutive healthy chiplets are linked (a link skipping a faulty
  chiplet spans the straight distance), where that link site is faulty the next chiplet is
  linked to the nearest earlier healthy one instead; links between curve positions p and
  p + k (the cube's second dimension, as `sfc_cube`) are kept where they span at most two
  pitches.
- the same traffic on both: the chiplet-to-chiplet bits of the workload mapped on the healthy
  grid (slot i = the i-th chiplet of the placement), put on the i-th usable chiplet of each
  design's natural placement (curve order for the SFC, row-major for the parent).

NoI figures come from the analytical engine's functions (zero-load packet latency, NoI link
and router energy, contention at the design's own throughput bound); the NoI is evaluated
alone (`simulation.engine` of the healthy run selects the engine of the traffic model).

System figures (for the cases whose seed is in `system_seeds`): each design is built as a
whole 2.5D system whose NoI is the `custom` one with the design's links and lengths, the
defective and cut-off chiplets marked `faulty` (the mapper puts no work on them), the mix
mapped without replication along the design's natural placement, run on the event engine
(each network a stream of `batch` inferences) with the analytical figures beside.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pimnoc.config import parse_run
from pimnoc.engines.analytical.network import (
    estimate,
    link_energy_pj_per_bit,
    network_interval,
    route_flows,
)
from pimnoc.errors import CapacityError, ConfigError
from pimnoc.evaluate import evaluate_full
from pimnoc.experiments.floret import MIXES, PES_PER_CHIPLET
from pimnoc.experiments.quantities import (
    ENGINE_QUANTITIES,
    EVENT_BATCH,
    SYSTEM_QUANTITIES,
    Published,
    best_changes,
    comparison_row,
    measure_case,
    on_event_engine,
)
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.tech import NetworkTech
from pimnoc.hardware.topologies import NOI_TOPOLOGIES
from pimnoc.hardware.topologies.floret import floret_ring
from pimnoc.hardware.topology import INTERPOSER, PE, LinkList, Topology
from pimnoc.traffic.flows import Flows

PARENTS: tuple[str, ...] = ("mesh", "torus", "folded_torus")
"""The k-ary 2-cubes degenerated (NoI builder names)."""

_SENTENCE = ("k-ary n-cube NoIs with defective chiplets/links degenerated into their SFC "
             "counterparts give \"up to 2.3x and 3.5x reduction in latency and energy\" "
             "against the parent NoI (paraphrased from the abstract)")
_SOURCE = "Sharma et al., IEEE TCAD 2024 (abstract)"
_INFERRED = ("'up to' is the best case over parents, defect rates and workloads; the same "
             "chiplets compute in both, so the figures are read as the NoI's packet latency "
             "(1/2.3 - 1 = -57 %) and NoI energy (1/3.5 - 1 = -71 %)")
PUBLISHED: dict[str, Published] = {
    "net_zero_load_latency_s": Published("latency", 1 / 2.3 - 1, "NoI packet latency",
                                         _SENTENCE, _SOURCE, _INFERRED),
    "net_packet_latency_s": Published("latency", 1 / 2.3 - 1, "NoI packet latency",
                                      _SENTENCE, _SOURCE, _INFERRED),
    "net_energy_j": Published("energy", 1 / 3.5 - 1, "NoI energy", _SENTENCE, _SOURCE,
                              _INFERRED),
}
"""The TCAD 2024 figures as changes of the quantity they are read as."""

FULL: dict[str, Any] = {"sides": (6, 8), "parents": PARENTS,
                        "chiplet_rates": (0.0, 0.05, 0.1, 0.2, 0.3),
                        "link_rates": (0.0, 0.05, 0.1), "seeds": tuple(range(5)),
                        "mixes": ("dense", "resnets"), "system_seeds": (0,),
                        "granularity": "layer"}
QUICK: dict[str, Any] = {"sides": (6,), "parents": PARENTS, "chiplet_rates": (0.1, 0.2),
                         "link_rates": (0.05,), "seeds": (0, 1), "mixes": ("dense",),
                         "system_seeds": (0,), "granularity": "layer"}
"""Options of the full run and of `--quick`."""

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Defects:
    """Faulty chiplets and the seeded fate of every link site of a grid."""

    side: int
    faulty_chiplets: frozenset[int]
    link_rate: float
    seed: int

    def link_ok(self, a: int, b: int) -> bool:
        """Whether the link site between chiplets a and b is healthy (same in every design)."""
        lo, hi = min(a, b), max(a, b)
        draw = np.random.default_rng([self.seed, 7, lo, hi]).random()
        return bool(draw >= self.link_rate)

    @property
    def healthy(self) -> list[int]:
        """Chiplets that work, in id order."""
        return [c for c in range(self.side**2) if c not in self.faulty_chiplets]


def draw_defects(side: int, chiplet_rate: float, link_rate: float, seed: int) -> Defects:
    """Seeded defects: each chiplet faulty with `chiplet_rate`, each link site with `link_rate`."""
    for name, rate in (("--chiplet-rates", chiplet_rate), ("--link-rates", link_rate)):
        if not 0.0 <= rate < 1.0:
            raise ConfigError(f"{name}: a defect rate must be in [0, 1), got {rate}")
    rng = np.random.default_rng([seed, 3, side])
    faulty = np.flatnonzero(rng.random(side * side) < chiplet_rate)
    return Defects(side, frozenset(int(c) for c in faulty), link_rate, seed)


def _length(a: int, b: int, side: int) -> float:
    (ra, ca), (rb, cb) = divmod(a, side), divmod(b, side)
    return float(math.hypot(ra - rb, ca - cb)) if ra != rb and ca != cb else float(
        abs(ra - rb) + abs(ca - cb))


def parent_edges(parent: str, side: int, defects: Defects) -> list[tuple[int, int, float]]:
    """The parent's links (a, b, length in pitches) that survive the defects."""
    if parent not in PARENTS:
        raise ConfigError(f"--parents: unknown '{parent}'; choose from {', '.join(PARENTS)}")
    graph = NOI_TOPOLOGIES.get(parent)(side, side)
    out = []
    for i, (a, b) in enumerate(graph.edges):
        if a in defects.faulty_chiplets or b in defects.faulty_chiplets:
            continue
        if not defects.link_ok(a, b):
            continue
        # Manhattan between the sites: torus wrap links span the grid, folded-torus links two.
        length = (float(graph.lengths[i]) if graph.lengths is not None
                  else _length(a, b, side))
        out.append((a, b, length))
    return out


def degenerate(side: int, defects: Defects, max_length: float = 2.0
               ) -> list[tuple[int, int, float]]:
    """The SFC counterpart around the defects: the curve through the healthy chiplets.

    Consecutive healthy chiplets along the Floret loop are linked; where that link site is
    faulty, the chiplet is linked to the nearest earlier healthy one on a healthy site (else
    the nearest later one);
    second-dimension links (curve positions p and p + k) are added where they span at most
    `max_length` pitches.
    """
    order, _ = floret_ring(side, side)
    curve = [c for c in order if c not in defects.faulty_chiplets]
    edges: dict[tuple[int, int], float] = {}

    def add(a: int, b: int) -> None:
        edges[(min(a, b), max(a, b))] = _length(a, b, side)

    for i in range(1, len(curve)):
        a, b = curve[i - 1], curve[i]
        if defects.link_ok(a, b):
            add(a, b)
            continue
        # Nearest earlier chiplet on a healthy site, else the nearest later one (which links
        # back to the curve in its turn).
        for group in (curve[:i - 1], curve[i + 1:]):
            near = [c for c in sorted(group, key=lambda c: (_length(c, b, side), c))
                    if defects.link_ok(c, b)]
            if near:
                add(near[0], b)
                break
    for p in range(len(curve) - side):
        a, b = curve[p], curve[p + side]
        if _length(a, b, side) <= max_length + 1e-9 and defects.link_ok(a, b):
            add(a, b)
    return [(a, b, length) for (a, b), length in edges.items()]


def usable(chiplets: Sequence[int], edges: Sequence[tuple[int, int, float]]) -> list[int]:
    """The largest connected group of healthy chiplets (the rest cannot be reached)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(chiplets)
    graph.add_edges_from((a, b) for a, b, _ in edges)
    if graph.number_of_nodes() == 0:
        return []
    best = max(nx.connected_components(graph), key=lambda g: (len(g), -min(g)))
    return sorted(best)


def noi_topology(name: str, chiplets: Sequence[int], edges: Sequence[tuple[int, int, float]],
                 side: int, pitch_mm: float, cycles_per_mm: float) -> Topology:
    """A NoI-only topology: one router with a terminal per usable chiplet, interposer links."""
    index = {c: i for i, c in enumerate(chiplets)}
    links = LinkList()
    for a, b, pitches in edges:
        if a in index and b in index:
            length = pitches * pitch_mm
            links.add(index[a], index[b], INTERPOSER, length,
                      max(1, int(np.ceil(length * cycles_per_mm - 1e-9))))
    n = len(chiplets)
    rc = np.array([divmod(c, side) for c in chiplets], dtype=float).reshape(n, 2)
    return Topology(
        name=name, node_xy_mm=rc[:, ::-1] * pitch_mm, node_tier=np.zeros(n, dtype=np.int64),
        node_chiplet=np.asarray(chiplets, dtype=np.int64), node_kind=np.full(n, PE),
        node_coord=np.zeros((n, 3), dtype=np.int64), node_group=np.zeros(n, dtype=np.int64),
        group_dims=np.array([[1, 1, 1]]), group_wraps=np.array([[False, False, False]]),
        routing="escape", meta={"integration": "noi", "chiplets": list(chiplets)},
        **links.arrays())


@dataclass(frozen=True)
class SlotTraffic:
    """Bits per inference between chiplet slots (slot i: the i-th chiplet a placement fills)."""

    src: np.ndarray
    dst: np.ndarray
    bits: np.ndarray
    slots: int
    compute_interval_s: float
    pitch_mm: float


def slot_traffic(side: int, mix: str, engine: str = "analytical") -> SlotTraffic:
    """The inter-chiplet traffic of a mix mapped without replication on a healthy grid."""

    if mix not in MIXES:
        raise ConfigError(f"--mixes: unknown mix '{mix}'; choose from {', '.join(MIXES)}")
    rows, cols = PES_PER_CHIPLET
    spec = parse_run({
        "workload": {"networks": [{"model": m, "input_hw": 224} for m in MIXES[mix]]},
        "design": {"integration": "2.5d", "chiplets": {"rows": side, "cols": side},
                   "pes": {"rows": rows, "cols": cols}, "noi": {"topology": "mesh"}},
        "mapping": {"placement": "row_major", "replication": "none"},
        "simulation": {"engine": engine}}, f"sfc-cube traffic {side}x{side}/{mix}")
    ev = evaluate_full(spec, detail=False)
    topo, flows = ev.topology, ev.flows
    chip = topo.node_chiplet
    src, dst = chip[flows.src], chip[flows.dst]
    cross = src != dst
    # Row-major placement fills chiplets in id order: chiplet id = slot.
    key = src[cross] * side * side + dst[cross]
    pairs, inverse = np.unique(key, return_inverse=True)
    bits = np.bincount(inverse, weights=flows.bits[cross])
    per_chiplet = rows * cols
    used = max(-(-ev.result.pes_used // per_chiplet), int(chip[flows.src].max(initial=0)) + 1,
               int(chip[flows.dst].max(initial=0)) + 1)
    compute = max(float(ev.compute.time_s.max(initial=0.0)), ev.compute.busiest_node_s)
    pitch = float(topo.meta["chiplet_w_mm"]) + ev.net.chiplet_gap_mm
    return SlotTraffic(pairs // (side * side), pairs % (side * side), bits, used, compute,
                       pitch)


def case_quantities(name: str, chiplets: Sequence[int], edges, placement: Sequence[int],
                    traffic: SlotTraffic, side: int, engine: str = "analytical"
                    ) -> dict[str, Any]:
    """NoI quantities of one defective design carrying the slot traffic (paper's scope)."""

    net = NetworkTech()
    topo = noi_topology(name, chiplets, edges, side, traffic.pitch_mm,
                        net.interposer_cycles_per_mm)
    routing = make_routing(topo)
    index = {c: i for i, c in enumerate(chiplets)}
    node_of_slot = np.array([index[c] for c in placement], dtype=np.int64)
    k = traffic.src.size
    flows = Flows(node_of_slot[traffic.src], node_of_slot[traffic.dst], traffic.bits,
                  np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64),
                  np.zeros(k, dtype=np.int64))
    routed = route_flows(routing, flows, net)
    interval = max(traffic.compute_interval_s, network_interval(topo, routed, flows, net))
    estimate_ = estimate(routing, flows, net, interval, routed)
    bits = flows.bits[routed.flow_index]
    # Up and down the micro-bumps at both ends: one cycle and `ubump_pj_per_bit` each.
    zero = routed.zero_load_cycles + (net.packet_flits - 1.0) + 2.0
    head = estimate_.flow_latency_s - bits / net.link_bandwidth_bps + 2.0 * net.cycle_s
    weights = bits if bits.sum() > 0 else np.ones_like(bits)
    energy = (estimate_.router_energy_j + estimate_.link_energy_j
              + 2.0 * net.ubump_pj_per_bit * 1e-12 * float(bits.sum()))
    packet_s = float(np.average(head, weights=weights)) if bits.size else 0.0
    link_only = float(routed.link_load_bits @ link_energy_pj_per_bit(topo, net)) * 1e-12
    return {
        "scope": "noi", "engine": "analytical",
        "net_zero_load_latency_s": float(np.average(zero, weights=weights)) * net.cycle_s
        if bits.size else 0.0,
        "net_packet_latency_s": packet_s, "net_energy_j": energy,
        "net_edp_js": energy * packet_s, "net_link_energy_j": link_only,
        "latency_s": None, "energy_j": None, "edp_js": None,
        "links": topo.num_links, "wire_pitches": float(sum(e[2] for e in edges)),
        "usable_chiplets": len(chiplets), "mean_hops": float(np.average(
            routed.hops, weights=weights)) if bits.size else 0.0,
        "throughput_bound_ips": 1.0 / interval,
    }


def system_design(side: int, mix: str, chiplets: Sequence[int], edges, curve: bool,
                  engine: str = "event", granularity: str = "layer",
                  batch: int = EVENT_BATCH):
    """The whole 2.5D system of one defective design: its links as a custom NoI, the
    chiplets outside `chiplets` faulty, the mix along the SFC curve (`curve`) or row-major."""
    usable = set(chiplets)
    kept = [(a, b, length) for a, b, length in edges if a in usable and b in usable]
    noi: dict[str, Any] = {"topology": "custom", "edges": [[a, b] for a, b, _ in kept],
                           "lengths": [length for _a, _b, length in kept],
                           "faulty": [c for c in range(side * side) if c not in usable]}
    if curve:
        order, _ = floret_ring(side, side)
        noi["curve"] = [c for c in order if c in usable]
    rows, cols = PES_PER_CHIPLET
    spec = parse_run({
        "workload": {"networks": [{"model": m, "input_hw": 224} for m in MIXES[mix]]},
        "design": {"integration": "2.5d", "chiplets": {"rows": side, "cols": side},
                   "pes": {"rows": rows, "cols": cols}, "noi": noi},
        "mapping": {"placement": "sfc" if curve else "row_major", "replication": "none"},
        "simulation": {"engine": "analytical"}}, f"sfc-cube system {side}x{side}/{mix}")
    return on_event_engine(spec, granularity, batch) if engine == "event" else spec


def system_quantities(spec) -> dict[str, Any]:
    """The full system's figures of one design (and its NoI packet latency under load)."""
    q, _ev = measure_case(spec, "noi")
    out = {k: getattr(q, k) for k in (*SYSTEM_QUANTITIES, *ENGINE_QUANTITIES)}
    out["system_net_packet_latency_s"] = q.net_packet_latency_s
    out["system_workload"] = q.workload
    return out


@dataclass(frozen=True)
class SfcCubeReport:
    """Every case (both designs) and the SFC's changes against each parent."""

    cases: list[dict[str, Any]]
    table: list[dict[str, Any]]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"published": {k: v.to_dict() for k, v in PUBLISHED.items()},
                "table": self.table,
                "table_summary": {"all": best_changes(self.table, "group")},
                "cases": self.cases, "skipped": self.skipped, "config": self.config,
                "wall_s": self.wall_s}


def reproduce_sfc_cube(sides: Sequence[int] = FULL["sides"],
                       parents: Sequence[str] = FULL["parents"],
                       chiplet_rates: Sequence[float] = FULL["chiplet_rates"],
                       link_rates: Sequence[float] = FULL["link_rates"],
                       seeds: Sequence[int] = FULL["seeds"],
                       mixes: Sequence[str] = FULL["mixes"],
                       engine: str = "analytical",
                       progress: ProgressFn | None = None,
                       system_seeds: Sequence[int] = (),
                       system_engine: str = "event", granularity: str = "layer",
                       batch: int = EVENT_BATCH) -> SfcCubeReport:
    """Degenerate every parent around every seeded defect pattern and compare on one traffic.

    For the cases whose seed is in `system_seeds`, both designs are also evaluated as whole
    systems (`system_design`) on `system_engine`: the system columns of the table.
    """
    started = time.perf_counter()
    points = [(s, p, cr, lr, seed, mix) for s in sides for mix in mixes for p in parents
              for cr in chiplet_rates for lr in link_rates for seed in seeds]
    traffic = {(s, mix): None for s in sides for mix in mixes}
    cases, table, skipped = [], [], []
    for done, (side, parent, crate, lrate, seed, mix) in enumerate(points):
        if progress is not None:
            progress(done, len(points), f"{side}x{side} {parent} {crate:.2f}/{lrate:.2f} "
                                        f"seed {seed} {mix}")
        if traffic[(side, mix)] is None:
            traffic[(side, mix)] = slot_traffic(side, mix, engine)
        slots = traffic[(side, mix)]
        defects = draw_defects(side, crate, lrate, seed)
        healthy = defects.healthy
        p_edges = parent_edges(parent, side, defects)
        s_edges = degenerate(side, defects)
        p_use, s_use = usable(healthy, p_edges), usable(healthy, s_edges)
        need = slots.slots
        case = {"side": side, "parent": parent, "chiplet_rate": crate, "link_rate": lrate,
                "seed": seed, "mix": mix, "faulty_chiplets": sorted(defects.faulty_chiplets),
                "healthy": len(healthy), "usable_parent": len(p_use),
                "usable_sfc": len(s_use), "slots": need}
        if min(len(p_use), len(s_use)) < need:
            skipped.append({**case, "reason": f"the mix needs {need} chiplets, "
                            f"{min(len(p_use), len(s_use))} usable"})
            continue
        order, _ = floret_ring(side, side)
        sfc_place = [c for c in order if c in set(s_use)][:need]
        parent_place = p_use[:need]  # row-major: ids in order
        mine = case_quantities("sfc", s_use, s_edges, sfc_place, slots, side, engine)
        theirs = case_quantities(parent, p_use, p_edges, parent_place, slots, side, engine)
        if seed in system_seeds:
            try:
                mine |= system_quantities(system_design(side, mix, s_use, s_edges, True,
                                                        system_engine, granularity, batch))
                theirs |= system_quantities(system_design(side, mix, p_use, p_edges, False,
                                                          system_engine, granularity, batch))
            except CapacityError as exc:
                case["system_skipped"] = str(exc)
        case["sfc"], case["parent_figures"] = mine, theirs
        cases.append(case)
        row = comparison_row({k: case[k] for k in ("side", "parent", "chiplet_rate",
                                                   "link_rate", "seed", "mix")}
                             | {"group": f"{parent} {side}x{side}"},
                             "sfc", parent, mine, theirs, PUBLISHED)
        for extra in ("net_link_energy_j", "links", "wire_pitches", "mean_hops"):
            row[extra] = {"design": mine[extra], "baseline": theirs[extra]}
        if "system_net_packet_latency_s" in mine and "system_net_packet_latency_s" in theirs:
            a, b = mine["system_net_packet_latency_s"], theirs["system_net_packet_latency_s"]
            row["system_net_packet_latency_s"] = {"design": a, "baseline": b,
                                                  "change": a / b - 1 if b > 0 else None}
            row["workload"] = mine["system_workload"]
        table.append(row)
    if progress is not None:
        progress(len(points), len(points), "done")
    config = {"sides": list(sides), "parents": list(parents),
              "chiplet_rates": list(chiplet_rates), "link_rates": list(link_rates),
              "seeds": list(seeds), "mixes": list(mixes), "engine": engine,
              "system_seeds": list(system_seeds), "system_engine": system_engine,
              "granularity": granularity, "batch": batch}
    return SfcCubeReport(cases, table, skipped, config, time.perf_counter() - started)

