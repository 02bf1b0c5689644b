"""Analytical network model: link loads, zero-load latency, contention and bandwidth bound."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.network.routing import Routing
from pimnoc.network.topology import INTERPOSER, MIV, ONCHIP, TSV, UBUMP, Topology
from pimnoc.network.traffic import Flows
from pimnoc.pim.tech import NetworkTech

CONTENTION_SCALE = 1.0
"""Multiplier on the M/D/1 waiting time per hop; calibrated against the cycle engine."""

MAX_UTILISATION = 0.98
"""Utilisation at which the queueing term is capped (the link is saturated)."""


@dataclass(frozen=True)
class RoutedFlows:
    """Remote flows walked over the routing: per-link loads and per-flow hop data."""

    flow_index: np.ndarray
    hops: np.ndarray
    zero_load_cycles: np.ndarray
    pair_flow: np.ndarray
    pair_link: np.ndarray
    link_load_bits: np.ndarray


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


def router_energy_pj_per_bit(topo: Topology, net: NetworkTech) -> np.ndarray:
    """Energy per bit through each router, scaled linearly with its port count (assumption)."""
    return net.router_energy_pj_per_bit * topo.router_ports / net.router_reference_ports


def route_flows(routing: Routing, flows: Flows, net: NetworkTech) -> RoutedFlows:
    """Walk every remote flow over its route, vectorised across flows hop by hop."""
    topo = routing.topology
    remote = np.flatnonzero(flows.remote)
    src, dst, bits = flows.src[remote], flows.dst[remote], flows.bits[remote]
    hops = np.zeros(remote.size, dtype=np.int64)
    cycles = np.zeros(remote.size, dtype=np.float64)
    load = np.zeros(topo.num_directed_links)
    pair_flow, pair_link = [], []
    for active, link in routing.walk(src, dst):
        hops[active] += 1
        cycles[active] += net.router_stages + topo.link_latency_cycles[link]
        load += np.bincount(link, weights=bits[active], minlength=load.size)
        pair_flow.append(active)
        pair_link.append(link)
    cycles += np.where(hops > 0, net.router_stages, 0)  # the destination router
    empty = np.zeros(0, dtype=np.int64)
    return RoutedFlows(remote, hops, cycles,
                       np.concatenate(pair_flow) if pair_flow else empty,
                       np.concatenate(pair_link) if pair_link else empty, load)


@dataclass(frozen=True)
class NetworkEstimate:
    """What the network costs one inference at the given inference interval."""

    routed: RoutedFlows
    flow_latency_s: np.ndarray
    link_utilisation: np.ndarray
    network_interval_s: float
    router_energy_j: float
    link_energy_j: float


def network_interval(topo: Topology, routed: RoutedFlows, flows: Flows,
                     net: NetworkTech) -> float:
    """Shortest inference interval the network sustains: busiest link or terminal port."""
    bandwidth = net.link_bandwidth_bps
    remote = routed.flow_index
    inject = np.bincount(flows.src[remote], weights=flows.bits[remote], minlength=topo.num_nodes)
    eject = np.bincount(flows.dst[remote], weights=flows.bits[remote], minlength=topo.num_nodes)
    busiest = max(routed.link_load_bits.max(initial=0.0), inject.max(initial=0.0),
                  eject.max(initial=0.0))
    return busiest / bandwidth


def estimate(routing: Routing, flows: Flows, net: NetworkTech, interval_s: float,
             routed: RoutedFlows | None = None,
             contention_scale: float = CONTENTION_SCALE) -> NetworkEstimate:
    """Per-flow latency (zero-load + M/D/1 queueing per hop + serialisation) and energies."""
    topo = routing.topology
    routed = routed or route_flows(routing, flows, net)
    bandwidth = net.link_bandwidth_bps
    capacity = bandwidth * interval_s if interval_s > 0 else np.inf
    util = np.minimum(routed.link_load_bits / capacity, 1.0)
    rho = np.minimum(util, MAX_UTILISATION)
    packet_cycles = 1.0
    wait = contention_scale * packet_cycles * rho / (2.0 * (1.0 - rho))
    queue_cycles = np.bincount(routed.pair_flow, weights=wait[routed.pair_link],
                               minlength=routed.flow_index.size)
    bits = flows.bits[routed.flow_index]
    latency = (routed.zero_load_cycles + queue_cycles) * net.cycle_s + bits / bandwidth
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
    per_hop = e_link[routed.pair_link] + e_router[topo.link_src[routed.pair_link]]
    along = np.bincount(routed.pair_flow, weights=per_hop, minlength=bits.size)
    return bits * (along + e_router[flows.dst[routed.flow_index]]) * 1e-12


def shared_transfer_s(bits: np.ndarray, load_bits: np.ndarray, bandwidth: float,
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
                   net: NetworkTech, num_layers: int,
                   interval_s: float | None = None) -> dict[tuple[int, int], float]:
    """Communication time of each (producer, consumer) pair: slowest head plus transfer.

    The transfer time is taken at the edge's most contended channel: each link on its
    routes (e.g. the single micro-bump link of a chiplet that all of an edge's inter-chiplet
    flows share), and each source and destination port, with the edge's bits sharing the
    channel with the rest of its load per inference interval (`shared_transfer_s`). Without
    an interval the channel is taken as the edge's alone (pure serialisation).
    """
    if routed.flow_index.size == 0:
        return {}
    idx = routed.flow_index
    bandwidth = net.link_bandwidth_bps
    edge = flows.producer[idx] * num_layers + flows.consumer[idx]
    keys, inverse = np.unique(edge, return_inverse=True)
    bits = flows.bits[idx]
    head = flow_latency_s - bits / bandwidth
    worst_head = np.zeros(keys.size)
    np.maximum.at(worst_head, inverse, head)
    interval = interval_s if interval_s and np.isfinite(interval_s) else None
    transfer = np.zeros(keys.size)

    def charge(channel: np.ndarray, channel_bits: np.ndarray, channel_load: np.ndarray,
               owner: np.ndarray) -> None:
        """Charge each edge the time of its bits on each channel, keep the worst."""
        width = int(channel_load.size)
        pair_keys, pair_inv = np.unique(owner * width + channel, return_inverse=True)
        per_pair = np.bincount(pair_inv, weights=channel_bits)
        load = channel_load[pair_keys % width]
        time = (shared_transfer_s(per_pair, load, bandwidth, interval) if interval
                else per_pair / bandwidth)
        np.maximum.at(transfer, pair_keys // width, time)

    n_nodes = int(max(flows.src.max(initial=0), flows.dst.max(initial=0))) + 1
    for ends in (flows.src[idx], flows.dst[idx]):
        port_load = np.bincount(ends, weights=bits, minlength=n_nodes)
        charge(ends, bits, port_load, inverse)
    if routed.pair_flow.size:
        charge(routed.pair_link, bits[routed.pair_flow], routed.link_load_bits,
               inverse[routed.pair_flow])
    total = worst_head + transfer
    pairs = zip(keys.tolist(), total.tolist(), strict=True)
    return {(k // num_layers, k % num_layers): t for k, t in pairs}
