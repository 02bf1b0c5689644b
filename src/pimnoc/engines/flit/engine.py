"""Flit simulator driver: builds the kernel's arrays, runs BookSim's latency mode, reads results.

Python only sets up arrays, advances the measurement phases (one kernel call per sample
period or chunk) and turns counters into a `SimResult`; every cycle runs in the numba kernel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from pimnoc.engines.flit import kernel as K
from pimnoc.engines.flit.params import SimParams, SimResult
from pimnoc.engines.flit.traffic import TrafficTable, flow_traffic, synthetic_traffic
from pimnoc.engines.flit.vc_routing import ring_links, tie_alternatives, uses_dateline_classes
from pimnoc.errors import ConfigError, SimulationError, TopologyError
from pimnoc.hardware.routing import Routing, escape_network, make_routing, uses_escape
from pimnoc.hardware.topology import NOI_ROUTER, UBUMP, Topology

Progress = Callable[[int, int], None]
HIST_BINS = 1 << 15


@dataclass(frozen=True, eq=False)
class Network:
    """Static kernel arrays of a topology with its routing and router parameters."""

    topology: Topology
    routing: Routing
    params: SimParams
    prm: np.ndarray
    inport: np.ndarray
    outport: np.ndarray
    router_in: np.ndarray
    router_out: np.ndarray
    route_out: np.ndarray
    alt_out: np.ndarray
    escape_out: np.ndarray
    link_dst: np.ndarray
    link_dim: np.ndarray
    link_dir: np.ndarray
    link_dateline: np.ndarray
    link_split: np.ndarray
    router_nin: np.ndarray
    router_nout: np.ndarray
    terminals: np.ndarray
    router_rd: np.ndarray


def build_network(topology: Topology, routing: Routing | str | None,
                  params: SimParams, router_delay_extra: np.ndarray | None = None,
                  link_period: np.ndarray | None = None) -> Network:
    """Check the parameters and routing, and lay out ports, routes and VC classes.

    `router_delay_extra` adds cycles (or removes, down to lookahead routing) to each router's
    routing delay: the per-router pipeline of routers with more or fewer ports.
    `link_period[l]` (default 1) is the cycles a flit takes to cross link l: a link slower
    than one flit per cycle sends a flit every `link_period` cycles, each arriving
    `link_period - 1` cycles later than on a full-rate link. With several ports per chiplet
    (`topology.meta["phase_classes"]`) packets change VC class when they come down from the
    interposer, which keeps those routes deadlock-free (`routing.channel_dependencies`).
    A routing with an escape channel (`updown.escape`) gets escape VCs: VC 0 follows the
    escape network (up*/down*), VCs 1.. the minimal routes (Duato's protocol).
    """
    params.validate()
    if routing is None or isinstance(routing, str):
        routing = make_routing(topology, routing)
    topo = topology
    escape_routing = None
    if uses_escape(routing):
        escape_routing = escape_network(routing)
        if (topo.meta.get("phase_classes")
                or uses_dateline_classes(topo, routing.algorithm, params.vc_classes)):
            # VC classes already split the VCs: packets keep to the escape network's
            # up*/down* routes (deadlock-free, not minimal), without escape VCs
            routing, escape_routing = escape_routing, None
        elif params.num_vcs < 2:
            raise ConfigError(
                f"num_vcs: routing '{routing.algorithm}' of topology '{topo.name}' needs an "
                f"escape VC and at least one more (num_vcs >= 2, got {params.num_vcs}); "
                "set num_vcs: 2 or more (--num-vcs)")
    n_r, n_l = topo.num_nodes, topo.num_directed_links
    lat = np.asarray(topo.link_latency_cycles, dtype=np.int64)
    if n_l and lat.min() < 1:
        raise SimulationError(
            f"topology '{topo.name}': link latencies must be >= 1 cycle, got {lat.min()}"
        )
    term = np.asarray(topo.compute_nodes, dtype=np.int64)
    is_term = np.zeros(n_r, dtype=bool)
    is_term[term] = True
    table = np.asarray(routing.table(), dtype=np.int64)
    _check_routes(routing, term)
    if escape_routing is not None:
        _check_routes(escape_routing, term)

    # ports: links by id, then the terminal's injection / ejection port
    in_lists = [[] for _ in range(n_r)]
    out_lists = [[] for _ in range(n_r)]
    for link in np.argsort(topo.link_dst, kind="stable"):
        in_lists[topo.link_dst[link]].append(int(link))
    for link in np.argsort(topo.link_src, kind="stable"):
        out_lists[topo.link_src[link]].append(int(link))
    for r in term:
        in_lists[r].append(n_l + int(r))
        out_lists[r].append(n_l + int(r))
    nin = np.array([len(x) for x in in_lists], dtype=np.int64)
    nout = np.array([len(x) for x in out_lists], dtype=np.int64)
    maxin, maxout = max(1, int(nin.max(initial=1))), max(1, int(nout.max(initial=1)))
    router_in = np.full((n_r, maxin), -1, dtype=np.int64)
    router_out = np.full((n_r, maxout), -1, dtype=np.int64)
    inport = np.zeros((n_l + n_r, K.N_IP_FIELDS), dtype=np.int64)
    outport = np.zeros((n_l + n_r, K.N_OP_FIELDS), dtype=np.int64)
    inport[:, K.IP_ROUTER] = -1
    outport[:, K.OP_ROUTER] = -1
    for r in range(n_r):
        router_in[r, :nin[r]] = in_lists[r]
        router_out[r, :nout[r]] = out_lists[r]
        inport[in_lists[r], K.IP_ROUTER] = r
        inport[in_lists[r], K.IP_LOCAL] = np.arange(nin[r])
        outport[out_lists[r], K.OP_ROUTER] = r
        outport[out_lists[r], K.OP_LOCAL] = np.arange(nout[r])
    inport[:n_l, K.IP_LAT] = lat
    inport[n_l:, K.IP_LAT] = 1
    outport[:n_l, K.OP_LAT] = lat
    outport[n_l:, K.OP_LAT] = 1
    period = (np.ones(n_l, dtype=np.int64) if link_period is None
              else np.asarray(link_period, dtype=np.int64))
    if n_l and period.min() < 1:
        raise SimulationError("link periods must be >= 1 cycle per flit")
    outport[:, K.OP_PERIOD] = 1
    outport[:n_l, K.OP_PERIOD] = period

    route_out = table.copy()
    diag = np.arange(n_r)
    route_out[diag, diag] = np.where(is_term, n_l + diag, -1)
    if escape_routing is None:
        escape_out = np.full((1, 1), -1, dtype=np.int64)
    else:
        escape_out = np.asarray(escape_routing.table(), dtype=np.int64).copy()
        escape_out[diag, diag] = route_out[diag, diag]

    split = uses_dateline_classes(topo, routing.algorithm, params.vc_classes)
    if split and params.num_vcs < 2:
        raise SimulationError(
            f"topology '{topo.name}' has torus rings: dateline deadlock avoidance needs "
            f"num_vcs (--num-vcs) >= 2, got {params.num_vcs}"
        )
    link_split = ring_links(topo) if split else np.zeros(n_l, dtype=bool)
    dateline = np.asarray(topo.link_dateline, dtype=np.bool_)
    phase = bool(topo.meta.get("phase_classes"))
    if phase:
        if split or params.num_vcs < 2:
            raise SimulationError(
                f"topology '{topo.name}': several ports per chiplet need two VC classes "
                f"(num_vcs >= 2, got {params.num_vcs}) and no torus rings in the NoI")
        dateline = ((topo.link_kind == UBUMP)
                    & (topo.node_kind[topo.link_src] == NOI_ROUTER)).astype(np.bool_)
    alt = None
    if params.random_ties and routing.algorithm == "dor":
        alt = tie_alternatives(topo, table)
    alt_out = alt if alt is not None else np.full((1, 1), -1, dtype=np.int64)

    nv, depth = params.num_vcs, params.vc_buf_size
    xd = params.st_prepare_delay + params.st_final_delay
    max_delay = int((lat + period - 1).max(initial=1)) + params.credit_delay + 4
    wheel = 1 << int(np.ceil(np.log2(max_delay + 1)))
    prm = np.zeros(K.N_PARAMS, dtype=np.int64)
    prm[K.P_V] = nv
    prm[K.P_B] = depth
    prm[K.P_RD] = params.routing_delay
    prm[K.P_VAD] = params.vc_alloc_delay
    prm[K.P_SAD] = params.sw_alloc_delay
    prm[K.P_XD] = xd
    prm[K.P_CD] = params.credit_delay
    prm[K.P_L] = n_l
    prm[K.P_R] = n_r
    prm[K.P_W] = wheel
    prm[K.P_PSIZE] = params.packet_size
    prm[K.P_NTERM] = term.size
    prm[K.P_HASALT] = int(alt is not None)
    prm[K.P_HASCLASS] = int(split)
    prm[K.P_PHASE] = int(phase)
    prm[K.P_ESCAPE] = int(escape_routing is not None)
    prm[K.P_V0] = nv // 2
    prm[K.P_DEBUG] = int(params.debug)
    prm[K.P_DEADLOCK] = params.deadlock_cycles
    prm[K.P_XCAP] = maxout * min(nv * depth, 2 * xd + 2) + 4
    prm[K.P_QCAP] = nv * depth + 2
    prm[K.P_CAPF] = n_l + 2 * n_r
    prm[K.P_CAPC] = n_l + 2 * n_r
    prm[K.P_MAXIN] = maxin
    prm[K.P_MAXOUT] = maxout
    prm[K.P_HIST] = HIST_BINS
    extra = (np.zeros(n_r, dtype=np.int64) if router_delay_extra is None
             else np.asarray(router_delay_extra, dtype=np.int64))
    router_rd = np.maximum(params.routing_delay + extra, 0)
    return Network(
        topology=topo, routing=routing, params=params, prm=prm, inport=inport,
        outport=outport, router_in=router_in, router_out=router_out, route_out=route_out,
        alt_out=alt_out, escape_out=escape_out, link_dst=np.asarray(topo.link_dst, dtype=np.int64),
        link_dim=np.asarray(topo.link_dim, dtype=np.int64),
        link_dir=np.asarray(topo.link_dir, dtype=np.int64),
        link_dateline=dateline,
        link_split=link_split.astype(np.bool_), router_nin=nin, router_nout=nout,
        terminals=term, router_rd=router_rd,
    )


def _check_routes(routing: Routing, term: np.ndarray) -> None:
    """Raise TopologyError if some terminal pair has no loop-free route."""
    topo = routing.topology
    table = np.asarray(routing.table(), dtype=np.int64)
    bad = _first_bad_route(table, np.asarray(topo.link_dst, dtype=np.int64), term)
    if bad >= 0:
        src, dst = divmod(int(bad), topo.num_nodes)
        raise TopologyError(
            f"topology '{topo.name}': routing '{routing.algorithm}' finds no loop-free route "
            f"from node {src} to node {dst}; check that the topology is connected or choose "
            "another routing (--routing / simulation.routing)"
        )


@njit(cache=True)
def _first_bad_route(table, link_dst, term):
    """src * n + dst of the first terminal pair (sources outer, destinations inner) whose
    route dead-ends or loops, else -1.

    Routes are destination-based, so for one destination the next hops of all nodes form a
    graph with one edge out of each node: a node's route is good when its next node's is.
    Each node is walked once per destination (its verdict kept), O(n) per destination
    instead of a walk per pair.
    """
    n = table.shape[0]
    unknown, good, bad, walking = 0, 1, 2, 3
    state = np.empty(n, dtype=np.int8)
    path = np.empty(n, dtype=np.int64)
    first_a, first_b = term.size, term.size
    for b in range(term.size):
        dst = term[b]
        state[:] = unknown
        state[dst] = good
        for a in range(min(first_a + 1, term.size)):
            cur = term[a]
            depth = 0
            while state[cur] == unknown:
                state[cur] = walking
                path[depth] = cur
                depth += 1
                link = table[cur, dst]
                if link < 0:
                    break
                cur = link_dst[link]
            # stopped at a node whose route is known, or on the path itself: a loop, or the
            # node without a next hop
            verdict = good if state[cur] == good else bad
            for k in range(depth):
                state[path[k]] = verdict
            if state[term[a]] == bad and (a < first_a or (a == first_a and b < first_b)):
                first_a, first_b = a, b
    if first_a < term.size:
        return term[first_a] * n + term[first_b]
    return -1


class State:
    """The mutable kernel arrays of one run (fresh per injection rate)."""

    def __init__(self, net: Network, traffic: TrafficTable, n_flows: int = 0) -> None:
        p, prm = net.params, net.prm
        nv, depth = p.num_vcs, p.vc_buf_size
        n_l, n_r = int(prm[K.P_L]), int(prm[K.P_R])
        nports = n_l + n_r
        self.net = net
        self.traffic = traffic
        self.prm = prm.copy()
        self.prm[K.P_UNIFORM] = int(traffic.uniform)
        self.ctl = np.zeros(K.N_CTL, dtype=np.int64)
        self.ctl[K.C_MEAS_START] = K.BIG
        self.ctl[K.C_MEAS_END] = K.BIG
        self.ctl[K.C_GEN] = 1
        self.glob = np.zeros(K.N_GLOB, dtype=np.int64)
        seed_state = (int(p.seed) * 0x2545F4914F6CDD1D + 0x1234567) % (1 << 64)
        self.rng = np.array([seed_state], dtype=np.uint64)
        self.ivc = np.zeros((nports * nv, K.N_IVC_FIELDS), dtype=np.int64)
        self.ivc[:, K.I_QT] = -2
        self.ivc[:, K.I_RES] = -1
        self.ivc[:, K.I_OPORT] = -1
        self.ivc[:, K.I_OVC] = -1
        self.ivc[:, K.I_EPORT] = -1
        self.buf = np.zeros((nports * nv, depth), dtype=np.int64)
        self.ovc = np.zeros((nports * nv, K.N_OVC_FIELDS), dtype=np.int64)
        self.inport = net.inport.copy()
        self.outport = net.outport.copy()
        qcap = int(prm[K.P_QCAP])
        self.oq_code = np.zeros((nports, qcap), dtype=np.int64)
        self.oq_vc = np.zeros((nports, qcap), dtype=np.int64)
        self.router = np.zeros((n_r, K.N_R_FIELDS), dtype=np.int64)
        self.router[:, K.R_NIN] = net.router_nin
        self.router[:, K.R_NOUT] = net.router_nout
        self.router[:, K.R_RD] = net.router_rd
        for f in (K.R_RTBUSY, K.R_VABUSY, K.R_SABUSY, K.R_XBBUSY):
            self.router[:, f] = -1
        self.xb = np.zeros((n_r, int(prm[K.P_XCAP]), 4), dtype=np.int64)
        self.busy = np.zeros((n_r, int(prm[K.P_MAXIN]) * nv, 3), dtype=np.int64)
        self.term = np.zeros((n_r, K.N_T_FIELDS), dtype=np.int64)
        self.term[:, K.T_PKT] = -1
        self.term[:, K.T_VC] = -1
        self.term[:, K.T_LASTVC] = nv - 1
        self.term_list = net.terminals.copy()
        self.src_vc = np.zeros((n_r * nv, 2), dtype=np.int64)
        self.term_rate = np.asarray(traffic.rate, dtype=np.float64)
        with np.errstate(divide="ignore"):
            self.term_logq = np.where(self.term_rate < 1.0, np.log1p(-self.term_rate), 0.0)
        first_arrivals(self.rng, self.term_rate, self.term_logq, self.term)
        pool = (n_l + 2 * n_r) * nv * depth + n_r + 16
        self.pkt = np.zeros((pool, K.N_K_FIELDS), dtype=np.int64)
        self.free_stack = np.arange(pool - 1, -1, -1, dtype=np.int64)
        self.glob[K.G_FREE_TOP] = pool
        wheel, capf, capc = int(prm[K.P_W]), int(prm[K.P_CAPF]), int(prm[K.P_CAPC])
        self.wf = np.zeros((wheel, capf, 3), dtype=np.int64)
        self.wf_n = np.zeros(wheel, dtype=np.int64)
        self.wc = np.zeros((wheel, capc, 2), dtype=np.int64)
        self.wc_n = np.zeros(wheel, dtype=np.int64)
        self.hist = np.zeros(HIST_BINS, dtype=np.int64)
        self.link_flits = np.zeros(max(n_l, 1), dtype=np.int64)
        self.router_flits = np.zeros(n_r, dtype=np.int64)
        self.flow_stats = np.zeros((max(n_flows, 1), 3), dtype=np.int64)
        self.dbg = np.zeros(((n_l + 2 * n_r) * nv if p.debug else 1, 2), dtype=np.int64)
        self.open_messages(0)
        self.t = 0

    def open_messages(self, count: int) -> None:
        """Closed loop: room for `count` messages sent from queues on the terminals."""
        n_r = int(self.prm[K.P_R])
        self.prm[K.P_CLOSED] = int(count > 0)
        size = max(count, 1)
        self.msg_dst = np.zeros(size, dtype=np.int64)
        self.msg_flits = np.zeros(size, dtype=np.int64)
        self.msg_open = np.zeros(size, dtype=np.int64)
        self.msg_begin = np.full(size, -1, dtype=np.int64)
        self.msg_sent = np.full(size, -1, dtype=np.int64)
        self.msg_done = np.full(size, -1, dtype=np.int64)
        self.mq_head = np.full(n_r, -1, dtype=np.int64)
        self.mq_tail = np.full(n_r, -1, dtype=np.int64)
        self.mq_next = np.full(size, -1, dtype=np.int64)
        self.done_list = np.zeros(n_r + 1, dtype=np.int64)

    def kernel_arrays(self) -> tuple:
        """Every array `run_kernel` takes after (t_start, t_end), in its order."""
        net, tr = self.net, self.traffic
        return (self.prm, self.ctl, self.glob, self.rng, self.ivc, self.buf, self.ovc,
                self.inport, self.outport, self.oq_code, self.oq_vc, self.router,
                net.router_in, net.router_out, self.busy, self.xb, self.term, self.term_list,
                self.src_vc, self.term_rate, self.term_logq, tr.ptr, tr.dst, tr.cum, tr.flow,
                tr.term_ids, self.pkt, self.free_stack, self.wf, self.wf_n, self.wc, self.wc_n,
                net.route_out, net.alt_out, net.escape_out, net.link_dst, net.link_dim,
                net.link_dir, net.link_dateline, net.link_split, self.hist, self.link_flits,
                self.router_flits, self.flow_stats, self.dbg, self.msg_dst, self.msg_flits,
                self.msg_open, self.msg_begin, self.msg_sent, self.msg_done, self.mq_head,
                self.mq_tail, self.mq_next, self.done_list)

    def run(self, cycles: int) -> int:
        """Advance up to `cycles` cycles; return the kernel status."""
        self.t = int(K.run_kernel(self.t, self.t + cycles, *self.kernel_arrays()))
        return self.check()

    def check(self) -> int:
        """The kernel status; SimulationError on a deadlock or an internal overflow."""
        status = int(self.glob[K.G_STATUS])
        if status == K.STATUS_DEADLOCK:
            raise SimulationError(deadlock_report(self))
        if status in (K.STATUS_POOL, K.STATUS_WHEEL):
            raise SimulationError(f"flit simulator: internal capacity exceeded (status {status})")
        return status

    def clear_stats(self) -> None:
        """Reset the measured counters (BookSim's ClearStats)."""
        for f in (K.G_ACC_FLITS, K.G_ACC_PKTS, K.G_PLAT_N, K.G_PLAT_SUM, K.G_NLAT_SUM,
                  K.G_HOPS_SUM):
            self.glob[f] = 0
        self.hist[:] = 0
        self.link_flits[:] = 0
        self.router_flits[:] = 0
        self.flow_stats[:] = 0

    def latency_with_in_flight(self) -> float:
        """Average latency of retired and in-flight flits' packets (BookSim's threshold test)."""
        g = self.glob
        total = g[K.G_PLAT_SUM] + self.t * g[K.G_INFL_FLITS] - g[K.G_INFL_CTIME]
        count = g[K.G_PLAT_N] + g[K.G_INFL_FLITS]
        return float(total) / count if count else 0.0


@njit(cache=True)
def first_arrivals(rng, rate, log_q, term):
    """First Bernoulli success time of each source (a success at cycle 0 counts)."""
    seed = rng[0]
    for r in range(rate.size):
        seed += K.GOLDEN
        term[r, K.T_NEXTGEN] = K.geometric(K.unit(K.mix64(seed)), rate[r], log_q[r]) - 1
    rng[0] = seed


def deadlock_report(state: State) -> str:
    """Name the blocked routers and a cycle of waiting channels for a SimulationError."""
    net = state.net
    topo = net.topology
    nv = net.params.num_vcs
    n_l = topo.num_directed_links
    ivc = state.ivc
    t = state.t
    stuck = np.flatnonzero((ivc[:, K.I_CNT] > 0)
                           & (t - ivc[:, K.I_MOVED] > net.params.deadlock_cycles // 2))
    ports = stuck // nv
    waits = ivc[stuck, K.I_OPORT]
    routers = sorted({int(net.inport[p, K.IP_ROUTER]) for p in ports})

    def name(port: int) -> str:
        if port < n_l:
            return f"{topo.link_src[port]}->{topo.link_dst[port]}"
        return f"terminal {port - n_l}"

    cycle_text = ""
    edges = {(int(p), int(o)) for p, o in zip(ports, waits, strict=True) if 0 <= o < n_l}
    if edges:
        import networkx as nx

        graph = nx.DiGraph(list(edges))
        try:
            cyc = [a for a, _ in nx.find_cycle(graph)]
            cycle_text = "; waiting cycle of links " + " => ".join(name(c) for c in cyc[:12])
            if len(cyc) > 12:
                cycle_text += " ..."
        except nx.NetworkXNoCycle:
            pass
    return (
        f"deadlock at cycle {t} in topology '{topo.name}' (routing "
        f"'{net.routing.algorithm}'): {stuck.size} input VCs made no progress for "
        f"{net.params.deadlock_cycles} cycles at routers {routers[:16]}"
        f"{' ...' if len(routers) > 16 else ''}{cycle_text}; use a deadlock-free routing "
        "(dor on meshes and tori, updown on irregular networks) or more VCs"
    )


def run_latency_mode(state: State, progress: Progress | None = None,
                     chunk: int | None = None) -> SimResult:
    """BookSim's latency mode: warm-up, sample periods to convergence, drain; then results."""
    p = state.net.params
    start = time.perf_counter()
    period = p.sample_period
    step = max(1, min(period, chunk or period))
    expected = (p.warmup_periods + p.converge_samples) * period
    g = state.glob
    n_term = max(int(state.prm[K.P_NTERM]), 1)

    def advance(cycles: int) -> None:
        done = 0
        while done < cycles:
            n = min(step, cycles - done)
            state.run(n)
            done += n
            if progress is not None:
                progress(state.t, max(expected, state.t))

    warming, running = True, False
    converged = 0
    prev_lat = prev_acc = 0.0
    clear_last = False
    phases = 0
    reset_time = 0
    saturated = False
    while phases < p.max_samples and (not running or converged < p.converge_samples):
        if clear_last or (warming and phases % 2 == 0):
            clear_last = False
            state.clear_stats()
            reset_time = state.t
        advance(period)
        n = g[K.G_PLAT_N]
        cur_lat = g[K.G_PLAT_SUM] / n if n else 0.0
        cur_acc = g[K.G_ACC_FLITS] / max(state.t - reset_time, 1) / n_term
        lat_change = abs(cur_lat - prev_lat) / cur_lat if cur_lat else np.inf
        acc_change = abs(cur_acc - prev_acc) / cur_acc if cur_acc else np.inf
        prev_lat, prev_acc = cur_lat, cur_acc
        if state.latency_with_in_flight() > p.latency_thres:
            saturated = True
            break
        if warming:
            if phases + 1 >= p.warmup_periods:
                warming, running = False, True
                clear_last = True
                state.ctl[K.C_MODE] = K.MODE_RUNNING
                state.ctl[K.C_MEAS_START] = state.t
        elif lat_change <= p.stopping_thres and acc_change <= p.acc_stopping_thres:
            converged += 1
        else:
            converged = 0
        phases += 1
    if not running:
        saturated = True
    drain_time = state.t
    if not saturated:
        state.ctl[K.C_MODE] = K.MODE_DRAINING
        state.ctl[K.C_MEAS_END] = drain_time
        state.ctl[K.C_STOP] = K.STOP_MEASURED_DONE
        drained = 0
        while True:
            status = state.run(1000)
            drained = state.t - drain_time
            if progress is not None:
                progress(state.t, max(expected, state.t))
            if status == K.STATUS_STOPPED:
                break
            if state.latency_with_in_flight() > p.latency_thres or drained > p.max_drain_cycles:
                saturated = True
                break
    return make_result(state, reset_time, drain_time, saturated, time.perf_counter() - start)


def make_result(state: State, reset_time: int, drain_time: int, saturated: bool,
                wall_s: float) -> SimResult:
    """Turn the kernel counters into a SimResult."""
    g = state.glob
    n_term = max(int(state.prm[K.P_NTERM]), 1)
    window = max(drain_time - reset_time, 1)
    n = int(g[K.G_PLAT_N])
    nan = float("nan")
    p50 = p99 = nan
    if n:
        cum = np.cumsum(state.hist)
        p50 = float(np.searchsorted(cum, 0.5 * n))
        p99 = float(np.searchsorted(cum, 0.99 * n))
    n_l = state.net.topology.num_directed_links
    link_flits = state.link_flits[:n_l].copy()
    flows = None
    flow_n = None
    if state.traffic.flow.size and state.traffic.flow.max() >= 0:
        flow_n = state.flow_stats[:, K.F_COUNT].copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            flows = state.flow_stats[:, K.F_PLAT_SUM] / flow_n
    return SimResult(
        packet_latency_mean=g[K.G_PLAT_SUM] / n if n else nan,
        packet_latency_p50=p50,
        packet_latency_p99=p99,
        network_latency_mean=g[K.G_NLAT_SUM] / n if n else nan,
        accepted_flit_rate=float(g[K.G_ACC_FLITS]) / window / n_term,
        accepted_packet_rate=float(g[K.G_ACC_PKTS]) / window / n_term,
        offered_flit_rate=float(state.traffic.offered_flit_rate),
        hops_mean=g[K.G_HOPS_SUM] / n if n else nan,
        saturated=bool(saturated or state.traffic.notes),
        cycles=int(state.t),
        measured_cycles=int(window),
        packets_measured=n,
        link_utilisation=link_flits / window,
        link_flits=link_flits,
        router_flits=state.router_flits.copy(),
        wall_s=float(wall_s),
        flow_packet_latency_mean=flows,
        flow_packets=flow_n,
        notes=tuple(state.traffic.notes),
    )


def simulate(topology: Topology, routing: Routing | str | None = None,
             traffic: str = "uniform", rate: float = 0.05, params: SimParams | None = None, *,
             progress: Progress | None = None, network: Network | None = None,
             **pattern_options) -> SimResult:
    """Run a synthetic pattern at `rate` packets/terminal/cycle (BookSim's latency mode).

    `pattern_options` go to the pattern: `hotspots`, `hotspot_fraction`, `matrix`.
    """
    params = params or SimParams()
    net = network or build_network(topology, routing, params)
    table = synthetic_traffic(topology, traffic, rate, params.packet_size, **pattern_options)
    return run_latency_mode(State(net, table), progress)


def simulate_flows(topology: Topology, routing: Routing | str | None, src: np.ndarray,
                   dst: np.ndarray, bits: np.ndarray, interval_cycles: float, flit_bits: float,
                   params: SimParams | None = None, *,
                   progress: Progress | None = None,
                   router_delay_extra: np.ndarray | None = None) -> SimResult:
    """Inject each flow (src -> dst node, bits per inference) at the rate its bits imply.

    Flow f sends bits[f] / flit_bits flits every `interval_cycles` cycles, as packets of
    `params.packet_size` flits with Bernoulli arrivals; flows with src == dst stay off the
    network. `flow_packet_latency_mean` in the result is indexed like the inputs;
    `router_delay_extra` as in `build_network`.
    """
    params = params or SimParams()
    net = build_network(topology, routing, params, router_delay_extra)
    table = flow_traffic(topology, src, dst, bits, interval_cycles, flit_bits,
                         params.packet_size)
    return run_latency_mode(State(net, table, n_flows=len(np.ravel(src))), progress)


def sweep(topology: Topology, routing: Routing | str | None, traffic: str,
          rates: Sequence[float], params: SimParams | None = None, *,
          progress: Callable[[int, int, int], None] | None = None,
          **pattern_options) -> list[SimResult]:
    """simulate() at each rate, reusing the routing; progress(rate index, cycles, expected)."""
    params = params or SimParams()
    net = build_network(topology, routing, params)
    results = []
    for i, rate in enumerate(rates):
        tick = None if progress is None else (lambda t, e, i=i: progress(i, t, e))
        results.append(simulate(topology, net.routing, traffic, rate, params, progress=tick,
                                network=net, **pattern_options))
    return results
