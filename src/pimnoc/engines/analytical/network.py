"""Analytical network model: link loads, zero-load latency, contention and bandwidth bound."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pimnoc.engines.analytical.latency import EdgeTable
from pimnoc.hardware.routing import HierarchicalNextHop, HierarchicalTables, Routing
from pimnoc.hardware.tech import NetworkTech
from pimnoc.hardware.topology import INTERPOSER, MIV, ONCHIP, TSV, UBUMP, Topology
from pimnoc.numeric import (
    PAIRS_PER_CHUNK,
    gathered_bincount,
    runs_gathered_bincount,
    unique_inverse,
    weighted_bincount,
)
from pimnoc.registry import deferred
from pimnoc.traffic.flows import Flows

charge_edges = deferred("pimnoc.engines.analytical.kernels", "charge_edges")  # numba, when used
hierarchical_walk = deferred("pimnoc.engines.analytical.kernels", "hierarchical_walk")
step_link_loads = deferred("pimnoc.engines.analytical.kernels", "step_link_loads")

CONTENTION_SCALE = 2.1
"""Multiplier on the M/D/1 waiting time per hop, fitted to the flit simulator on mapped CNN
workloads at 20-70 % load by benchmarks/analytical_vs_cycle.py (worst error 4.5 %)."""

SAME_INPUT_WEIGHT = 1.0
"""How far traffic arriving through one same input is spared the link's queueing (0..1)."""

TERMINAL_CHANNEL_CYCLES = 1
"""Latency of the channel from a PE into its router, and from the router out to a PE."""

MAX_UTILISATION = 0.98
"""Utilisation at which the queueing term is capped (the link is saturated)."""


@dataclass(frozen=True)
class RoutedFlows:
    """Remote flows walked over the routing: per-link loads and per-flow hop data.

    Pairs (flow, link) list every hop of every route. `pair_copy` marks the pairs that carry
    bits: all of them, or with multicast one per (group, link), the copy a router makes
    where the routes of a group part. `injects` marks the flows whose bits leave the source
    (all, or with multicast one per group).
    """

    flow_index: np.ndarray
    hops: np.ndarray
    zero_load_cycles: np.ndarray
    pair_flow: np.ndarray
    pair_link: np.ndarray
    link_load_bits: np.ndarray
    pair_input: np.ndarray
    flow_bits: np.ndarray
    pair_copy: np.ndarray
    injects: np.ndarray
    multicast: bool = False
    step_start: np.ndarray | None = None  # where each hop step's pairs begin (step after step)

    def per_flow_sums(self, table: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Per flow, the sum of `table[link]` over its pairs (those of `mask`) in hop order."""
        pair_flow, pair_link = self.pair_flow, self.pair_link
        step_start = self.step_start
        if mask is not None:
            pair_flow, pair_link = pair_flow[mask], pair_link[mask]
            if step_start is not None:  # where each step's kept pairs begin
                kept = np.concatenate([[0], np.cumsum(mask)])
                step_start = kept[step_start]
        return _per_flow_sums(pair_flow, pair_link, step_start, table, self.flow_index.size)

    def input_concentration(self, topo: Topology | None = None) -> np.ndarray:
        """Per link, the share of its load that comes through one same input (Herfindahl).

        1 when a single upstream channel (or a single injection port) feeds the link, so its
        packets arrive already spaced; 1/k for k equal inputs that contend with each other.
        With the topology, (link, input) pairs are numbered by the input's port at the link's
        router (no sort); the sums are the same, term by term.
        """
        links = self.link_load_bits.size
        copy = self.pair_copy
        if not copy.any():
            return np.ones(links)
        every = copy.all()  # unicast: no copies of the hop arrays
        pair_link = self.pair_link if every else self.pair_link[copy]
        pair_input = self.pair_input if every else self.pair_input[copy]
        pair_flow = self.pair_flow if every else self.pair_flow[copy]
        if topo is not None:
            port, ports = _input_ports(topo)
            per_port = np.zeros(links * ports)
            for start in range(0, pair_link.size, PAIRS_PER_CHUNK):  # bounded memory
                part = slice(start, start + PAIRS_PER_CHUNK)
                key = pair_link[part].astype(np.int64) * ports
                key += port[pair_input[part]]
                weights = self.flow_bits[pair_flow[part]]
                if pair_link.size <= PAIRS_PER_CHUNK:
                    per_port = weighted_bincount(key, weights=weights, minlength=links * ports)
                else:  # adds each weight in turn, as one bincount would
                    np.add.at(per_port, key, weights)
                del key, weights
            # a key whose bits sum to zero adds nothing to the squares: skip it
            used = np.flatnonzero(per_port)
            squares = weighted_bincount(used // ports, weights=per_port[used]**2,
                                        minlength=links)
        else:
            weights = self.flow_bits[pair_flow]
            width = int(pair_input.max()) + 1
            keys, inverse = np.unique(pair_link.astype(np.int64) * width + pair_input,
                                      return_inverse=True)
            per_input = weighted_bincount(inverse, weights=weights)
            squares = weighted_bincount(keys // width, weights=per_input**2, minlength=links)
        load = self.link_load_bits
        share = np.ones(links)
        np.divide(squares, load**2, out=share, where=load > 0)
        return share


def _per_flow_sums(pair_flow: np.ndarray, pair_link: np.ndarray, step_start: np.ndarray | None,
                   table: np.ndarray, flows: int) -> np.ndarray:
    """Per flow, the sum of `table[link]` over its pairs in pair order (hop order).

    Big designs with known steps: a step at a time (a flow has one pair per step, so each
    step's flows are distinct), the same sums without `np.add.at`'s cost."""
    if step_start is None or pair_flow.size <= PAIRS_PER_CHUNK:
        return gathered_bincount(pair_flow, table, pair_link, minlength=flows)
    return runs_gathered_bincount(pair_flow, table, pair_link, step_start, minlength=flows)


def _input_ports(topo: Topology) -> tuple[np.ndarray, int]:
    """Port of each input at the router it enters, in input order, and the most ports.

    Inputs are the links (numbered as links) then the nodes' injection ports (links + node);
    a router's inputs are its incoming links by number, then its injection port.
    """
    links = topo.num_directed_links
    by_router = np.lexsort((np.arange(links), topo.link_dst))
    degree = np.bincount(topo.link_dst, minlength=topo.num_nodes)
    first = np.cumsum(degree) - degree
    port = np.empty(links + topo.num_nodes, dtype=np.int64)
    port[by_router] = np.arange(links) - first[topo.link_dst[by_router]]
    port[links:] = degree
    return port, int(degree.max(initial=0)) + 1


def link_energy_pj_per_bit(topo: Topology, net: NetworkTech) -> np.ndarray:
    """Energy per bit of each directed link, by kind and length."""
    fixed = np.zeros(len(topo.link_kind))
    per_mm = np.zeros(len(topo.link_kind))
    kind = topo.link_kind
    per_mm[kind == ONCHIP] = net.onchip_wire_pj_per_bit_mm
    fixed[kind == INTERPOSER] = net.interposer_pj_per_bit
    per_mm[kind == INTERPOSER] = net.interposer_wire_pj_per_bit_mm
    fixed[kind == UBUMP] = net.ubump_pj_per_bit
    fixed[kind == TSV] = net.tsv_pj_per_bit
    fixed[kind == MIV] = net.miv_pj_per_bit
    return fixed + per_mm * topo.link_length_mm


def link_bandwidth_bps(topo: Topology, net: NetworkTech) -> np.ndarray:
    """Bits per second of each directed link: die-to-die links (micro-bump, interposer)
    carry one module of the chiplet interface, the others one flit per network cycle."""
    d2d = (topo.link_kind == INTERPOSER) | (topo.link_kind == UBUMP)
    return np.where(d2d, net.chiplet_link_bps, net.link_bandwidth_bps)


def link_cycles_per_flit(topo: Topology, net: NetworkTech) -> np.ndarray:
    """Network cycles each directed link takes per flit in the event engine's networks: 1,
    or ceil(flit_bits / (bandwidth x cycle)) on a die-to-die link slower than a flit per
    cycle. A faster die-to-die link still gets one flit per cycle from its router (switch
    speed-up 1), so it counts as 1."""
    ratio = net.link_bandwidth_bps / link_bandwidth_bps(topo, net)
    return np.maximum(np.ceil(ratio - 1e-9), 1.0).astype(np.int64)


def router_energy_pj_per_bit(topo: Topology, net: NetworkTech) -> np.ndarray:
    """Energy per bit through each router, scaled linearly with its port count (assumption)."""
    return net.router_energy_pj_per_bit * topo.router_ports / net.router_reference_ports


def router_delay_extra(topo: Topology, net: NetworkTech) -> np.ndarray:
    """Cycles each router's pipeline has beyond the reference router's `router_stages`.

    The allocation stages take `log2(ports) / log2(reference ports)` of their cycles
    (rounded), so a 3-port ring router saves a cycle and a 10-port router spends one more;
    at most the routing stage is saved (lookahead routing).
    """
    ports = np.maximum(topo.router_ports, 2)
    scale = np.log2(ports) / np.log2(net.router_delay_ports)
    extra = np.rint(net.router_alloc_stages * (scale - 1.0)).astype(np.int64)
    return np.maximum(extra, -1)


SPARSE_STEP_SHARE = 16
"""A hop step with fewer hops than the links / this adds its loads over the links it touches
(a sort of its hops) rather than over every link (the same sums; the long tail of steps of a
big design's longest routes then costs its hops, not its links)."""


def route_flows(routing: Routing, flows: Flows, net: NetworkTech) -> RoutedFlows:
    """Walk every remote flow over its route, vectorised across flows hop by hop."""
    topo = routing.topology
    remote = np.flatnonzero(flows.remote)
    src, dst, bits = flows.src[remote], flows.dst[remote], flows.bits[remote]
    load = np.zeros(topo.num_directed_links)
    # A link's input is the channel a flow arrives on: the previous link, or for the first
    # hop the injection port of the source (numbered after the links).
    stages = net.router_stages + router_delay_extra(topo, net)
    # flow, link and input numbers of the (flow, link) pairs as int32 where they fit (the
    # pairs are the bulk of a big design's memory)
    index_type = np.int32 if max(load.size + topo.num_nodes, remote.size) < 2**31 else np.int64
    previous = (load.size + src).astype(index_type)  # gathered per hop with no conversion
    # each hop's router pipeline and link, added per flow in hop order (the pairs are hop
    # after hop), as a running sum would
    hop_cycles = stages[topo.link_src] + topo.link_latency_cycles
    next_hop = routing.next_hop
    walked = None
    if (isinstance(next_hop, HierarchicalNextHop) and next_hop.tables is not None
            and remote.size >= COMPILED_WALK_MIN_FLOWS):
        walked = _compiled_walk(topo, next_hop.tables, src, dst, bits, previous, load,
                                hop_cycles)
    if walked is not None:
        pair_flow, pair_link, pair_input, steps, hops, cycles = walked
    else:
        pair_flow, pair_link, pair_input, steps = _walk(routing, src, dst, bits, previous,
                                                        load)
        hops = np.bincount(pair_flow, minlength=remote.size).astype(np.int64, copy=False)
        cycles = _per_flow_sums(pair_flow, pair_link, steps, hop_cycles, remote.size)
    del previous
    # The destination router, and the injection and ejection channels (1 cycle each in BookSim).
    cycles += np.where(hops > 0, stages[dst] + 2 * TERMINAL_CHANNEL_CYCLES, 0)
    copy = np.ones(pair_flow.size, dtype=bool)
    injects = np.ones(remote.size, dtype=bool)
    if net.multicast:
        group = flows.group[remote]
        copy = _first_of(group[pair_flow] * (topo.num_directed_links + 1) + pair_link)
        injects = _first_of(group)
        load = weighted_bincount(pair_link[copy], weights=bits[pair_flow[copy]],
                           minlength=load.size)
    return RoutedFlows(remote, hops, cycles, pair_flow, pair_link, load, pair_input, bits, copy,
                       injects, net.multicast, steps)


COMPILED_WALK_MIN_FLOWS = 2_000_000
"""Remote flows from which `hierarchical` routes with tabled PE hops and a dimension-order NoI
are walked by the compiled kernels (numba) rather than a numpy pass per hop step (the same
arrays and sums). Assumption, from the floret mix replicated (benchmarks/scaling.py designs):
at 90,000 PEs (1.0M flows) route_flows takes ~1.1 s CPU in numpy and ~0.3 s in the kernels
plus ~0.5-1 s of numba import and cache load, so no gain; at a million PEs 19.0 s in numpy,
7.8 s compiled."""


def _walk(routing: Routing, src: np.ndarray, dst: np.ndarray, bits: np.ndarray,
          previous: np.ndarray, load: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(pair_flow, pair_link, pair_input, step_start) of the routes, vectorised across flows
    hop step by hop step; adds each step's per-link bits to `load` (in place)."""
    index_type = previous.dtype
    pair_flow, pair_link, pair_input = [], [], []
    step_start, pairs = [], 0
    for active, link in routing.walk(src, dst):
        step_start.append(pairs)
        pairs += link.size
        pair_input.append(previous[active])
        previous[active] = link
        if link.size * SPARSE_STEP_SHARE < load.size:  # few hops: sum over their links only
            touched, inverse = unique_inverse(link)
            load[touched] += weighted_bincount(inverse, weights=bits[active])
        else:  # the same per-link sums (a link no hop of the step touches adds 0.0)
            load += weighted_bincount(link, weights=bits[active], minlength=load.size)
        pair_flow.append(active.astype(index_type))
        pair_link.append(link.astype(index_type))
    empty = np.zeros(0, dtype=np.int64)
    return (_joined(pair_flow, empty), _joined(pair_link, empty), _joined(pair_input, empty),
            np.array(step_start, dtype=np.int64))


def _compiled_walk(topo: Topology, tables: HierarchicalTables, src: np.ndarray,
                   dst: np.ndarray, bits: np.ndarray, previous: np.ndarray, load: np.ndarray,
                   hop_cycles: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """`_walk`'s arrays (and `load`) from the compiled kernel, with each flow's hops and
    its `hop_cycles` summed in hop order (as `_per_flow_sums` adds them); None (nothing
    changed) where some route fails or no flow has a hop, for `_walk` to handle."""
    pe = tables.pe
    routing = (tables.is_router, tables.chip, tables.pe_chip, tables.ports, tables.port_of,
               tables.down, pe.links, pe.moves, pe.base, pe.flat, tables.noi_ports,
               tables.noi_coord, tables.noi_dims, tables.noi_wraps)
    link_dst = np.asarray(topo.link_dst, dtype=np.int64)
    # first each flow's hops (a flow of more than num_nodes hops loops: `_walk` says so),
    # then the pairs, then the link loads step by step
    index_type = previous.dtype
    none = np.zeros(0, dtype=index_type)
    hops = np.zeros(src.size, dtype=np.int64)
    if not hierarchical_walk(src, dst, link_dst, topo.num_nodes, *routing, hops, False,
                             np.zeros(topo.num_nodes + 1, dtype=np.int64), previous, none,
                             none, none, np.zeros(0), np.zeros(0)):
        return None
    longest = int(hops.max(initial=0))
    if longest == 0:
        return None
    # flows that take a hop at step k: those of more than k hops
    walking = src.size - np.cumsum(np.bincount(hops, minlength=longest + 1))[:longest]
    step_start = np.concatenate([[0], np.cumsum(walking)[:-1]]).astype(np.int64)
    pairs = int(walking.sum())
    pair_flow = np.empty(pairs, dtype=index_type)
    pair_link = np.empty(pairs, dtype=index_type)
    pair_input = np.empty(pairs, dtype=index_type)
    cycles = np.zeros(src.size)
    hierarchical_walk(src, dst, link_dst, topo.num_nodes, *routing, hops, True, step_start,
                      previous, pair_flow, pair_link, pair_input,
                      np.asarray(hop_cycles, dtype=np.float64), cycles)
    step_link_loads(pair_flow, pair_link, step_start, bits, load)
    return pair_flow, pair_link, pair_input, step_start, hops, cycles


def _joined(parts: list[np.ndarray], empty: np.ndarray) -> np.ndarray:
    """The parts end to end (emptying the list, so that each part is freed once copied)."""
    if not parts:
        return empty
    joined = np.concatenate(parts)
    parts.clear()
    return joined


def _first_of(keys: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each key."""
    mask = np.zeros(keys.size, dtype=bool)
    mask[np.unique(keys, return_index=True)[1]] = True
    return mask


def injected_bits(routed: RoutedFlows, flows: Flows, num_nodes: int) -> np.ndarray:
    """Bits each node sends into the network per inference (a multicast group once)."""
    sent = routed.flow_index[routed.injects]
    return weighted_bincount(flows.src[sent], weights=flows.bits[sent], minlength=num_nodes)


@dataclass(frozen=True)
class NetworkEstimate:
    """What the network costs one inference at the given inference interval."""

    routed: RoutedFlows
    flow_latency_s: np.ndarray
    link_utilisation: np.ndarray
    network_interval_s: float
    router_energy_j: float
    link_energy_j: float
    info: dict = field(default_factory=dict)


def network_bounds(topo: Topology, routed: RoutedFlows, flows: Flows,
                   net: NetworkTech) -> tuple[float, float]:
    """(network_s, chiplet_io_s): the shortest interval the on-die network (its links,
    interposer links and terminal ports) and the chiplets' micro-bump ports each allow."""
    remote = routed.flow_index
    inject = injected_bits(routed, flows, topo.num_nodes)
    eject = weighted_bincount(flows.dst[remote], weights=flows.bits[remote],
                              minlength=topo.num_nodes)
    link_time = routed.link_load_bits / link_bandwidth_bps(topo, net)
    io = topo.link_kind == UBUMP
    network = max(link_time[~io].max(initial=0.0),
                  max(inject.max(initial=0.0), eject.max(initial=0.0)) / net.link_bandwidth_bps)
    return float(network), float(link_time[io].max(initial=0.0))


def network_interval(topo: Topology, routed: RoutedFlows, flows: Flows,
                     net: NetworkTech) -> float:
    """Shortest inference interval the network sustains: busiest link or terminal port."""
    return max(network_bounds(topo, routed, flows, net))


def packet_latency_cycles(routing: Routing, flows: Flows, routed: RoutedFlows,
                          net: NetworkTech, interval_s: float,
                          contention_scale: float = CONTENTION_SCALE,
                          same_input_weight: float = SAME_INPUT_WEIGHT) -> np.ndarray:
    """Mean latency of one packet of each remote flow, in cycles, at the given interval.

    Zero-load (router pipeline and link cycles per hop) plus the tail's serialisation
    (`packet_flits - 1`) plus, at the source port and at every link, an M/D/1 waiting time
    for a packet-long service at that channel's utilisation; on links, only packets from
    different inputs contend, so the wait is scaled by `1 - w * input_concentration`.
    """
    topo = routing.topology
    span = interval_s if interval_s > 0 else np.inf
    capacity = link_bandwidth_bps(topo, net) * span
    rho_link = np.minimum(routed.link_load_bits / capacity, MAX_UTILISATION)
    idx = routed.flow_index
    inject = injected_bits(routed, flows, topo.num_nodes)
    rho_port = np.minimum(inject / (net.link_bandwidth_bps * span), MAX_UTILISATION)
    service = float(net.packet_flits)

    def wait(rho: np.ndarray, cycles: np.ndarray | float) -> np.ndarray:
        return contention_scale * cycles * rho / (2.0 * (1.0 - rho))

    # a packet occupies a wider (die-to-die) link for fewer cycles
    link_service = service * net.link_bandwidth_bps / link_bandwidth_bps(topo, net)
    contended = wait(rho_link, link_service) * (1.0 - same_input_weight
                                                * routed.input_concentration(topo))
    queue = routed.per_flow_sums(contended)
    queue += wait(rho_port, service)[flows.src[idx]]
    return routed.zero_load_cycles + (service - 1.0) + queue


def estimate(routing: Routing, flows: Flows, net: NetworkTech, interval_s: float,
             routed: RoutedFlows | None = None,
             contention_scale: float = CONTENTION_SCALE) -> NetworkEstimate:
    """Per-flow latency (a packet's latency, then the rest of the bits) and energies."""
    topo = routing.topology
    routed = routed or route_flows(routing, flows, net)
    bandwidth = net.link_bandwidth_bps
    capacity = link_bandwidth_bps(topo, net) * (interval_s if interval_s > 0 else np.inf)
    util = np.minimum(routed.link_load_bits / capacity, 1.0)
    head = packet_latency_cycles(routing, flows, routed, net, interval_s, contention_scale)
    bits = flows.bits[routed.flow_index]
    latency = head * net.cycle_s + bits / bandwidth
    e_link = link_energy_pj_per_bit(topo, net)
    e_router = router_energy_pj_per_bit(topo, net)
    link_energy = float(routed.link_load_bits @ e_link) * 1e-12
    router_energy = (float(routed.link_load_bits @ e_router[topo.link_src])
                     + float(bits @ e_router[flows.dst[routed.flow_index]])) * 1e-12
    return NetworkEstimate(routed, latency, util, network_interval(topo, routed, flows, net),
                           router_energy, link_energy)


def flow_network_energy_j(routing: Routing, flows: Flows, routed: RoutedFlows,
                          net: NetworkTech) -> np.ndarray:
    """Router plus link energy of each remote flow (aligned with `routed.flow_index`)."""
    topo = routing.topology
    bits = flows.bits[routed.flow_index]
    e_link = link_energy_pj_per_bit(topo, net)
    e_router = router_energy_pj_per_bit(topo, net)
    copy = routed.pair_copy
    every = copy.all()  # unicast: no copies of the hop arrays
    per_link = e_link + e_router[topo.link_src]  # the same sum per hop, taken once per link
    along = routed.per_flow_sums(per_link, None if every else copy)
    return bits * (along + e_router[flows.dst[routed.flow_index]]) * 1e-12


def shared_transfer_s(bits: np.ndarray, load_bits: np.ndarray, bandwidth: float | np.ndarray,
                      interval_s: float) -> np.ndarray:
    """Time to move `bits` over a channel that carries `load_bits` per interval in all.

    Processor sharing in the pipeline's steady state: the other traffic takes
    `load - bits` of the channel's `bandwidth * interval` capacity, and this transfer gets
    the rest. Alone on the channel it takes `bits / bandwidth`; on a saturated channel it
    stretches to the whole interval.
    """
    capacity = bandwidth * interval_s
    free = np.maximum(capacity - load_bits + bits, bits)
    return np.where(bits > 0, bits * interval_s / np.maximum(free, 1e-300), 0.0)


def edge_latencies(flows: Flows, routed: RoutedFlows, flow_latency_s: np.ndarray,
                   net: NetworkTech, num_layers: int, interval_s: float | None = None,
                   link_bps: np.ndarray | None = None) -> dict[tuple[int, int], float]:
    """Communication time of each (producer, consumer) pair: slowest head plus transfer."""
    parts = edge_parts(flows, routed, flow_latency_s, net, num_layers, interval_s, link_bps)
    return {edge: head + transfer for edge, (head, transfer) in parts.items()}


def _edge_copies(routed: RoutedFlows, flows: Flows,
                 edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the flows an edge sends and of the (flow, link) pairs it needs carried.

    Unicast: all of them. Multicast: an edge needs each of its data once out of the source
    and once on a link, even where the copy that brings it belongs to another edge's flow.
    """
    if not routed.multicast:
        return (np.ones(routed.flow_index.size, dtype=bool),
                np.ones(routed.pair_flow.size, dtype=bool))
    group = flows.group[routed.flow_index]
    data = edge * (int(group.max(initial=0)) + 1) + group
    width = routed.link_load_bits.size
    return _first_of(data), _first_of(data[routed.pair_flow] * width + routed.pair_link)


COMPILED_MIN_PAIRS = 20_000_000
"""Routes of at least this many (flow, link) pairs have their edges charged by the compiled
kernel (engines/analytical/kernels.py), with no sort; fewer, by numpy, which spares smaller
designs numba (measured here: its import and first call cost 1.2 s of CPU; the kernel saves
about 0.55 s on the 7.5 million pairs of the 90,000-PE mix)."""

CHARGE_PAIRS_PER_GROUP = 2_000_000
"""Most (flow, channel) pairs grouped at once when edges are charged their channel time
(bounds the memory of big designs; the figures do not depend on it)."""


def _owner_groups(owner: np.ndarray, owners: int, limit: int):
    """Index sets of `owner` entries, whole owners per set, about `limit` entries each (one
    set at a time, each found by one comparison of a small group number per entry)."""
    if owner.size <= limit:
        yield slice(None)
        return
    ends = np.cumsum(np.bincount(owner, minlength=owners))
    cuts = np.unique(np.searchsorted(ends, np.arange(limit, owner.size, limit), side="left"))
    bounds = np.array([0, *(cuts + 1).tolist(), owners], dtype=np.int64)
    sizes = np.diff(bounds)
    small = np.uint16 if sizes.size < 2**16 else np.int64
    group = np.repeat(np.arange(sizes.size, dtype=small), sizes)[owner]
    for g in np.flatnonzero(sizes > 0).tolist():
        found = [np.flatnonzero(group[start:start + PAIRS_PER_CHUNK] == g) + start
                 for start in range(0, group.size, PAIRS_PER_CHUNK)]
        yield np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def edge_parts(flows: Flows, routed: RoutedFlows, flow_latency_s: np.ndarray,
               net: NetworkTech, num_layers: int, interval_s: float | None = None,
               link_bps: np.ndarray | None = None
               ) -> dict[tuple[int, int], tuple[float, float]]:
    """(slowest packet head, transfer time) of each (producer, consumer) pair.

    The transfer time is taken at the edge's most contended channel: each link on its
    routes (e.g. the single micro-bump link of a chiplet that all of an edge's inter-chiplet
    flows share), and each source and destination port, with the edge's bits sharing the
    channel with the rest of its load per inference interval (`shared_transfer_s`). Without
    an interval the channel is taken as the edge's alone (pure serialisation). `link_bps`
    gives each link's bandwidth (`link_bandwidth_bps`); without it all carry a flit a cycle.
    """
    return edge_parts_at(flows, routed, flow_latency_s, net, num_layers, (interval_s,),
                         link_bps)[0]


def edge_parts_at(flows: Flows, routed: RoutedFlows, flow_latency_s: np.ndarray,
                  net: NetworkTech, num_layers: int, intervals: tuple[float | None, ...],
                  link_bps: np.ndarray | None = None
                  ) -> list[dict[tuple[int, int], tuple[float, float]]]:
    """`edge_parts` at each of several intervals (the edges' bits per channel summed once)."""
    tables = edge_part_tables(flows, routed, flow_latency_s, net, num_layers, intervals,
                              link_bps)
    out = []
    for table in tables:
        code = table.code.tolist()
        edges = [(k // num_layers, k % num_layers) for k in code]
        out.append(dict(zip(edges, map(tuple, table.values.tolist()), strict=True)))
    return out


def edge_part_tables(flows: Flows, routed: RoutedFlows, flow_latency_s: np.ndarray,
                     net: NetworkTech, num_layers: int, intervals: tuple[float | None, ...],
                     link_bps: np.ndarray | None = None) -> list[EdgeTable]:
    """`edge_parts_at` as tables of arrays: each edge's (head, transfer) at each interval."""
    if routed.flow_index.size == 0:
        return [EdgeTable(np.zeros(0, dtype=np.int64), np.zeros((0, 2)), num_layers)
                for _ in intervals]
    idx = routed.flow_index
    bandwidth = net.link_bandwidth_bps
    edge = flows.producer[idx] * num_layers + flows.consumer[idx]
    keys, inverse = unique_inverse(edge)
    del edge
    # the edge of each (flow, link) pair, as int32 where it fits (one per pair)
    compact_inverse = inverse.astype(np.int32) if keys.size < 2**31 else inverse
    bits = flows.bits[idx]
    head = flow_latency_s - bits / bandwidth
    worst_head = np.zeros(keys.size)
    np.maximum.at(worst_head, inverse, head)
    del head
    chosen_intervals = [interval_s if interval_s and np.isfinite(interval_s) else None
                        for interval_s in intervals]
    transfer_rows = np.zeros((len(intervals), keys.size))
    transfers = list(transfer_rows)
    compiled = routed.pair_flow.size >= COMPILED_MIN_PAIRS
    if compiled:
        interval_array = np.array([t or 0.0 for t in chosen_intervals], dtype=np.float64)
        order = np.empty(max(routed.pair_flow.size, idx.size),
                         dtype=np.int32 if routed.pair_flow.size < 2**31 else np.int64)

    def charge(channel: np.ndarray, flow: np.ndarray | None, channel_load: np.ndarray,
               channel_bps: np.ndarray | None = None) -> None:
        """Charge each edge the time of its bits on each channel, keep the worst.

        `channel[j]` carries flow `flow[j]` (every flow in turn if None); edges are taken a
        group at a time (a (edge, channel) pair never spans two groups, so its bits add up
        in the same order), which bounds the memory of the grouping. Big designs: the
        compiled kernel, edge by edge (the same sums and maxima).
        """
        if compiled:
            charge_edges(inverse, np.zeros(0, dtype=np.int64) if flow is None else flow,
                         channel, bits, channel_load,
                         np.zeros(0) if channel_bps is None else channel_bps,
                         float(bandwidth), interval_array, transfer_rows, order)
            return
        width = int(channel_load.size)
        owner = inverse if flow is None else compact_inverse[flow]
        for chosen in _owner_groups(owner, keys.size, CHARGE_PAIRS_PER_GROUP):
            key = owner[chosen].astype(np.int64)
            key *= width
            key += channel[chosen]
            pair_keys, pair_inv = unique_inverse(key)
            del key
            weights = bits[chosen] if flow is None else bits[flow[chosen]]
            per_pair = weighted_bincount(pair_inv, weights=weights)
            del pair_inv, weights
            pair_channel = pair_keys % width
            load = channel_load[pair_channel]
            bps = bandwidth if channel_bps is None else channel_bps[pair_channel]
            pair_edge = pair_keys // width  # sorted: each edge's pairs in one run
            starts = np.flatnonzero(np.diff(pair_edge, prepend=-1))
            if starts.size == 0:
                continue
            for interval, transfer in zip(chosen_intervals, transfers, strict=True):
                time = (shared_transfer_s(per_pair, load, bps, interval) if interval
                        else per_pair / bps)
                at = pair_edge[starts]
                transfer[at] = np.maximum(transfer[at], np.maximum.reduceat(time, starts))

    n_nodes = int(max(flows.src.max(initial=0), flows.dst.max(initial=0))) + 1
    sends, needed = _edge_copies(routed, flows, inverse)
    src = flows.src[idx]
    port_load = injected_bits(routed, flows, n_nodes)
    sent = None if sends.all() else np.flatnonzero(sends)
    charge(src if sent is None else src[sent], sent, port_load)
    del src
    dst = flows.dst[idx]
    charge(dst, None, weighted_bincount(dst, weights=bits, minlength=n_nodes))
    del dst
    if routed.pair_flow.size:
        if needed.all():  # unicast: every hop (no copies of the hop arrays)
            charge(routed.pair_link, routed.pair_flow, routed.link_load_bits, link_bps)
        else:
            charge(routed.pair_link[needed], routed.pair_flow[needed], routed.link_load_bits,
                   link_bps)
    code = keys.astype(np.int64, copy=False)
    return [EdgeTable(code, np.column_stack([worst_head, transfer]), num_layers)
            for transfer in transfers]
