"""Simulated-annealing placement: permute PE slots over nodes to cut traffic-weighted hops.

The mapper lays crossbars on *slots* (positions along the placement order) without regard
to which node a slot is; so the traffic between slots is the same for every order, and the
placement is a quadratic assignment problem: find the permutation `p` (slot -> node) that
minimises sum over flows of bits * hops(p[src slot], p[dst slot]), hops along the design's
own routing. Swap moves with an O(nodes) delta, a geometric cooling schedule, a seeded
generator; the best permutation seen is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pimnoc.config import RunSpec, parse_run
from pimnoc.dse.point import stored_metrics
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate, topology_and_routing, workloads_of
from pimnoc.hardware.routing import Routing
from pimnoc.mapping.annealed import register_order, topology_key
from pimnoc.mapping.mapper import Mapping, map_workloads
from pimnoc.registry import deferred
from pimnoc.traffic.flows import workload_flows

anneal_swaps = deferred("pimnoc.dse.anneal_kernels", "anneal_swaps")  # numba, loaded when used


@dataclass(frozen=True)
class AnnealResult:
    """A placement found by annealing and its cost before and after."""

    order: np.ndarray
    start_cost: float
    cost: float
    steps: int
    seed: int


def route_hops(routing: Routing, nodes: np.ndarray) -> np.ndarray:
    """hops[a, b]: links on the route from nodes[a] to nodes[b] under `routing`."""
    n = nodes.size
    src = np.repeat(nodes, n)
    dst = np.tile(nodes, n)
    hops = np.zeros(n * n, dtype=np.float64)
    for active, _link in routing.walk(src, dst):
        hops[active] += 1.0
    return hops.reshape(n, n)


_HOPS: dict[str, np.ndarray] = {}


def _hops_of(routing: Routing) -> np.ndarray:
    """Route hop counts between compute nodes, kept for the last few designs."""
    key = topology_key(routing.topology) + "/" + routing.algorithm
    if key not in _HOPS:
        if len(_HOPS) >= 4:
            _HOPS.clear()
        _HOPS[key] = route_hops(routing, routing.topology.compute_nodes)
    return _HOPS[key]


def slot_traffic(mapping: Mapping) -> np.ndarray:
    """traffic[a, b]: bits per inference from slot a to slot b of the placement order."""
    flows = workload_flows(mapping)
    nodes = mapping.topology.compute_nodes
    slot_of_node = np.full(mapping.topology.num_nodes, -1, dtype=np.int64)
    slot_of_node[mapping.order] = np.arange(mapping.order.size)
    src, dst = slot_of_node[flows.src], slot_of_node[flows.dst]
    if np.any(src < 0) or np.any(dst < 0):
        raise ConfigError("anneal: the workload sends traffic to nodes outside the placement "
                          "order (memory/IO nodes); annealing supports PE-to-PE traffic only")
    traffic = np.zeros((nodes.size, nodes.size))
    np.add.at(traffic, (src, dst), flows.bits)
    np.fill_diagonal(traffic, 0.0)
    return traffic


def placement_cost(traffic: np.ndarray, hops: np.ndarray, perm: np.ndarray) -> float:
    """Traffic-weighted hop count (bit-hops per inference) of slot permutation `perm`."""
    return float(np.sum(traffic * hops[np.ix_(perm, perm)]))


def anneal_placement(spec: RunSpec, steps: int = 20000, seed: int = 0,
                     start: str | None = None) -> AnnealResult:
    """Anneal the placement of `spec`'s design, starting from `start` (its own by default)."""
    start = start or spec.mapping.placement
    topo, routing = topology_and_routing(spec)
    mapping = map_workloads(workloads_of(spec), topo, spec.pe_tech(), start,
                            spec.mapping.replication, spec.mapping.seed)
    nodes = topo.compute_nodes
    index_of = np.full(topo.num_nodes, -1, dtype=np.int64)
    index_of[nodes] = np.arange(nodes.size)
    perm = index_of[mapping.order]
    traffic = slot_traffic(mapping)
    hops = _hops_of(routing)
    start_cost = placement_cost(traffic, hops, perm)
    active = np.flatnonzero(traffic.sum(axis=0) + traffic.sum(axis=1) > 0).astype(np.int64)
    if steps > 0 and active.size > 0 and nodes.size > 1:
        perm, _ = anneal_swaps(traffic, hops, perm.copy(), active, int(steps), int(seed))
    cost = placement_cost(traffic, hops, perm)
    if cost > start_cost:  # annealing keeps its best, which is never worse than the start
        perm, cost = index_of[mapping.order], start_cost
    return AnnealResult(nodes[perm], start_cost, cost, int(steps), int(seed))


def anneal_and_evaluate(config: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Anneal a design's placement, evaluate it, and return its figures and the order."""
    spec = parse_run(config, "point", check_keys=False)
    seed = int(options.get("seed", 0))
    found = anneal_placement(spec, int(options.get("steps", 20000)), seed, options.get("start"))
    topo, _ = topology_and_routing(spec)
    register_order(topo, seed, found.order)
    mapping = spec.mapping.model_copy(update={"placement": "annealed", "seed": seed})
    metrics = stored_metrics(evaluate(spec.model_copy(update={"mapping": mapping})).to_dict())
    metrics["weighted_hops"] = found.cost
    metrics["start_weighted_hops"] = found.start_cost
    metrics["placement_order"] = [int(v) for v in found.order]
    return metrics
