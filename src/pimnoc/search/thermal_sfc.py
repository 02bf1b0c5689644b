"""Thermally aware SFC placement: the SFC's dataflow locality, traded against temperature.

`thermal_sfc` starts from the space-filling-curve placement (`sfc`) and moves PE groups
between nodes to lower the stack's temperature while keeping consecutive groups close.
It works on the mapping the SFC order produces: slot s of the crossbar stream holds fixed
crossbars (so fixed traffic and power) and the placement only decides which node each slot
lands on. For a permutation pi (slot -> node) it minimises

    J(pi) = (1 - w) * C(pi) / C(sfc) + w * Theta(pi) / Theta(sfc)

with w = `mapping.thermal_weight` (0: communication only, a performance-optimised SFC
placement; 1: temperature only), C = sum over slot pairs of bits x hops (the communication
volume, the dataflow locality of the curve), and Theta = the 8-norm (a smooth peak) of the
node temperature rises, from a linear thermal model of the design's own stack: an
influence matrix A (K per W, node to node; one multi-right-hand-side solve of the grid
model) times the slot powers (compute energy per inference of each slot's crossbars; the
same throughput scales them all). Hot slots migrate to the tier next to the heat sink and
apart from each other; idle PEs take the far tiers. The search is simulated annealing over
pairwise swaps (seeded, so the same inputs give the same order), started from the best of
the SFC, the tier-by-tier orders and the performance-only (w = 0) optimum, so it never ends
worse in J than the latter; as in the multi-objective mapping searches of the TEFLON line
of work (Narang et al., ACM TECS 2024), here with a fixed scalarisation weight. The model
sees power at a fixed throughput: a placement that changes the achieved throughput changes
the real power too (compare designs at equal throughput with `thermal.power_scale`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from pimnoc.analysis.design_thermal import (
    ThermalParams,
    host_nodes,
    node_maps,
    node_overlaps,
    stack_for,
)
from pimnoc.analysis.thermal import build_model
from pimnoc.engines.compute.layer import layer_compute
from pimnoc.errors import ConfigError
from pimnoc.hardware.routing import hop_distances
from pimnoc.hardware.tech import NetworkTech
from pimnoc.hardware.topology import Topology
from pimnoc.mapping.placement import hilbert, sfc
from pimnoc.search.placement import PLACEMENT_SEARCHES, PlacementSearch
from pimnoc.traffic.flows import workload_flows

THERMAL_NORM = 8  # p of the p-norm that stands for the peak rise (smooth max)  # assumption
SWEEPS = 400  # annealing moves per node  # assumption: seed-to-seed spread ~5 % on 36-100 PEs
START_ACCEPT = 0.05  # probability of accepting a typical uphill move at the start  # assumption
END_FRACTION = 1e-3  # final / initial annealing temperature  # assumption


@lru_cache(maxsize=8)
def influence_matrix(topo: Topology, thermal: tuple[tuple[str, Any], ...] = ()) -> np.ndarray:
    """A[i, j]: temperature rise (K) of compute node i per watt dissipated at compute node j."""

    params = ThermalParams.from_spec(dict(thermal))
    stack = stack_for(topo, params)
    model = build_model(stack, params.nx, params.ny)
    nodes = topo.compute_nodes
    unit = np.zeros(topo.num_nodes)
    rhs = np.empty((model.n_nodes, nodes.size))
    for k, node in enumerate(nodes):
        unit[:] = 0.0
        unit[node] = 1.0
        rhs[:, k] = model.power_vector(node_maps(topo, unit, stack, params.nx, params.ny))
    theta = model.steady_factor().solve(rhs)  # (grid nodes, sources)
    cells = model.cells_per_layer
    ox, oy, area = node_overlaps(topo, stack, model.nx, model.ny, nodes)
    tier = np.asarray(topo.node_tier)[nodes]
    out = np.zeros((nodes.size, nodes.size))
    for z, layer in enumerate(stack.active_layers):
        targets = np.flatnonzero(tier == z)
        if targets.size == 0:
            continue
        block = theta[layer * cells:(layer + 1) * cells].reshape(model.ny, model.nx, -1)
        out[targets] = np.einsum("iy,yxj,ix->ij", oy[targets], block, ox[targets])
        out[targets] /= area[targets, None]
    return out


def slot_power(mapping) -> np.ndarray:
    """Compute energy per inference of the crossbars in each slot of the placement order."""

    order = mapping.order
    slot_of = np.full(mapping.topology.num_nodes, -1)
    slot_of[order] = np.arange(order.size)
    energy = layer_compute(mapping, NetworkTech()).energy_j
    power = np.zeros(order.size)
    memo: dict[int, np.ndarray] = {}
    for i in range(mapping.num_layers):
        if energy[i] <= 0:
            continue
        nodes, counts = mapping.layer_node_crossbars[i]
        if nodes.size:
            np.add.at(power, slot_of[nodes], energy[i] * counts / counts.sum())
        else:
            hosts = host_nodes(mapping, i, memo)
            np.add.at(power, slot_of[hosts], energy[i] / hosts.size)
    return power


def slot_traffic(mapping) -> np.ndarray:
    """Bits per inference between slots (symmetric: both directions added)."""
    order = mapping.order
    slot_of = np.full(mapping.topology.num_nodes, -1)
    slot_of[order] = np.arange(order.size)
    flows = workload_flows(mapping)
    remote = flows.remote
    s, t = slot_of[flows.src[remote]], slot_of[flows.dst[remote]]
    traffic = np.zeros((order.size, order.size))
    np.add.at(traffic, (s, t), flows.bits[remote])
    return traffic + traffic.T


def _pnorm(theta: np.ndarray) -> float:
    """Smooth peak of a vector of temperature rises."""
    top = float(theta.max(initial=0.0))
    if top <= 0:
        return 0.0
    return top * float(np.sum((theta / top) ** THERMAL_NORM)) ** (1.0 / THERMAL_NORM)


def anneal(traffic: np.ndarray, power: np.ndarray, hops: np.ndarray, influence: np.ndarray,
           weight: float, seed: int, starts: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """Node index (into the hop/influence matrices) of every slot minimising J (see module).

    J is normalised by the identity assignment (the SFC); the annealing starts from the
    best of the identity and `starts` (other slot -> node assignments, e.g. tier by tier).
    """
    n = power.size
    perm = np.arange(n)
    if n < 2:
        return perm
    rng = np.random.default_rng(seed)
    comm0 = float(np.sum(traffic * hops) / 2)
    therm0 = _pnorm(influence @ power)
    a_c = (1 - weight) / comm0 if comm0 > 0 else 0.0
    a_t = weight / therm0 if therm0 > 0 else 0.0

    def costs(candidate: np.ndarray) -> tuple[float, float, np.ndarray]:
        at_node = np.zeros(n)
        at_node[candidate] = power
        theta_c = influence @ at_node
        comm_c = float(np.sum(traffic * hops[np.ix_(candidate, candidate)]) / 2)
        return comm_c, _pnorm(theta_c), theta_c

    scored = [(a_c * c + a_t * t, k) for k, (c, t, _) in
              enumerate(costs(p) for p in (perm, *starts))]
    perm = (perm, *starts)[min(scored)[1]].copy()
    comm, therm, theta = costs(perm)
    steps = SWEEPS * n
    pairs = rng.integers(0, n, size=(steps, 2))
    uniform = rng.random(steps)

    def delta(a: int, b: int) -> tuple[float, float, np.ndarray]:
        na, nb = perm[a], perm[b]
        row_a, row_b = traffic[a].copy(), traffic[b].copy()
        row_a[b] = row_b[a] = 0.0
        d_comm = (row_a @ (hops[nb, perm] - hops[na, perm])
                  + row_b @ (hops[na, perm] - hops[nb, perm]))
        if a_t == 0.0:
            return float(d_comm), 0.0, theta
        new_theta = theta + (influence[:, na] - influence[:, nb]) * (power[b] - power[a])
        return float(d_comm), _pnorm(new_theta) - therm, new_theta

    sample = [delta(int(a), int(b)) for a, b in pairs[:64] if a != b]
    uphill = [a_c * dc + a_t * dt for dc, dt, _ in sample if a_c * dc + a_t * dt > 0]
    t0 = -np.median(uphill) / np.log(START_ACCEPT) if uphill else 1e-9
    cooling = END_FRACTION ** (1.0 / steps)
    from pimnoc.search.thermal_sfc_kernels import anneal_moves  # numba, loaded when used

    return anneal_moves(perm, traffic, hops, influence, power, pairs, uniform, float(t0),
                        cooling, a_c, a_t, comm, therm, theta, float(THERMAL_NORM))


def refine(mapping, seed: int = 0, params: dict[str, Any] | None = None) -> np.ndarray:
    """The thermally aware order of the compute nodes for a mapping laid on the SFC order."""
    params = dict(params or {})
    weight = params.get("thermal_weight", 0.5)
    if not isinstance(weight, int | float) or not 0.0 <= float(weight) <= 1.0:
        raise ConfigError(
            f"mapping.thermal_weight: {weight!r} is not in [0, 1]; use 0 for a "
            "performance-only (communication) objective, 1 for temperature only"
        )
    topo = mapping.topology
    order = mapping.order
    thermal = tuple(sorted((params.get("thermal") or {}).items()))
    thermal = tuple((k, v) for k, v in thermal if k in _THERMAL_GEOMETRY_KEYS)
    influence = (influence_matrix(topo, thermal) if weight > 0
                 else np.zeros((topo.compute_nodes.size,) * 2))
    nodes = topo.compute_nodes
    index = np.full(topo.num_nodes, -1)
    index[nodes] = np.arange(nodes.size)
    local = index[order]  # slot -> position in compute_nodes
    hops = hop_distances(topo)[np.ix_(nodes, nodes)][np.ix_(local, local)]
    influence = influence[np.ix_(local, local)]
    position = np.full(topo.num_nodes, -1)
    position[order] = np.arange(order.size)
    tier_major = position[hilbert(topo, seed)]  # tier 0 first (sink side), curve per tier
    traffic, power = slot_traffic(mapping), slot_power(mapping)
    starts: tuple[np.ndarray, ...] = (tier_major, tier_major[::-1].copy())
    if weight > 0:  # also start from the performance-only optimum: J can only improve on it
        starts += (anneal(traffic, power, hops, influence, 0.0, seed, starts),)
    perm = anneal(traffic, power, hops, influence, float(weight), seed, starts)
    return order[perm]


_THERMAL_GEOMETRY_KEYS = frozenset({"nx", "ny", "ambient_k", "r_convec_k_per_w"})
"""`thermal:` keys that change the linear thermal model (the rest do not affect A)."""

PLACEMENT_SEARCHES.register("thermal_sfc")(PlacementSearch(sfc, refine))
