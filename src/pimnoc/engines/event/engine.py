"""The event engine: lay out the inferences' tasks and messages, run the loop, summarise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.engines.analytical.network import (
    link_energy_pj_per_bit,
    route_flows,
    router_energy_pj_per_bit,
)
from pimnoc.engines.event.tasks import DEPENDENCY, TaskGraph
from pimnoc.hardware.routing import Routing
from pimnoc.hardware.tech import NetworkTech
from pimnoc.registry import deferred
from pimnoc.traffic.flows import Flows

run_events = deferred("pimnoc.engines.event.kernel", "run_events")  # numba, loaded when used

WINDOWS = 128
"""Time windows of the link-utilisation and power traces (merged pairwise as time grows)."""


@dataclass(frozen=True)
class Routes:
    """Every message's route (links, then the source's injection and the destination's
    ejection port, numbered after the links) and zero-load latency; empty routes are local."""

    ptr: np.ndarray
    links: np.ndarray
    latency_s: np.ndarray
    hop_links: np.ndarray  # real links only, CSR by hop_ptr
    hop_ptr: np.ndarray
    pair: np.ndarray  # each message's route among the distinct ones (-1: local)
    pair_ptr: np.ndarray  # CSR of the distinct routes, ports included
    pair_links: np.ndarray


def message_routes(graph: TaskGraph, routing: Routing, net: NetworkTech) -> Routes:
    """Routes of the template messages (vectorised over the distinct node pairs)."""
    topo = routing.topology
    n_links, n_nodes = topo.num_directed_links, topo.num_nodes
    remote = (graph.msg_src != graph.msg_dst) & (graph.msg_kind != DEPENDENCY)
    pair_key = graph.msg_src * n_nodes + graph.msg_dst
    keys, inverse = np.unique(pair_key[remote], return_inverse=True)
    src, dst = keys // n_nodes, keys % n_nodes
    zeros = np.zeros(keys.size, dtype=np.int64)
    routed = route_flows(routing, Flows(src, dst, np.ones(keys.size), zeros, zeros, zeros), net)
    order = np.argsort(routed.pair_flow, kind="stable")  # hop order kept within a pair
    pair_links = routed.pair_link[order].astype(np.int64)  # int32 in RoutedFlows
    pair_hops = np.bincount(routed.pair_flow, minlength=keys.size)
    hops = np.zeros(graph.num_messages, dtype=np.int64)
    hops[remote] = pair_hops[inverse] + 2
    ptr = np.zeros(graph.num_messages + 1, dtype=np.int64)
    np.cumsum(hops, out=ptr[1:])
    links = np.empty(ptr[-1], dtype=np.int64)
    pair_ptr = np.concatenate([[0], np.cumsum(pair_hops)])
    msg = np.flatnonzero(remote)
    starts = ptr[msg]
    links[starts] = n_links + graph.msg_src[msg]
    links[ptr[msg + 1] - 1] = n_links + n_nodes + graph.msg_dst[msg]
    count = pair_hops[inverse]
    within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    owner = np.repeat(np.arange(msg.size), count)
    links[starts[owner] + 1 + within] = pair_links[pair_ptr[inverse[owner]] + within]
    latency = np.zeros(graph.num_messages)
    latency[remote] = routed.zero_load_cycles[inverse] * net.cycle_s
    hop_ptr = np.zeros(graph.num_messages + 1, dtype=np.int64)
    np.cumsum(np.maximum(hops - 2, 0), out=hop_ptr[1:])
    hop_links = np.empty(hop_ptr[-1], dtype=np.int64)
    hop_links[hop_ptr[msg[owner]] + within] = pair_links[pair_ptr[inverse[owner]] + within]
    pair = np.full(graph.num_messages, -1, dtype=np.int64)
    pair[remote] = inverse
    full_ptr = np.concatenate([[0], np.cumsum(pair_hops + 2)])
    full = np.empty(full_ptr[-1], dtype=np.int64)
    full[full_ptr[:-1]] = n_links + src
    full[full_ptr[1:] - 1] = n_links + n_nodes + dst
    step = np.arange(pair_links.size) - np.repeat(pair_ptr[:-1], pair_hops)
    full[np.repeat(full_ptr[:-1], pair_hops) + 1 + step] = pair_links
    return Routes(ptr, links, latency, hop_links, hop_ptr, pair, full_ptr, full)


@dataclass(frozen=True)
class Instances:
    """Inferences: network and arrival time of each, in order."""

    network: np.ndarray
    arrival_s: np.ndarray


@dataclass(frozen=True)
class Execution:
    """What the loop recorded: per global task and message, with their layout."""

    graph: TaskGraph
    routes: Routes
    instances: Instances
    task_tmpl: np.ndarray
    task_instance: np.ndarray
    msg_tmpl: np.ndarray
    msg_instance: np.ndarray
    start_s: np.ndarray
    finish_s: np.ndarray
    emit_s: np.ndarray
    begin_s: np.ndarray
    sent_s: np.ndarray
    arrive_s: np.ndarray
    link_window_bits: np.ndarray
    window_s: float
    wire_bits: np.ndarray  # per template message, with packet headers
    loop: dict  # counts of the loop's work


def _ranges(values: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """[first, end) of each value 0..count-1 in a sorted array."""
    first = np.searchsorted(values, np.arange(count), side="left")
    end = np.searchsorted(values, np.arange(count), side="right")
    return first, end


@dataclass(frozen=True)
class Layout:
    """Every inference's tasks and messages as copies of the templates, laid out in a row."""

    tmpl: np.ndarray  # each task's template
    inst: np.ndarray  # each task's inference
    task_off: np.ndarray  # template task id -> laid-out id, per task (offset)
    msg_off: np.ndarray
    deps: np.ndarray  # dependency count of each template task
    release: np.ndarray  # arrival time of tasks with no dependency, else -1
    tmsg_ptr: np.ndarray  # CSR of each template task's messages
    wire: np.ndarray  # each template message's bits on the wire (headers included)
    resource: np.ndarray  # what each template task occupies (PE, or PE and layer)
    n_resources: int
    m_tmpl: np.ndarray  # each laid-out message's template
    m_inst: np.ndarray  # each laid-out message's inference
    num_messages: int


def lay_out(graph: TaskGraph, instances: Instances, net: NetworkTech, num_nodes: int,
            header_flits: int = 0, pe_sharing: str = "serial") -> Layout:
    """Copy the template tasks and messages once per inference (both backends' input).

    `pe_sharing`: `serial` runs one task at a time on a PE; `per_layer` lets the crossbars
    of different layers on one PE work at once (one task at a time per layer and PE).
    """
    n_nets = int(max(graph.task_network.max(initial=0), instances.network.max(initial=0))) + 1
    t_first, t_end = _ranges(graph.task_network, n_nets)
    m_first, m_end = _ranges(graph.task_network[graph.msg_task], n_nets)
    k = instances.network
    t_count, m_count = (t_end - t_first)[k], (m_end - m_first)[k]
    t_base = np.concatenate([[0], np.cumsum(t_count)[:-1]])
    m_base = np.concatenate([[0], np.cumsum(m_count)[:-1]])
    inst = np.repeat(np.arange(k.size), t_count)
    tmpl = t_first[k][inst] + np.arange(inst.size) - np.repeat(t_base, t_count)
    deps = graph.dependency_count()
    packet_bits = net.packet_flits * net.flit_bits
    wire = graph.msg_bits + np.ceil(graph.msg_bits / packet_bits) * header_flits * net.flit_bits
    if pe_sharing == "per_layer":
        key = graph.task_node * (int(graph.task_layer.max(initial=0)) + 1) + graph.task_layer
        resource = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
    else:
        resource = graph.task_node
    m_inst = np.repeat(np.arange(k.size), m_count)
    m_tmpl = m_first[k][m_inst] + np.arange(m_inst.size) - np.repeat(m_base, m_count)
    return Layout(tmpl, inst, (t_base - t_first[k])[inst], (m_base - m_first[k])[inst], deps,
                  np.where(deps[tmpl] == 0, instances.arrival_s[inst], -1.0),
                  np.searchsorted(graph.msg_task, np.arange(graph.num_tasks + 1)), wire,
                  resource, int(max(resource.max(initial=0) + 1, num_nodes)), m_tmpl, m_inst,
                  int(m_count.sum()))


def execute(graph: TaskGraph, routes: Routes, instances: Instances, net: NetworkTech,
            num_nodes: int, num_links: int, header_flits: int = 0,
            pe_sharing: str = "serial", link_bps: np.ndarray | None = None) -> Execution:
    """Run every inference of `instances` through the event loop (`pe_sharing`: `lay_out`).

    `link_bps`: each link's bandwidth (default: `net.link_bandwidth_bps` on every link).
    """
    lay = lay_out(graph, instances, net, num_nodes, header_flits, pe_sharing)
    capacity = np.full(num_links + 2 * num_nodes, net.link_bandwidth_bps)
    if link_bps is not None:
        capacity[:num_links] = link_bps
    window = np.zeros((WINDOWS, num_links))
    tmpl = lay.tmpl
    start, finish, emit, begin, sent, arrive, width, stats = run_events(
        tmpl, lay.resource[tmpl], graph.task_duration_s[tmpl], graph.occupies[tmpl],
        lay.deps[tmpl], lay.release, lay.task_off, lay.msg_off, lay.tmsg_ptr, graph.msg_src,
        routes.pair, routes.pair_ptr, routes.pair_links, routes.latency_s, lay.wire,
        graph.cons_ptr, graph.cons_task, capacity, lay.n_resources, num_nodes, num_links,
        window, 1e-9)
    return Execution(graph, routes, instances, tmpl, lay.inst, lay.m_tmpl, lay.m_inst, start,
                     finish, emit, begin, sent, arrive, window, float(width), lay.wire,
                     dict(zip(("iterations", "rate_solves", "flows_rerated", "most_flows"),
                              stats.tolist(), strict=True)))


def message_energy_j(graph: TaskGraph, routes: Routes, routing: Routing,
                     net: NetworkTech) -> np.ndarray:
    """Router and link energy of each template message (payload bits, as the analytical
    engine counts them: per link, its wire and its source router; then the destination's)."""
    topo = routing.topology
    e_link = link_energy_pj_per_bit(topo, net)
    e_router = router_energy_pj_per_bit(topo, net)
    per_hop = e_link[routes.hop_links] + e_router[topo.link_src[routes.hop_links]]
    owner = np.repeat(np.arange(graph.num_messages), np.diff(routes.hop_ptr))
    along = np.bincount(owner, weights=per_hop, minlength=graph.num_messages)
    remote = np.diff(routes.ptr) > 0
    return np.where(remote, graph.msg_bits * (along + e_router[graph.msg_dst]), 0.0) * 1e-12


def packet_latency_s(x: Execution, net: NetworkTech) -> np.ndarray:
    """Per global message, the latency of its last packet under the run's load (-1: local).

    Emission to arrival, less the time its other packets take on a free link at full
    bandwidth: at zero load this is the route's zero-load latency plus one packet's
    serialisation; under load it adds the wait in the injection queue and the slow-down
    of sharing channels with other messages (the analytical engine's packet latency).
    """
    packet_bits = float(net.packet_flits * net.flit_bits)
    wire = x.wire_bits[x.msg_tmpl]
    ahead = np.maximum(wire - packet_bits, 0.0) / net.link_bandwidth_bps
    remote = (np.diff(x.routes.ptr)[x.msg_tmpl] > 0) & (x.arrive_s >= 0)
    return np.where(remote, x.arrive_s - x.emit_s - ahead, -1.0)


def packet_latency_summary(x: Execution, net: NetworkTech) -> dict[str, float]:
    """Bit-weighted mean and percentiles of the messages' packet latency, and zero-load mean."""
    latency = packet_latency_s(x, net)
    remote = latency >= 0
    if not remote.any():
        return {"mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0,
                "zero_load_mean": 0.0, "messages": 0}
    bits = x.wire_bits[x.msg_tmpl][remote]
    lat = latency[remote]
    packet_s = net.packet_flits * net.flit_bits / net.link_bandwidth_bps
    zero = x.routes.latency_s[x.msg_tmpl][remote] + np.minimum(
        bits / net.link_bandwidth_bps, packet_s)
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    return {"mean": float(np.average(lat, weights=bits)), "p50": float(p50),
            "p95": float(p95), "p99": float(p99), "max": float(lat.max()),
            "zero_load_mean": float(np.average(zero, weights=bits)),
            "messages": int(remote.sum())}
