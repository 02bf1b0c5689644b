"""The flit-level kernel: one numba-compiled loop over cycles on preallocated state arrays.

State lives in a few 2D int64 arrays whose columns are named by the constants below (struct
of fields per row); the driver in `engine.py` builds them and reads the results. Port ids:
input port p < L is directed link p (buffer at its destination router), p = L + r is the
injection port of router r; output port o < L is link o, o = L + r the ejection port of r.
Output port o feeds input port o. Event "ports" in the time wheel: < L + R as above; the
terminal of router r is L + R + r (ejected flits arrive there, source credits return there).

Timing follows BookSim2's IQ router (see docs/cycle_model.md): a flit sent on a link of
latency `lat` in cycle s is buffered downstream in cycle s + lat + 1; each pipeline stage
(route, VC allocation, switch allocation, crossbar) evaluates a batch of waiting input VCs
and completes it `delay` cycles later; a credit for a flit leaving an input buffer in cycle
u reaches the upstream router in cycle u + lat + 1 + credit_delay.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# --- input VC fields (row = input port * V + vc)
(I_STATE, I_QT, I_RES, I_OPORT, I_OVC, I_VLO, I_VHI, I_HEAD, I_CNT, I_VAPTR, I_MOVED,
 I_POS, I_EPORT) = range(13)
N_IVC_FIELDS = 13
IDLE, ROUTING, VC_ALLOC, ACTIVE = range(4)
# I_QT: -2 not queued in a stage, -1 waiting for evaluation, >= 0 cycle its stage completes.
# I_EPORT: with escape VCs, the output port of the escape route the head may fall back to
# (its VC 0) when every VC of its minimal route is taken; -1 if none

# --- output VC fields (row = output port * V + vc): downstream credit state
O_OCC, O_INUSE, O_VAPTR = range(3)
N_OVC_FIELDS = 3

# --- input port fields
IP_ROUTER, IP_LOCAL, IP_SWPTR, IP_SWOFF, IP_LAT = range(5)
N_IP_FIELDS = 5

# --- output port fields
OP_ROUTER, OP_LOCAL, OP_SWPTR, OP_LAT, OP_QHEAD, OP_QCNT, OP_PERIOD, OP_FREE = range(8)
N_OP_FIELDS = 8
# OP_PERIOD: cycles a flit takes to cross the link's wires (1, or more for a die-to-die link
# slower than flit_bits per cycle); OP_FREE: the first cycle the port may send again

# --- router fields
(R_NIN, R_NOUT, R_RTN, R_VAN, R_SAN, R_XBN, R_OQN,
 R_RTBUSY, R_VABUSY, R_SABUSY, R_XBBUSY, R_NBUSY, R_RD) = range(13)
N_R_FIELDS = 13
# R_RD: the router's routing delay (BookSim's routing_delay, per router when it has more
# or fewer ports than the reference router)
# busy[router, slot] lists the router's non-idle input VCs: (ivc row, local input, vc)

# --- crossbar item fields (xb[router, slot, field])
X_CODE, X_PORT, X_VC, X_TIME = range(4)

# --- terminal fields (row = router id; only terminals inject)
T_PKT, T_FLIT, T_VC, T_LASTVC, T_NEXTGEN = range(5)
N_T_FIELDS = 5

# --- packet fields (pool rows)
K_SRC, K_DST, K_CTIME, K_ITIME, K_GEN, K_HOPS, K_CLASS, K_MEAS, K_FLOW, K_NEXTEJ, K_LEN = range(11)
N_K_FIELDS = 11
# K_LEN: flits of this packet (packet_size, or fewer for the last packet of a message)

# --- parameters (prm)
(P_V, P_B, P_RD, P_VAD, P_SAD, P_XD, P_CD, P_L, P_R, P_W, P_PSIZE, P_UNIFORM, P_NTERM,
 P_HASALT, P_HASCLASS, P_V0, P_DEBUG, P_DEADLOCK, P_XCAP, P_QCAP, P_CAPF, P_CAPC,
 P_MAXIN, P_MAXOUT, P_HIST, P_CLOSED, P_PHASE, P_ESCAPE) = range(28)
N_PARAMS = 28
# P_ESCAPE: escape VCs (Duato): VCs 1..V-1 follow route_out (minimal), VC 0 of every link
# follows escape_out (up*/down*); a head takes VC 0 only when its minimal route's VCs are all
# taken, and a packet on VC 0 stays on VC 0
# P_PHASE: 2.5D with several ports per chiplet; a packet takes VC class 1 from the link
# marked in link_dateline (down from the interposer) on, class 0 before
# P_CLOSED: terminals send queued messages (closed loop, engines/event/flit_backend.py)
# instead of Bernoulli packets

# --- control (ctl): what the driver asks of this call
C_MODE, C_MEAS_START, C_MEAS_END, C_GEN, C_STOP = range(5)
N_CTL = 5
MODE_WARMUP, MODE_RUNNING, MODE_DRAINING, MODE_FLUSH = range(4)
STOP_NONE, STOP_MEASURED_DONE, STOP_EMPTY = range(3)

# --- global counters (glob)
(G_STATUS, G_FREE_TOP, G_ACC_FLITS, G_ACC_PKTS, G_PLAT_N, G_PLAT_SUM, G_NLAT_SUM, G_HOPS_SUM,
 G_INFL_FLITS, G_INFL_CTIME, G_MEAS_OUT, G_NET_FLITS, G_INJ_FLITS, G_EJ_FLITS, G_ERR_OVERFLOW,
 G_ERR_ORDER, G_ERR_CREDIT, G_LAST_PROGRESS, G_PKTS_CREATED, G_PEND_CRED, G_ERR_ROUTE,
 G_DEADLOCK_IVC, G_MAX_OCC, G_SRC_PKTS, G_PKTS_DONE, G_MSG_DONE, G_MSG_OPEN) = range(27)
N_GLOB = 27
# closed loop: G_MSG_DONE messages delivered in this call (listed in done_list),
# G_MSG_OPEN messages queued or in flight
STATUS_OK, STATUS_STOPPED, STATUS_DEADLOCK, STATUS_POOL, STATUS_WHEEL = range(5)

# --- per-flow statistics (flow_stats[flow, field])
F_COUNT, F_PLAT_SUM, F_NLAT_SUM = range(3)

# --- debug channel counters: chan = link o, L + r (ejection of r), L + R + r (injection of r)
D_PIPE, D_CRED = range(2)

FLIT_SHIFT = 16
FLIT_MASK = (1 << FLIT_SHIFT) - 1
BIG = 1 << 60


GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def mix64(z):
    """splitmix64 output function: a well-mixed 64-bit value from the generator state z."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def unit(z):
    """Uniform float in [0, 1) from 64 random bits."""
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def geometric(u, rate, log_q):
    """Cycles to the next Bernoulli(rate) success (>= 1) from a uniform u; BIG if rate is 0."""
    if rate >= 1.0:
        return 1
    if rate <= 0.0:
        return BIG
    return 1 + np.int64(np.floor(np.log(1.0 - u) / log_q))


@njit(cache=True)
def run_kernel(t_start, t_end, prm, ctl, glob, rng, ivc, buf, ovc, inport, outport, oq_code,
               oq_vc, router, router_in, router_out, busy, xb, term, term_list, src_vc, term_rate,
               term_logq, tr_ptr, tr_dst, tr_cum, tr_flow, term_ids, pkt, free_stack, wf, wf_n,
               wc, wc_n, route_out, alt_out, escape_out, link_dst, link_dim, link_dir,
               link_dateline, link_split, hist, link_flits, router_flits, flow_stats, dbg,
               msg_dst, msg_flits, msg_open, msg_begin, msg_sent, msg_done, mq_head, mq_tail,
               mq_next, done_list):
    """Simulate cycles t_start .. t_end-1 (or until a stop rule fires); return the next cycle.

    Closed loop (`prm[P_CLOSED]`): terminal r sends the messages queued on it (`mq_head[r]`,
    linked by `mq_next`) one after another, each as packets of up to `packet_size` of its
    `msg_flits[m]` flits to router `msg_dst[m]`; the call records each message's first and
    last injection cycle and its delivery cycle (last flit ejected), lists the delivered
    messages in `done_list`, and returns after the first cycle that delivered one, or once
    the network is empty.

    Everything is written inline (no helper taking arrays): numba would otherwise wrap each
    call in reference-count updates of every array argument, which dominates the run time.
    """
    nv = prm[P_V]
    depth = prm[P_B]
    vad = prm[P_VAD]
    sad = prm[P_SAD]
    xd = prm[P_XD]
    cd = prm[P_CD]
    n_links = prm[P_L]
    n_routers = prm[P_R]
    wmask = prm[P_W] - 1
    psize = prm[P_PSIZE]
    n_term = prm[P_NTERM]
    uniform = prm[P_UNIFORM] != 0
    has_alt = prm[P_HASALT] != 0
    has_class = prm[P_HASCLASS] != 0
    has_phase = prm[P_PHASE] != 0
    has_escape = prm[P_ESCAPE] != 0
    v0 = prm[P_V0]
    debug = prm[P_DEBUG] != 0
    deadlock_cycles = prm[P_DEADLOCK]
    xcap = prm[P_XCAP]
    qcap = prm[P_QCAP]
    capf = prm[P_CAPF]
    capc = prm[P_CAPC]
    maxin = prm[P_MAXIN]
    maxout = prm[P_MAXOUT]
    nhist = prm[P_HIST]
    mode = ctl[C_MODE]
    meas_start = ctl[C_MEAS_START]
    meas_end = ctl[C_MEAS_END]
    gen_on = ctl[C_GEN] != 0
    stop_rule = ctl[C_STOP]
    counting = mode == MODE_WARMUP or mode == MODE_RUNNING
    running = mode == MODE_RUNNING
    nports = n_links + n_routers
    closed = prm[P_CLOSED] != 0
    seed = rng[0]

    # scratch for the allocators
    va_best = np.empty(maxout * nv, dtype=np.int64)
    va_bkey = np.empty(maxout * nv, dtype=np.int64)
    va_bli = np.empty(maxout * nv, dtype=np.int64)
    sw_req = np.empty((maxin, maxout), dtype=np.int64)
    sw_best = np.empty(maxout, dtype=np.int64)
    sw_bkey = np.empty(maxout, dtype=np.int64)
    l_rt_ready = np.empty(maxin * nv, dtype=np.int64)
    l_rt_wait = np.empty(maxin * nv, dtype=np.int64)
    l_va_wait = np.empty(maxin * nv, dtype=np.int64)
    l_va_done = np.empty(maxin * nv, dtype=np.int64)
    l_sa_wait = np.empty(maxin * nv, dtype=np.int64)
    l_sa_done = np.empty(maxin * nv, dtype=np.int64)
    l_idle = np.empty(maxin * nv, dtype=np.int64)

    t = t_start
    while t < t_end:
        slot = t & wmask
        # ---------------- credits due this cycle
        for e in range(wc_n[slot]):
            port = wc[slot, e, 0]
            vc = wc[slot, e, 1]
            glob[G_PEND_CRED] -= 1
            if port < nports:
                row = port * nv + vc
                ovc[row, O_OCC] -= 1
                if ovc[row, O_OCC] < 0:
                    glob[G_ERR_CREDIT] += 1
                if debug:
                    dbg[row, D_CRED] -= 1
            else:
                row = (port - nports) * nv + vc
                src_vc[row, 0] -= 1
                if src_vc[row, 0] < 0:
                    glob[G_ERR_CREDIT] += 1
                if debug:
                    dbg[port * nv + vc, D_CRED] -= 1
        wc_n[slot] = 0

        # ---------------- flits arriving this cycle
        for e in range(wf_n[slot]):
            port = wf[slot, e, 0]
            vc = wf[slot, e, 1]
            code = wf[slot, e, 2]
            pid = code >> FLIT_SHIFT
            idx = code & FLIT_MASK
            if port >= nports:
                # ejection: the terminal of router rr reads the flit and returns a credit
                rr = port - nports
                if debug:
                    dbg[(n_links + rr) * nv + vc, D_PIPE] -= 1
                    dbg[(n_links + rr) * nv + vc, D_CRED] += 1
                if pkt[pid, K_NEXTEJ] != idx:
                    glob[G_ERR_ORDER] += 1
                pkt[pid, K_NEXTEJ] = idx + 1
                if pkt[pid, K_DST] != rr:
                    glob[G_ERR_ROUTE] += 1
                glob[G_INFL_FLITS] -= 1
                glob[G_INFL_CTIME] -= pkt[pid, K_CTIME]
                glob[G_NET_FLITS] -= 1
                glob[G_EJ_FLITS] += 1
                glob[G_LAST_PROGRESS] = t
                if counting:
                    glob[G_ACC_FLITS] += 1
                ta = (t + 2 + cd) & wmask
                n = wc_n[ta]
                if n < capc:
                    wc[ta, n, 0] = n_links + rr
                    wc[ta, n, 1] = vc
                    wc_n[ta] = n + 1
                    glob[G_PEND_CRED] += 1
                else:
                    glob[G_STATUS] = STATUS_WHEEL
                if idx == pkt[pid, K_LEN] - 1:
                    if closed:
                        m = pkt[pid, K_FLOW]
                        msg_open[m] -= 1
                        if msg_open[m] == 0 and msg_flits[m] == 0:
                            msg_done[m] = t
                            done_list[glob[G_MSG_DONE]] = m
                            glob[G_MSG_DONE] += 1
                            glob[G_MSG_OPEN] -= 1
                    meas = pkt[pid, K_MEAS] != 0
                    if mode == MODE_WARMUP or meas:
                        plat = t - pkt[pid, K_CTIME]
                        nlat = t - pkt[pid, K_ITIME]
                        glob[G_PLAT_N] += 1
                        glob[G_PLAT_SUM] += plat
                        glob[G_NLAT_SUM] += nlat
                        glob[G_HOPS_SUM] += pkt[pid, K_HOPS]
                        hist[min(plat, nhist - 1)] += 1
                        fl = pkt[pid, K_FLOW]
                        if fl >= 0:
                            flow_stats[fl, F_COUNT] += 1
                            flow_stats[fl, F_PLAT_SUM] += plat
                            flow_stats[fl, F_NLAT_SUM] += nlat
                    if meas:
                        glob[G_MEAS_OUT] -= 1
                    if counting:
                        glob[G_ACC_PKTS] += 1
                    glob[G_PKTS_DONE] += 1
                    free_stack[glob[G_FREE_TOP]] = pid
                    glob[G_FREE_TOP] += 1
                continue
            # a router input buffer
            i = port * nv + vc
            if debug:
                chan = port if port < n_links else nports + port - n_links
                dbg[chan * nv + vc, D_PIPE] -= 1
            cnt = ivc[i, I_CNT]
            if cnt >= depth:
                glob[G_ERR_OVERFLOW] += 1
                continue
            buf[i, (ivc[i, I_HEAD] + cnt) % depth] = code
            cnt += 1
            ivc[i, I_CNT] = cnt
            if cnt > glob[G_MAX_OCC]:
                glob[G_MAX_OCC] = cnt
            r = inport[port, IP_ROUTER]
            if cnt == 1:
                ivc[i, I_MOVED] = t
            state = ivc[i, I_STATE]
            if state == IDLE:
                if idx != 0:
                    glob[G_ERR_ORDER] += 1
                ivc[i, I_STATE] = ROUTING
                # with routing_delay 0 the route is ready on arrival (lookahead routing)
                ivc[i, I_QT] = -1 if router[r, R_RD] > 0 else t - 1
                router[r, R_RTN] += 1
                nb = router[r, R_NBUSY]
                busy[r, nb, 0] = i
                busy[r, nb, 1] = inport[port, IP_LOCAL]
                busy[r, nb, 2] = vc
                ivc[i, I_POS] = nb
                router[r, R_NBUSY] = nb + 1
            elif state == ACTIVE and cnt == 1:
                ivc[i, I_QT] = -1
                router[r, R_SAN] += 1
        wf_n[slot] = 0

        # ---------------- terminals: packet generation (Bernoulli) and injection
        for ti in range(n_term):
            r = term_list[ti]
            if term[r, T_PKT] < 0 and closed:
                m = mq_head[r]
                if m < 0:
                    continue
                top = glob[G_FREE_TOP]
                if top == 0:
                    glob[G_STATUS] = STATUS_POOL
                    break
                top -= 1
                glob[G_FREE_TOP] = top
                pid = free_stack[top]
                size = min(psize, msg_flits[m])
                msg_flits[m] -= size
                msg_open[m] += 1
                if msg_begin[m] < 0:
                    msg_begin[m] = t
                if msg_flits[m] == 0:
                    mq_head[r] = mq_next[m]
                    if mq_head[r] < 0:
                        mq_tail[r] = -1
                pkt[pid, K_SRC] = r
                pkt[pid, K_DST] = msg_dst[m]
                pkt[pid, K_CTIME] = t
                pkt[pid, K_ITIME] = -1
                pkt[pid, K_GEN] = t
                pkt[pid, K_HOPS] = 0
                pkt[pid, K_CLASS] = 0
                pkt[pid, K_FLOW] = m
                pkt[pid, K_NEXTEJ] = 0
                pkt[pid, K_MEAS] = 0
                pkt[pid, K_LEN] = size
                glob[G_PKTS_CREATED] += 1
                glob[G_INFL_FLITS] += size
                glob[G_INFL_CTIME] += size * t
                term[r, T_PKT] = pid
                term[r, T_FLIT] = 0
                term[r, T_VC] = -1
            elif term[r, T_PKT] < 0:
                if not gen_on or term[r, T_NEXTGEN] > t:
                    continue
                top = glob[G_FREE_TOP]
                if top == 0:
                    glob[G_STATUS] = STATUS_POOL
                    break
                top -= 1
                glob[G_FREE_TOP] = top
                pid = free_stack[top]
                ctime = term[r, T_NEXTGEN]
                seed += GOLDEN
                u = unit(mix64(seed))
                if uniform:
                    dst = term_ids[min(np.int64(u * n_term), n_term - 1)]
                    flow = -1
                else:
                    lo = tr_ptr[r]
                    hi = tr_ptr[r + 1] - 1
                    x = u * tr_cum[hi]
                    while lo < hi:
                        mid = (lo + hi) >> 1
                        if tr_cum[mid] > x:
                            hi = mid
                        else:
                            lo = mid + 1
                    dst = tr_dst[lo]
                    flow = tr_flow[lo]
                pkt[pid, K_SRC] = r
                pkt[pid, K_DST] = dst
                pkt[pid, K_CTIME] = ctime
                pkt[pid, K_ITIME] = -1
                pkt[pid, K_GEN] = t
                pkt[pid, K_HOPS] = 0
                pkt[pid, K_CLASS] = 0
                pkt[pid, K_FLOW] = flow
                pkt[pid, K_NEXTEJ] = 0
                pkt[pid, K_LEN] = psize
                meas = t >= meas_start and ctime < meas_end
                pkt[pid, K_MEAS] = 1 if meas else 0
                if meas:
                    glob[G_MEAS_OUT] += 1
                glob[G_PKTS_CREATED] += 1
                glob[G_INFL_FLITS] += psize
                glob[G_INFL_CTIME] += psize * ctime
                term[r, T_PKT] = pid
                term[r, T_FLIT] = 0
                term[r, T_VC] = -1
                seed += GOLDEN
                u = unit(mix64(seed))
                term[r, T_NEXTGEN] = ctime + geometric(u, term_rate[r], term_logq[r])
            pid = term[r, T_PKT]
            vc = term[r, T_VC]
            if vc < 0:
                last = term[r, T_LASTVC]
                for s in range(1, nv + 1):
                    cand = (last + s) % nv
                    row = r * nv + cand
                    if src_vc[row, 1] == 0 and src_vc[row, 0] < depth:
                        vc = cand
                        break
                if vc < 0:
                    continue
                term[r, T_VC] = vc
                term[r, T_LASTVC] = vc
                src_vc[r * nv + vc, 1] = 1
            row = r * nv + vc
            if src_vc[row, 0] >= depth:
                continue
            src_vc[row, 0] += 1
            fi = term[r, T_FLIT]
            if fi == 0:
                pkt[pid, K_ITIME] = t
            ta = (t + 2) & wmask
            n = wf_n[ta]
            if n < capf:
                wf[ta, n, 0] = n_links + r
                wf[ta, n, 1] = vc
                wf[ta, n, 2] = (pid << FLIT_SHIFT) | fi
                wf_n[ta] = n + 1
            else:
                glob[G_STATUS] = STATUS_WHEEL
            if debug:
                dbg[(nports + r) * nv + vc, D_PIPE] += 1
            glob[G_NET_FLITS] += 1
            glob[G_INJ_FLITS] += 1
            glob[G_LAST_PROGRESS] = t
            if fi == pkt[pid, K_LEN] - 1:
                if closed and msg_flits[pkt[pid, K_FLOW]] == 0:
                    msg_sent[pkt[pid, K_FLOW]] = t
                src_vc[row, 1] = 0
                term[r, T_PKT] = -1
                term[r, T_VC] = -1
                term[r, T_FLIT] = 0
            else:
                term[r, T_FLIT] = fi + 1

        # ---------------- routers
        for r in range(n_routers):
            if (router[r, R_RTN] + router[r, R_VAN] + router[r, R_SAN] + router[r, R_XBN]
                    + router[r, R_OQN]) == 0:
                continue
            nin = router[r, R_NIN]
            nout = router[r, R_NOUT]
            nivc = nin * nv
            novc = nout * nv

            # ===== one scan sorts the busy input VCs by what they do this cycle
            n_rt_ready = 0
            n_rt_wait = 0
            n_va_wait = 0
            n_va_done = 0
            n_sa_wait = 0
            n_sa_done = 0
            n_idle = 0
            for e in range(router[r, R_NBUSY]):
                i = busy[r, e, 0]
                state = ivc[i, I_STATE]
                qt = ivc[i, I_QT]
                if state == ROUTING:
                    if qt == -1:
                        l_rt_wait[n_rt_wait] = e
                        n_rt_wait += 1
                    elif qt < t:
                        l_rt_ready[n_rt_ready] = e
                        n_rt_ready += 1
                elif state == VC_ALLOC:
                    if qt == -1:
                        l_va_wait[n_va_wait] = e
                        n_va_wait += 1
                    elif qt == t:
                        l_va_done[n_va_done] = e
                        n_va_done += 1
                elif qt == -1:
                    l_sa_wait[n_sa_wait] = e
                    n_sa_wait += 1
                elif qt == t:
                    l_sa_done[n_sa_done] = e
                    n_sa_done += 1

            # ===== routing completed in an earlier cycle (or on arrival): pick the output
            # port and the VC range; the VC joins this cycle's VC allocation
            for e in range(n_rt_ready):
                slot = l_rt_ready[e]
                i = busy[r, slot, 0]
                p = router_in[r, busy[r, slot, 1]]
                router[r, R_RTN] -= 1
                pid = buf[i, ivc[i, I_HEAD]] >> FLIT_SHIFT
                d = pkt[pid, K_DST]
                lo = 0
                hi = nv - 1
                eport = -1
                if d == r:
                    o = n_links + r
                elif has_escape:
                    if p < n_links and busy[r, slot, 2] == 0:
                        # on the escape VC: stays on it, along the up*/down* route
                        o = escape_out[r, d]
                        hi = 0
                    else:
                        o = route_out[r, d]
                        lo = 1
                        eport = escape_out[r, d]
                else:
                    o = route_out[r, d]
                    if has_alt and alt_out[r, d] >= 0:
                        seed += GOLDEN
                        if unit(mix64(seed)) < 0.5:
                            o = alt_out[r, d]
                    if has_phase:
                        if p < n_links and link_dateline[p]:
                            pkt[pid, K_CLASS] = 1
                        if pkt[pid, K_CLASS] == 0:
                            hi = v0 - 1
                        else:
                            lo = v0
                    elif has_class and link_split[o]:
                        if (p < n_links and link_split[p] and link_dim[p] == link_dim[o]
                                and link_dir[p] == link_dir[o]):
                            cls = pkt[pid, K_CLASS]
                        else:
                            # entering a ring: class 1 if this run crosses the dateline
                            cls = 0
                            link = o
                            for _ in range(n_routers + 1):
                                if link_dateline[link]:
                                    cls = 1
                                    break
                                node = link_dst[link]
                                if node == d:
                                    break
                                nxt = route_out[node, d]
                                if (nxt < 0 or nxt >= n_links or not link_split[nxt]
                                        or link_dim[nxt] != link_dim[link]
                                        or link_dir[nxt] != link_dir[link]):
                                    break
                                link = nxt
                            pkt[pid, K_CLASS] = cls
                        if cls == 0:
                            hi = v0 - 1
                        else:
                            lo = v0
                ivc[i, I_OPORT] = o
                ivc[i, I_VLO] = lo
                ivc[i, I_VHI] = hi
                ivc[i, I_EPORT] = eport
                ivc[i, I_STATE] = VC_ALLOC
                ivc[i, I_QT] = -1
                router[r, R_VAN] += 1
                l_va_wait[n_va_wait] = slot
                n_va_wait += 1

            # ===== evaluate: routing
            if n_rt_wait > 0 and router[r, R_RTBUSY] < t:
                done = t + router[r, R_RD] - 1
                router[r, R_RTBUSY] = done
                for e in range(n_rt_wait):
                    ivc[busy[r, l_rt_wait[e], 0], I_QT] = done

            # ===== evaluate: VC allocation (separable, input first, round robin)
            if n_va_wait > 0 and router[r, R_VABUSY] < t:
                done = t + vad - 1
                router[r, R_VABUSY] = done
                for j in range(novc):
                    va_best[j] = -1
                for e in range(n_va_wait):
                    slot = l_va_wait[e]
                    i = busy[r, slot, 0]
                    li = busy[r, slot, 1] * nv + busy[r, slot, 2]
                    ivc[i, I_QT] = done
                    ivc[i, I_RES] = -1
                    if done == t:
                        l_va_done[n_va_done] = slot
                        n_va_done += 1
                    o = ivc[i, I_OPORT]
                    m = outport[o, OP_LOCAL]
                    ptr = ivc[i, I_VAPTR]
                    bj = -1
                    bk = BIG
                    for ov in range(ivc[i, I_VLO], ivc[i, I_VHI] + 1):
                        if ovc[o * nv + ov, O_INUSE] == 0:
                            j = m * nv + ov
                            key = j - ptr
                            if key < 0:
                                key += novc
                            if key < bk:
                                bk = key
                                bj = j
                    if bj < 0 and has_escape:
                        # every minimal-route VC is taken: request the escape VC
                        eo = ivc[i, I_EPORT]
                        if eo >= 0 and ovc[eo * nv, O_INUSE] == 0:
                            o = eo
                            m = outport[eo, OP_LOCAL]
                            bj = m * nv
                    if bj < 0:
                        continue
                    g = o * nv + (bj - m * nv)
                    key2 = li - ovc[g, O_VAPTR]
                    if key2 < 0:
                        key2 += nivc
                    if va_best[bj] < 0 or key2 < va_bkey[bj]:
                        va_best[bj] = i
                        va_bkey[bj] = key2
                        va_bli[bj] = li
                for j in range(novc):
                    i = va_best[j]
                    if i < 0:
                        continue
                    o = router_out[r, j // nv]
                    g = o * nv + j % nv
                    ivc[i, I_RES] = g
                    ivc[i, I_VAPTR] = (j + 1) % novc
                    ovc[g, O_VAPTR] = (va_bli[j] + 1) % nivc
            if vad > 1:
                # grants whose output VC was taken meanwhile are dropped at completion
                for e in range(n_va_done):
                    i = busy[r, l_va_done[e], 0]
                    if ivc[i, I_RES] >= 0 and ovc[ivc[i, I_RES], O_INUSE] != 0:
                        ivc[i, I_RES] = -1

            # ===== evaluate: switch allocation (separable, input first, round robin)
            if n_sa_wait > 0 and router[r, R_SABUSY] < t:
                done = t + sad - 1
                router[r, R_SABUSY] = done
                for k in range(nin):
                    for m in range(nout):
                        sw_req[k, m] = -1
                for e in range(n_sa_wait):
                    slot = l_sa_wait[e]
                    i = busy[r, slot, 0]
                    k = busy[r, slot, 1]
                    v = busy[r, slot, 2]
                    p = router_in[r, k]
                    ivc[i, I_QT] = done
                    ivc[i, I_RES] = -1
                    if done == t:
                        l_sa_done[n_sa_done] = slot
                        n_sa_done += 1
                    o = ivc[i, I_OPORT]
                    if ovc[o * nv + ivc[i, I_OVC], O_OCC] >= depth:
                        continue
                    m = outport[o, OP_LOCAL]
                    cur = sw_req[k, m]
                    if cur < 0:
                        sw_req[k, m] = v
                    else:
                        off = inport[p, IP_SWOFF]
                        x = v - off
                        if x < 0:
                            x += nv
                        y = cur - off
                        if y < 0:
                            y += nv
                        if x < y:
                            sw_req[k, m] = v
                for m in range(nout):
                    sw_best[m] = -1
                for k in range(nin):
                    p = router_in[r, k]
                    ptr = inport[p, IP_SWPTR]
                    bm = -1
                    bk = BIG
                    for m in range(nout):
                        if sw_req[k, m] >= 0:
                            key = m - ptr
                            if key < 0:
                                key += nout
                            if key < bk:
                                bk = key
                                bm = m
                    if bm < 0:
                        continue
                    o = router_out[r, bm]
                    key2 = k - outport[o, OP_SWPTR]
                    if key2 < 0:
                        key2 += nin
                    if sw_best[bm] < 0 or key2 < sw_bkey[bm]:
                        sw_best[bm] = k
                        sw_bkey[bm] = key2
                for m in range(nout):
                    k = sw_best[m]
                    if k < 0:
                        continue
                    p = router_in[r, k]
                    o = router_out[r, m]
                    v = sw_req[k, m]
                    ivc[p * nv + v, I_RES] = o
                    inport[p, IP_SWPTR] = (m + 1) % nout
                    outport[o, OP_SWPTR] = (k + 1) % nin
                    inport[p, IP_SWOFF] = (v + 1) % nv
            if sad > 1:
                for e in range(n_sa_done):
                    i = busy[r, l_sa_done[e], 0]
                    if (ivc[i, I_RES] >= 0
                            and ovc[ivc[i, I_RES] * nv + ivc[i, I_OVC], O_OCC] >= depth):
                        ivc[i, I_RES] = -1

            # ===== evaluate: crossbar
            if router[r, R_XBN] > 0 and router[r, R_XBBUSY] < t:
                done = t + xd - 1
                anyq = False
                for s in range(router[r, R_XBN]):
                    if xb[r, s, X_TIME] == -1:
                        xb[r, s, X_TIME] = done
                        anyq = True
                if anyq:
                    router[r, R_XBBUSY] = done

            # ===== update: VC allocation
            for e in range(n_va_done):
                i = busy[r, l_va_done[e], 0]
                g = ivc[i, I_RES]
                if g >= 0:
                    if ovc[g, O_INUSE] != 0:
                        glob[G_ERR_CREDIT] += 1
                    ovc[g, O_INUSE] = 1
                    ivc[i, I_OPORT] = g // nv
                    ivc[i, I_OVC] = g % nv
                    ivc[i, I_STATE] = ACTIVE
                    ivc[i, I_QT] = -1
                    router[r, R_VAN] -= 1
                    router[r, R_SAN] += 1
                else:
                    ivc[i, I_QT] = -1

            # ===== update: switch allocation
            for e in range(n_sa_done):
                slot = l_sa_done[e]
                i = busy[r, slot, 0]
                p = router_in[r, busy[r, slot, 1]]
                v = busy[r, slot, 2]
                o = ivc[i, I_RES]
                if o < 0:
                    ivc[i, I_QT] = -1
                    continue
                ov = ivc[i, I_OVC]
                head = ivc[i, I_HEAD]
                code = buf[i, head]
                head += 1
                if head == depth:
                    head = 0
                ivc[i, I_HEAD] = head
                cnt = ivc[i, I_CNT] - 1
                ivc[i, I_CNT] = cnt
                ivc[i, I_MOVED] = t
                pid = code >> FLIT_SHIFT
                idx = code & FLIT_MASK
                tail = idx == pkt[pid, K_LEN] - 1
                if idx == 0:
                    pkt[pid, K_HOPS] += 1
                row = o * nv + ov
                ovc[row, O_OCC] += 1
                if tail:
                    ovc[row, O_INUSE] = 0
                n = router[r, R_XBN]
                if n < xcap:
                    xb[r, n, X_CODE] = code
                    xb[r, n, X_PORT] = o
                    xb[r, n, X_VC] = ov
                    xb[r, n, X_TIME] = -1
                    router[r, R_XBN] = n + 1
                else:
                    glob[G_STATUS] = STATUS_WHEEL
                # credit back upstream
                if p < n_links:
                    ta = (t + inport[p, IP_LAT] + 1 + cd) & wmask
                    cport = p
                else:
                    ta = (t + 2) & wmask
                    cport = nports + p - n_links
                n = wc_n[ta]
                if n < capc:
                    wc[ta, n, 0] = cport
                    wc[ta, n, 1] = v
                    wc_n[ta] = n + 1
                    glob[G_PEND_CRED] += 1
                else:
                    glob[G_STATUS] = STATUS_WHEEL
                if debug:
                    dbg[row, D_PIPE] += 1
                    dbg[cport * nv + v, D_CRED] += 1
                if running:
                    router_flits[r] += 1
                glob[G_LAST_PROGRESS] = t
                if cnt == 0:
                    ivc[i, I_QT] = -2
                    router[r, R_SAN] -= 1
                    if tail:
                        ivc[i, I_STATE] = IDLE
                        l_idle[n_idle] = slot
                        n_idle += 1
                elif tail:
                    router[r, R_SAN] -= 1
                    router[r, R_RTN] += 1
                    ivc[i, I_STATE] = ROUTING
                    ivc[i, I_QT] = -1 if router[r, R_RD] > 0 else t
                else:
                    ivc[i, I_QT] = -1

            # input VCs that went idle leave the busy list (highest slot first, so the
            # entry moved into a freed slot is never one still to be removed)
            for e in range(n_idle - 1, -1, -1):
                slot = l_idle[e]
                nb = router[r, R_NBUSY] - 1
                if slot != nb:
                    for f in range(3):
                        busy[r, slot, f] = busy[r, nb, f]
                    ivc[busy[r, slot, 0], I_POS] = slot
                router[r, R_NBUSY] = nb

            # ===== update: crossbar -> output queues
            if router[r, R_XBN] > 0:
                n = router[r, R_XBN]
                kept = 0
                for s in range(n):
                    if xb[r, s, X_TIME] == t:
                        o = xb[r, s, X_PORT]
                        q = outport[o, OP_QCNT]
                        if q >= qcap:
                            glob[G_STATUS] = STATUS_WHEEL
                            continue
                        pos = outport[o, OP_QHEAD] + q
                        if pos >= qcap:
                            pos -= qcap
                        oq_code[o, pos] = xb[r, s, X_CODE]
                        oq_vc[o, pos] = xb[r, s, X_VC]
                        outport[o, OP_QCNT] = q + 1
                        router[r, R_OQN] += 1
                    else:
                        if kept != s:
                            for f in range(4):
                                xb[r, kept, f] = xb[r, s, f]
                        kept += 1
                router[r, R_XBN] = kept

            # ===== write outputs: one flit per output port per cycle
            if router[r, R_OQN] > 0:
                for m in range(nout):
                    o = router_out[r, m]
                    if outport[o, OP_QCNT] == 0 or outport[o, OP_FREE] > t:
                        continue
                    period = outport[o, OP_PERIOD]
                    outport[o, OP_FREE] = t + period
                    head = outport[o, OP_QHEAD]
                    code = oq_code[o, head]
                    ov = oq_vc[o, head]
                    head += 1
                    if head == qcap:
                        head = 0
                    outport[o, OP_QHEAD] = head
                    outport[o, OP_QCNT] -= 1
                    router[r, R_OQN] -= 1
                    if o < n_links:
                        ta = (t + outport[o, OP_LAT] + period) & wmask
                        dport = o
                        if running:
                            link_flits[o] += 1
                    else:
                        ta = (t + 2) & wmask
                        dport = nports + o - n_links
                    n = wf_n[ta]
                    if n < capf:
                        wf[ta, n, 0] = dport
                        wf[ta, n, 1] = ov
                        wf[ta, n, 2] = code
                        wf_n[ta] = n + 1
                    else:
                        glob[G_STATUS] = STATUS_WHEEL

        # ---------------- invariants (debug): credits conserved per channel and VC
        if debug:
            for chan in range(n_links + 2 * n_routers):
                for v in range(nv):
                    if chan < nports:
                        occ = ovc[chan * nv + v, O_OCC]
                        held = ivc[chan * nv + v, I_CNT] if chan < n_links else 0
                    else:
                        rr = chan - nports
                        occ = src_vc[rr * nv + v, 0]
                        held = ivc[(n_links + rr) * nv + v, I_CNT]
                    if occ != held + dbg[chan * nv + v, D_PIPE] + dbg[chan * nv + v, D_CRED]:
                        glob[G_ERR_CREDIT] += 1
                    if occ > depth or occ < 0:
                        glob[G_ERR_OVERFLOW] += 1

        t += 1
        if glob[G_STATUS] != STATUS_OK:
            break

        # ---------------- deadlock watch: a non-empty input VC whose front has not moved;
        # with escape VCs (deadlock-free by construction, but a head may starve for long
        # under saturation) only a network where no flit moved at all
        if (t & 255) == 0 and glob[G_NET_FLITS] > 0:
            for i in range(nports * nv):
                if ivc[i, I_CNT] > 0 and t - ivc[i, I_MOVED] > deadlock_cycles and (
                        not has_escape or t - glob[G_LAST_PROGRESS] > deadlock_cycles):
                    glob[G_STATUS] = STATUS_DEADLOCK
                    glob[G_DEADLOCK_IVC] = i
                    break
            if glob[G_STATUS] != STATUS_OK:
                break

        # ---------------- stop rules
        if closed and (glob[G_MSG_DONE] > 0 or (
                glob[G_MSG_OPEN] == 0 and glob[G_NET_FLITS] == 0 and glob[G_PEND_CRED] == 0)):
            break
        if stop_rule == STOP_MEASURED_DONE:
            if glob[G_MEAS_OUT] == 0:
                pending = False
                if gen_on:
                    for ti in range(n_term):
                        if term[term_list[ti], T_NEXTGEN] < meas_end:
                            pending = True
                            break
                if not pending:
                    glob[G_STATUS] = STATUS_STOPPED
                    break
        elif stop_rule == STOP_EMPTY:
            if glob[G_NET_FLITS] == 0 and glob[G_PEND_CRED] == 0:
                sending = False
                for ti in range(n_term):
                    if term[term_list[ti], T_PKT] >= 0:
                        sending = True
                        break
                if not sending:
                    glob[G_STATUS] = STATUS_STOPPED
                    break
    rng[0] = seed
    return t
