"""Throughput as the crossbar budget grows: where the interconnect stops adding crossbars paying.

The seed research's premise: replicating layers on more crossbars shortens the slowest
pipeline stage (the compute bound, 1 / slowest stage), but every copy must be fed, so the
busiest link or PE port carries more bits per second (the network bound, 1 / busiest link
time). Throughput is the lower of the two. The sweep keeps the system (chiplet grid, PEs
per chiplet) and raises the crossbars per PE (`design.pe.crossbars`) from the least that
holds the mix to several times more, with `replication: auto` spending the whole budget; it
evaluates each budget on each topology with its natural placement (mesh: row-major,
Floret: its curves). The knee is the budget where the compute bound first reaches the
network bound (log-interpolated between sweep points): beyond it, added crossbars buy
little; a dataflow-aware NoI moves the knee to the right if its network bound is higher.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pimnoc.config import RunSpec
from pimnoc.engines.analytical.network import link_bandwidth_bps
from pimnoc.errors import CapacityError, ConfigError
from pimnoc.evaluate import evaluate_full, topology_and_routing, workloads_of
from pimnoc.experiments.compare import natural_placement, with_changes
from pimnoc.experiments.floret import MIXES, FloretCase, design
from pimnoc.hardware.topology import LINK_KINDS
from pimnoc.mapping.mapper import map_workloads

FACTORS: tuple[float, ...] = (1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)
"""Crossbars per PE of the sweep, as multiples of the least that holds the mix."""

FULL = {"chiplets": 64, "mix": "dense", "topologies": ("mesh", "floret"), "factors": FACTORS}
QUICK = {"chiplets": 36, "mix": "resnets", "topologies": ("mesh", "floret"),
         "factors": (1.0, 1.5, 3.0, 8.0)}
"""The sweep `reproduce scaling` runs, and its `--quick` subset."""

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ScalingPoint:
    """One (topology, crossbars per PE) evaluation."""

    topology: str
    placement: str
    crossbars_per_pe: int
    crossbar_budget: int
    crossbars_used: int
    throughput_ips: float
    compute_bound_ips: float
    network_bound_ips: float
    bottleneck: str
    busiest: str
    latency_s: float
    energy_j: float


@dataclass(frozen=True)
class ScalingReport:
    """A sweep of every topology over the crossbar budget, with each topology's knee."""

    chiplets: int
    mix: str
    networks: tuple[str, ...]
    points: tuple[ScalingPoint, ...]
    knees: dict[str, dict[str, Any]]
    wall_s: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"chiplets": self.chiplets, "mix": self.mix, "networks": list(self.networks),
                "config": self.config, "points": [asdict(p) for p in self.points],
                "knees": self.knees, "wall_s": self.wall_s}


def fits(spec: RunSpec, crossbars: int) -> bool:
    """Whether the workload fits the design with `crossbars` per PE."""

    spec = with_changes(spec, design={"pe.crossbars": crossbars}, mapping={"replication": "none"})
    topo, _ = topology_and_routing(spec)
    try:
        map_workloads(workloads_of(spec), topo, spec.pe_tech(), "row_major", "none")
    except CapacityError:
        return False
    return True


def least_crossbars(spec: RunSpec) -> int:
    """The fewest crossbars per PE that hold the workload on the design (bisection)."""
    lo, hi = 1, max(1, spec.pe_tech().crossbars)
    while not fits(spec, hi):
        lo, hi = hi + 1, hi * 2
        if hi > 1 << 16:
            raise ConfigError("design: the workload does not fit even with 65536 crossbars "
                              "per PE; add chiplets or PEs")
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(spec, mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def measure_point(spec: RunSpec, topology: str, placement: str, crossbars: int) -> ScalingPoint:
    """Evaluate one budget on one topology and split its throughput into the two bounds."""
    point = with_changes(spec, topology=topology, placement=placement,
                         design={"pe.crossbars": crossbars})
    ev = evaluate_full(point)
    compute_interval = max(float(ev.compute.time_s.max(initial=0.0)),
                           float(getattr(ev.compute, "busiest_node_s", 0.0)))
    network_interval = float(ev.network.network_interval_s)
    busiest = ev.result.busiest_link
    routed = ev.network.routed
    link_time = float((routed.link_load_bits / link_bandwidth_bps(ev.topology, ev.net))
                      .max(initial=0.0))
    where = busiest.get("kind", "none") if link_time >= network_interval * (1 - 1e-9) \
        else "pe port"
    per_pe = ev.topology.compute_nodes.size
    return ScalingPoint(
        topology=topology, placement=placement, crossbars_per_pe=crossbars,
        crossbar_budget=crossbars * per_pe, crossbars_used=ev.result.crossbars_used,
        throughput_ips=ev.result.throughput_ips,
        compute_bound_ips=1.0 / compute_interval if compute_interval > 0 else math.inf,
        network_bound_ips=1.0 / network_interval if network_interval > 0 else math.inf,
        bottleneck=ev.result.bottleneck, busiest=where if where in (*LINK_KINDS, "pe port")
        else str(where), latency_s=ev.result.latency_s, energy_j=ev.result.energy_j["total"],
    )


def knee(points: Sequence[ScalingPoint]) -> dict[str, Any]:
    """Where the compute bound first reaches the network bound, and where throughput saturates.

    `knee_budget`: the crossbar budget (log-interpolated) at which the compute bound equals
    the network bound; None if one bound stays below the other over the whole sweep, with
    `regime` saying which. `saturation_budget`: the least swept budget reaching 90 % of the
    best throughput of the sweep.
    """
    pts = sorted(points, key=lambda p: p.crossbar_budget)
    budgets = np.array([p.crossbar_budget for p in pts], dtype=float)
    ratio = np.array([p.compute_bound_ips / p.network_bound_ips for p in pts])
    thr = np.array([p.throughput_ips for p in pts])
    out: dict[str, Any] = {"best_throughput_ips": float(thr.max()),
                           "saturation_budget": int(budgets[np.argmax(thr >= 0.9 * thr.max())]),
                           "first_throughput_ips": float(thr[0]),
                           "gain_over_sweep": float(thr[-1] / thr[0]) if thr[0] > 0 else None,
                           "budget_growth": float(budgets[-1] / budgets[0])}
    above = np.flatnonzero(ratio >= 1.0)
    if above.size == 0:
        out.update(knee_budget=None, regime="compute-bound over the whole sweep")
    elif above[0] == 0:
        out.update(knee_budget=None, regime="network-bound over the whole sweep")
    else:
        i = int(above[0])
        x0, x1 = np.log(budgets[i - 1]), np.log(budgets[i])
        y0, y1 = np.log(ratio[i - 1]), np.log(ratio[i])
        x = x0 + (x1 - x0) * (0.0 - y0) / (y1 - y0) if y1 != y0 else x1
        out.update(knee_budget=float(np.exp(x)), regime="compute-bound, then network-bound")
    return out


def reproduce_scaling(chiplets: int = FULL["chiplets"], mix: str = FULL["mix"],
                      topologies: Sequence[str] = FULL["topologies"],
                      factors: Sequence[float] = FACTORS,
                      progress: ProgressFn | None = None) -> ScalingReport:
    """Sweep the crossbars per PE on each topology (natural placement) and find the knees."""
    started = time.perf_counter()
    if mix not in MIXES:
        raise ConfigError(f"--mix: unknown mix '{mix}'; choose from {', '.join(MIXES)}")
    side = math.isqrt(chiplets)
    if side * side != chiplets:
        raise ConfigError(f"--chiplets: {chiplets} is not a square number (36, 64, 100)")
    base = design(FloretCase(chiplets, mix, MIXES[mix]))
    least = least_crossbars(base)
    steps = sorted({max(least, math.ceil(least * f)) for f in factors})
    plan = []
    for name in topologies:
        topo_spec = with_changes(base, topology=name)

        topo, _ = topology_and_routing(topo_spec)
        plan += [(name, natural_placement(name, topo), c) for c in steps]
    points = []
    for i, (name, placement, crossbars) in enumerate(plan):
        if progress is not None:
            progress(i, len(plan), f"{name}: {crossbars} crossbars per PE")
        points.append(measure_point(base, name, placement, crossbars))
    if progress is not None:
        progress(len(plan), len(plan), "done")
    knees = {name: knee([p for p in points if p.topology == name]) for name in topologies}
    config = {"least_crossbars_per_pe": least, "crossbars_per_pe": steps,
              "factors": list(factors), "topologies": list(topologies)}
    return ScalingReport(chiplets, mix, MIXES[mix], tuple(points), knees,
                         time.perf_counter() - started, config)
