"""Greedy traffic-aware placement: grow each network's region from a seed, heaviest traffic first.

The mapper lays every network's crossbars as one stream of slots (slot `s` holds the
crossbars that follow those of slot `s - 1`; each network takes a contiguous run of slots),
so the bits exchanged between slots are fixed before any slot lands on a node. The greedy
placement decides which node each slot lands on, in two steps:

1. `greedy(topology)`, the order the mapper starts from, knows only the topology. It grows
   one region from a peripheral seed node (the compute node farthest from the first one):
   slot `s` goes to the free node minimising `sum_k w_k * dist(order[s-k], n)`
   over the `W` previous slots, with the stream affinity `w_k = 2 ** -(k - 1)` and `W` =
   PEs per chiplet (at most 16). It models the mapper's stream: on the bundled six-CNN mix,
   30 % of the remote bits travel between consecutive slots and 63 % within four.
2. `refine(mapping)` (called by `search.placement.map_and_place` after mapping) knows the
   traffic: the bits per inference between every pair of slots, from the flows of the
   mapping. Networks are placed one after another; each network's region grows from a
   seed (the first network: the peripheral seed above; the next ones: the free node
   nearest to it, so the free area stays compact). The network's first slot (where its
   input arrives) takes the seed; then, repeatedly, the unplaced slot with the most
   traffic to the already placed ones (ties: the earliest slot) goes to the free node
   minimising `sum_t bits(s, t) * dist(node(t), n)` over its (at most 32 heaviest) placed
   partners. A slot with no placed partner follows the stream affinity of step 1.

Ties between nodes go to the node nearer the region's seed, then to the lower index, so the
region grows as a compact front and the result is deterministic (`seed` is not used).
"Nearest" is in hops weighted by what a hop costs: the shortest path over the topology's
links where each link weighs its per-bit energy plus its router's under the default
technology (`hardware/tech.py`). Plain hop counts would see a PE across the interposer (four or
five hops) as nearer than the far corner of the same chiplet (six), and scatter networks
over chiplets whose single interposer port then becomes the bottleneck.

Reference: constructive (cluster-growth) placement, as in Hanan & Kurtzberg, "Placement
techniques", 1972, applied to the slots of a PIM crossbar stream.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from pimnoc.engines.analytical.network import link_energy_pj_per_bit, router_energy_pj_per_bit
from pimnoc.hardware.tech import NetworkTech
from pimnoc.hardware.topology import Topology
from pimnoc.search.placement import PLACEMENT_SEARCHES, PlacementSearch
from pimnoc.traffic.flows import workload_flows

if TYPE_CHECKING:  # scipy.sparse costs 0.4 s of start-up: imported where the search runs
    from scipy.sparse import csr_matrix

MAX_WINDOW = 16
"""Most previous slots a new slot is attracted to under the stream model (step 1)."""

MAX_PARTNERS = 32
"""Most placed partners (the heaviest) that pull on a slot being placed (step 2)."""


def link_cost_pj_per_bit(topo: Topology) -> np.ndarray:
    """Per-bit energy of each directed link plus its source router, default technology."""

    net = NetworkTech()
    return link_energy_pj_per_bit(topo, net) + router_energy_pj_per_bit(topo, net)[topo.link_src]


class HopRows:
    """Distances between compute nodes (energy-weighted hops), one search per source."""

    def __init__(self, topo: Topology) -> None:
        from scipy.sparse import csr_matrix

        n = topo.num_nodes
        cost = np.maximum(link_cost_pj_per_bit(topo), 1e-6)
        self._graph = csr_matrix((cost, (topo.link_src, topo.link_dst)), shape=(n, n))
        self.nodes = topo.compute_nodes
        self._rows: dict[int, np.ndarray] = {}

    def __call__(self, node: int) -> np.ndarray:
        """Distance from `node` to each compute node (`compute_nodes` order; inf: unreachable)."""
        row = self._rows.get(node)
        if row is None:
            from scipy.sparse.csgraph import shortest_path

            full = shortest_path(self._graph, method="D", directed=True, indices=node)
            row = full[self.nodes]
            self._rows[node] = row
        return row


@lru_cache(maxsize=4)
def hop_rows(topo: Topology) -> HopRows:
    """The (cached) distance rows of a topology."""
    return HopRows(topo)


def stream_affinity(window: int) -> np.ndarray:
    """Weights of the `window` previous slots, nearest first: 1, 1/2, 1/4, ..."""
    return 0.5 ** np.arange(window, dtype=float)


def _window(topo: Topology, count: int) -> int:
    per_group = topo.meta.get("pe_rows", 1) * topo.meta.get("pe_cols", 1)
    return max(1, min(int(per_group), MAX_WINDOW, count - 1))


def peripheral_seed(hops: HopRows, candidates: np.ndarray) -> int:
    """Position (in `candidates`) of the node farthest from the first one (first on ties)."""
    first = hops(int(candidates[0]))[np.searchsorted(hops.nodes, candidates)]
    return int(np.argmax(np.where(np.isfinite(first), first, -1.0)))


def _pick(cost: np.ndarray, free: np.ndarray, tie: np.ndarray) -> int:
    """The free position of least cost; ties to the smaller `tie`, then the lower position."""
    candidates = np.flatnonzero(free)
    c = cost[candidates]
    c = np.where(np.isfinite(c), c, np.finfo(float).max)
    return int(candidates[np.lexsort((candidates, tie[candidates], c))[0]])


def greedy_order(topo: Topology, window: int | None = None) -> np.ndarray:
    """Compute nodes in the order the stream-model region growth fills them (step 1)."""
    nodes = topo.compute_nodes
    count = int(nodes.size)
    if count <= 1:
        return nodes.copy()
    window = _window(topo, count) if window is None else max(1, min(window, count - 1))
    weights = stream_affinity(window)
    hops = hop_rows(topo)
    seed_pos = peripheral_seed(hops, nodes)
    from_seed = hops(int(nodes[seed_pos]))
    free = np.ones(count, dtype=bool)
    order_pos = np.empty(count, dtype=np.int64)
    order_pos[0] = seed_pos
    free[seed_pos] = False
    for s in range(1, count):
        recent = order_pos[max(0, s - window):s][::-1]  # nearest first
        rows = np.vstack([hops(int(nodes[p])) for p in recent])
        chosen = _pick(weights[:recent.size] @ rows, free, from_seed)
        order_pos[s] = chosen
        free[chosen] = False
    return nodes[order_pos]


def slot_traffic(mapping) -> csr_matrix:
    """Bits per inference between the slots of a mapping (symmetric, sparse)."""
    from scipy.sparse import coo_matrix

    order = mapping.order
    slot_of = np.full(mapping.topology.num_nodes, -1)
    slot_of[order] = np.arange(order.size)
    flows = workload_flows(mapping)
    remote = flows.remote & (slot_of[flows.src] >= 0) & (slot_of[flows.dst] >= 0)
    s, t = slot_of[flows.src[remote]], slot_of[flows.dst[remote]]
    n = order.size
    traffic = coo_matrix((flows.bits[remote], (s, t)), shape=(n, n)).tocsr()
    return (traffic + traffic.T).tocsr()


def traffic_order(mapping, traffic: csr_matrix | None = None) -> np.ndarray:
    """Node of every slot from traffic-aware region growth, network by network (step 2)."""
    topo = mapping.topology
    order = np.asarray(mapping.order)
    count = int(order.size)
    if count <= 1:
        return order.copy()
    traffic = slot_traffic(mapping) if traffic is None else traffic
    hops = hop_rows(topo)
    cols = np.searchsorted(hops.nodes, order)  # candidate position -> hop-row column

    def row(pos: int) -> np.ndarray:
        return hops(int(order[pos]))[cols]

    window = _window(topo, count)
    weights = stream_affinity(window)
    global_seed = peripheral_seed(hops, order)
    from_global = row(global_seed)
    free = np.ones(count, dtype=bool)
    node_of_slot = np.full(count, -1, dtype=np.int64)  # slot -> candidate position
    for k in range(len(mapping.workloads)):
        start, size = int(mapping.network_start_slot[k]), int(mapping.network_slots[k])
        slots = np.arange(start, start + size)
        seed_pos = global_seed if free[global_seed] else _pick(from_global, free,
                                                               np.zeros(count))
        from_seed = row(seed_pos)
        node_of_slot[start] = seed_pos
        free[seed_pos] = False
        placed = np.zeros(count, dtype=bool)
        placed[start] = True
        attract = np.zeros(count)
        attract += traffic[start].toarray().ravel()
        for _ in range(size - 1):
            pull = np.where(placed[slots], -1.0, attract[slots])
            s = int(slots[np.argmax(pull)])  # most traffic to the placed slots; earliest first
            partners = traffic[s]
            mask = placed[partners.indices]
            partner_slots, bits = partners.indices[mask], partners.data[mask]
            if bits.size:
                if bits.size > MAX_PARTNERS:
                    keep = np.argsort(-bits, kind="stable")[:MAX_PARTNERS]
                    partner_slots, bits = partner_slots[keep], bits[keep]
                rows = np.vstack([row(int(node_of_slot[t])) for t in partner_slots])
                cost = bits @ rows
            else:
                before = [t for t in range(s - 1, max(start, s - window) - 1, -1) if placed[t]]
                if before:
                    rows = np.vstack([row(int(node_of_slot[t])) for t in before])
                    cost = weights[:len(before)] @ rows
                else:
                    cost = from_seed.astype(float)
            chosen = _pick(cost, free, from_seed)
            node_of_slot[s] = chosen
            free[chosen] = False
            placed[s] = True
            attract += traffic[s].toarray().ravel()
    rest = np.flatnonzero(node_of_slot < 0)
    node_of_slot[rest] = np.flatnonzero(free)  # unused slots keep the remaining nodes in order
    return order[node_of_slot]


def start(topo: Topology, seed: int = 0) -> np.ndarray:
    """Greedy region growth: the order the mapper starts from (step 1 of the module doc)."""
    return greedy_order(topo)


def refine(mapping, seed: int = 0, params: dict[str, Any] | None = None) -> np.ndarray:
    """The traffic-aware order of the compute nodes for a mapping (step 2 of the module doc)."""
    return traffic_order(mapping)


PLACEMENT_SEARCHES.register("greedy")(PlacementSearch(start, refine))
