"""`simulation.network: flit`: the event engine's tasks driving the flit-level kernel, closed loop.

When a task finishes, each of its remote messages joins its source terminal's queue in the
flit kernel (`engines/flit/kernel.py`, closed-loop mode): the terminal sends its messages one
after another, each as packets of `design.network.packet_flits` flits (the last one shorter),
through the VC routers with wormhole switching and credit flow control. The cycle in which a
message's last flit is ejected is its arrival; the tasks waiting for it then start. The
kernel runs only while flits, credits or queued messages exist: from an empty network the
loop jumps to the cycle of the next task event. Tasks, PEs and the figures are the flow
backend's (`kernel.py`, `engine.py`); only the network differs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pimnoc.engines.analytical.network import link_cycles_per_flit, router_delay_extra
from pimnoc.engines.event.engine import WINDOWS, Execution, Instances, Routes, lay_out
from pimnoc.engines.event.kernel import (
    ARRIVE,
    FINISH,
    RELEASE,
    _arrive,
    _free_pe,
    _make_ready,
    _pop,
    _push,
    loop_state,
)
from pimnoc.engines.event.tasks import TaskGraph
from pimnoc.engines.flit import kernel as K
from pimnoc.engines.flit.engine import State, build_network
from pimnoc.engines.flit.params import FLIT_KEYS
from pimnoc.engines.flit.pipeline import sim_params
from pimnoc.engines.flit.traffic import TrafficTable
from pimnoc.errors import ConfigError, SimulationError
from pimnoc.hardware.routing import Routing
from pimnoc.hardware.tech import NetworkTech

STEP_EPS = 1e-6
"""Cycles of rounding slack when a time in seconds is turned into a network cycle."""


@njit(cache=True)
def _cycle(time_s, cycle_s):
    """The first network cycle at or after `time_s`."""
    return np.int64(np.ceil(time_s / cycle_s - STEP_EPS))


@njit(cache=True)
def _add_windows(win, width, t0_s, t1_s, link_flits, seen, flit_bits):
    """Spread each link's flits since the last call evenly over [t0_s, t1_s) in the windows."""
    n_win = win.shape[0]
    span = t1_s - t0_s
    b0 = min(int(t0_s / width), n_win - 1)
    b1 = min(int(t1_s / width), n_win - 1)
    for link in range(seen.size):
        moved = link_flits[link] - seen[link]
        if moved == 0:
            continue
        seen[link] = link_flits[link]
        bits = moved * flit_bits
        if span <= 0.0 or b0 == b1:
            win[b0, link] += bits
            continue
        for b in range(b0, b1 + 1):
            lo = max(t0_s, b * width)
            hi = min(t1_s, (b + 1) * width) if b < n_win - 1 else t1_s
            if hi > lo:
                win[b, link] += bits * (hi - lo) / span


@njit(cache=True)
def _widen(win, width, t):
    """Merge window pairs (doubling their width) until `t` falls inside; the new width."""
    n_win = win.shape[0]
    while t > n_win * width:
        half = n_win // 2
        for b in range(half):
            win[b, :] = win[2 * b, :] + win[2 * b + 1, :]
        win[half:, :] = 0.0
        width *= 2.0
    return width


@njit(cache=True)
def run_flit_events(task_tmpl, task_node, task_dur, task_occupy, task_deps, task_release,
                    task_off, msg_off, tmsg_ptr, m_src, m_dst, m_remote, m_delay_s, m_flits,
                    m_cons_ptr, m_cons, num_pes, cycle_s, flit_bits, win, width0, ks):
    """Execute all tasks over the flit kernel (state `ks`, `State.kernel_arrays()` order).

    Task and message layout as in `kernel.run_events`. Template message `tm` enters the
    network as `m_flits[tm]` flits from router `m_src[tm]` to `m_dst[tm]` if `m_remote[tm]`,
    else it arrives `m_delay_s[tm]` after its emission. Returns (start, finish, emit,
    begin, sent, arrive, window width, loop statistics, next cycle, kernel status).
    """
    # positions in State.kernel_arrays() (test_flit_backend checks them)
    glob = ks[2]
    link_flits = ks[41]
    msg_dst, msg_flits, msg_begin, msg_sent, msg_done = ks[45], ks[46], ks[48], ks[49], ks[50]
    mq_head, mq_tail, mq_next, done_list = ks[51], ks[52], ks[53], ks[54]
    (n_tasks, n_msgs, start, finish, emit, begin, sent, arrive, msg_tmpl, msg_toff, deps,
     ht, hs, hk, hi, state, pe_busy, q_head, q_tail, q_next) = loop_state(
        task_tmpl, task_deps, task_release, msg_off, tmsg_ptr, num_pes)
    seen = np.zeros(win.shape[1], dtype=np.int64)
    width = width0
    t_net = np.int64(0)
    status = K.STATUS_OK
    stats = np.zeros(5)  # events, kernel calls, cycles simulated, cycles skipped, most open
    while True:
        # the task events due before cycle t_net
        while state[0] > 0 and _cycle(ht[0], cycle_s) <= t_net:
            e = _pop(ht, hs, hk, hi, state)
            now, kind, ident = ht[e], hk[e], hi[e]
            stats[0] += 1
            if kind == RELEASE:
                _make_ready(ident, now, task_occupy, task_node, task_dur, pe_busy, q_head,
                            q_tail, q_next, start, ht, hs, hk, hi, state)
            elif kind == FINISH:
                g = ident
                finish[g] = now
                t = task_tmpl[g]
                for tm in range(tmsg_ptr[t], tmsg_ptr[t + 1]):
                    m = tm + msg_off[g]
                    emit[m] = now
                    msg_tmpl[m], msg_toff[m] = tm, task_off[g]
                    if not m_remote[tm]:
                        begin[m] = now
                        sent[m] = now
                        _push(ht, hs, hk, hi, state, now + m_delay_s[tm], ARRIVE, m)
                        continue
                    src = m_src[tm]
                    msg_dst[m] = m_dst[tm]
                    msg_flits[m] = m_flits[tm]
                    if mq_tail[src] >= 0:
                        mq_next[mq_tail[src]] = m
                    else:
                        mq_head[src] = m
                    mq_tail[src] = m
                    glob[K.G_MSG_OPEN] += 1
                if task_occupy[g]:
                    _free_pe(task_node[g], now, task_dur, pe_busy, q_head, q_tail, q_next,
                             start, ht, hs, hk, hi, state)
            else:
                _arrive(ident, now, arrive, msg_tmpl, msg_toff, m_cons_ptr, m_cons, deps,
                        task_occupy, task_node, task_dur, pe_busy, q_head, q_tail, q_next,
                        start, ht, hs, hk, hi, state)
        stats[4] = max(stats[4], glob[K.G_MSG_OPEN])
        if glob[K.G_MSG_OPEN] > 0 or glob[K.G_NET_FLITS] > 0 or glob[K.G_PEND_CRED] > 0:
            t_end = _cycle(ht[0], cycle_s) if state[0] > 0 else K.BIG
            t_end = max(t_end, t_net + 1)
            t0 = t_net
            t_net = K.run_kernel(t_net, t_end, *ks)
            stats[1] += 1
            stats[2] += t_net - t0
            status = glob[K.G_STATUS]
            if status != K.STATUS_OK:
                break
            if t_net * cycle_s > win.shape[0] * width:
                width = _widen(win, width, t_net * cycle_s)
            _add_windows(win, width, t0 * cycle_s, t_net * cycle_s, link_flits, seen,
                         flit_bits)
            for k in range(glob[K.G_MSG_DONE]):
                m = done_list[k]
                # (max: a cycle's time in seconds may round below the emission time)
                begin[m] = max(msg_begin[m] * cycle_s, emit[m])
                sent[m] = max(msg_sent[m] * cycle_s, begin[m])
                _push(ht, hs, hk, hi, state, max(msg_done[m] * cycle_s, sent[m]), ARRIVE, m)
            glob[K.G_MSG_DONE] = 0
        elif state[0] > 0:
            nxt_cycle = _cycle(ht[0], cycle_s)
            if nxt_cycle > t_net:
                stats[3] += nxt_cycle - t_net
                t_net = nxt_cycle
        else:
            break
    return start, finish, emit, begin, sent, arrive, width, stats, t_net, status


def _closed_traffic(net_terminals: np.ndarray, num_nodes: int) -> TrafficTable:
    """A traffic table with no random sources: the terminals send only queued messages."""
    return TrafficTable(term_ids=net_terminals, rate=np.zeros(num_nodes), uniform=False,
                        ptr=np.zeros(num_nodes + 1, dtype=np.int64),
                        dst=np.zeros(0, dtype=np.int64), cum=np.zeros(0),
                        flow=np.zeros(0, dtype=np.int64), offered_flit_rate=0.0)


def execute_flit(graph: TaskGraph, routes: Routes, instances: Instances, routing: Routing,
                 net: NetworkTech, header_flits: int = 0, pe_sharing: str = "serial",
                 router_options: dict | None = None) -> Execution:
    """Run every inference of `instances` with the flit-level network (as `engine.execute`).

    `router_options`: `FLIT_KEYS` from `simulation` (VCs, buffer depth, credit delay).
    Routes follow the routing table, as the flow backend's do (no random tie-breaking).
    """
    topo = routing.topology
    num_nodes, num_links = topo.num_nodes, topo.num_directed_links
    if topo.meta.get("phase_classes") and router_options and \
            router_options.get("num_vcs", 2) < 2:
        raise ConfigError("simulation.num_vcs: several ports per chiplet need two VC classes "
                          "(up to the interposer, down from it); set num_vcs: 2 or more")
    options = {k: v for k, v in (router_options or {}).items() if k in FLIT_KEYS}
    params = sim_params({**options, "random_ties": False}, net)
    network = build_network(topo, routing, params, router_delay_extra(topo, net),
                            link_cycles_per_flit(topo, net))
    lay = lay_out(graph, instances, net, num_nodes, header_flits, pe_sharing)
    tmpl, wire = lay.tmpl, lay.wire
    remote = (routes.pair >= 0) & (graph.msg_bits > 0)
    is_term = np.zeros(num_nodes, dtype=bool)
    is_term[network.terminals] = True
    if not (is_term[graph.msg_src[remote]].all() and is_term[graph.msg_dst[remote]].all()):
        raise SimulationError("simulation.network: flit: a message starts or ends on a router "
                              "without a PE; report this design")
    flits = np.where(remote, np.ceil(wire / net.flit_bits), 0).astype(np.int64)
    delay = np.where(routes.pair >= 0, routes.latency_s, 0.0)
    kernel_state = State(network, _closed_traffic(network.terminals, num_nodes))
    kernel_state.open_messages(lay.num_messages)
    kernel_state.ctl[K.C_MODE] = K.MODE_RUNNING
    kernel_state.ctl[K.C_GEN] = 0
    window = np.zeros((WINDOWS, num_links))
    start, finish, emit, begin, sent, arrive, width, stats, t_net, _ = run_flit_events(
        tmpl, lay.resource[tmpl], graph.task_duration_s[tmpl], graph.occupies[tmpl],
        lay.deps[tmpl], lay.release, lay.task_off, lay.msg_off, lay.tmsg_ptr, graph.msg_src,
        graph.msg_dst, remote, delay, flits, graph.cons_ptr, graph.cons_task, lay.n_resources,
        net.cycle_s, float(net.flit_bits), window, 1e-9, kernel_state.kernel_arrays())
    kernel_state.t = int(t_net)
    kernel_state.check()
    loop = dict(zip(("events", "kernel_calls", "cycles_simulated", "cycles_skipped",
                     "most_messages_open"), stats.tolist(), strict=True))
    return Execution(graph, routes, instances, tmpl, lay.inst, lay.m_tmpl, lay.m_inst, start,
                     finish, emit, begin, sent, arrive, window, float(width), wire, loop)
