"""The compiled discrete-event loop: tasks on PEs, messages as max-min fair flows.

Events (task release, task finish, message arrival) sit in one binary heap ordered by
(time, sequence number), so equal times resolve in a fixed order and a run is repeatable.
Between events every message in flight is a flow on its route (links plus the source's
injection and the destination's ejection port); each channel's bandwidth is shared max-min
fairly among the flows crossing it, recomputed by progressive filling whenever a flow starts
or ends (the flow-level model of SimGrid: Casanova et al., "Versatile, scalable, and
accurate simulation of distributed applications and platforms", JPDC 2014). A message
arrives its route's zero-load latency after its last bit left the source.
"""

from __future__ import annotations

import numpy as np
from numba import njit

RELEASE, FINISH, ARRIVE = 0, 1, 2


@njit(cache=True)
def _less(ht, hs, a, b):
    return ht[a] < ht[b] or (ht[a] == ht[b] and hs[a] < hs[b])


@njit(cache=True)
def _swap(ht, hs, hk, hi, a, b):
    ht[a], ht[b] = ht[b], ht[a]
    hs[a], hs[b] = hs[b], hs[a]
    hk[a], hk[b] = hk[b], hk[a]
    hi[a], hi[b] = hi[b], hi[a]


@njit(cache=True)
def _push(ht, hs, hk, hi, state, time, kind, ident):
    """Push an event; state[0] is the heap size, state[1] the next sequence number."""
    n = state[0]
    ht[n], hs[n], hk[n], hi[n] = time, state[1], kind, ident
    state[0] += 1
    state[1] += 1
    while n > 0:
        parent = (n - 1) // 2
        if _less(ht, hs, n, parent):
            _swap(ht, hs, hk, hi, n, parent)
            n = parent
        else:
            break


@njit(cache=True)
def _pop(ht, hs, hk, hi, state):
    """Remove the earliest event (left at index state[0] after the call)."""
    last = state[0] - 1
    _swap(ht, hs, hk, hi, 0, last)
    state[0] = last
    n = 0
    while True:
        left = 2 * n + 1
        if left >= last:
            break
        child = left
        if left + 1 < last and _less(ht, hs, left + 1, left):
            child = left + 1
        if _less(ht, hs, child, n):
            _swap(ht, hs, hk, hi, n, child)
            n = child
        else:
            break
    return last


@njit(cache=True)
def _lpush(key, ident, version, size, k, share, ver):
    """Push (share, link slot) onto the progressive-filling heap; the new size."""
    n = size
    key[n], ident[n], version[n] = share, k, ver
    while n > 0:
        parent = (n - 1) // 2
        if key[n] < key[parent] or (key[n] == key[parent] and ident[n] < ident[parent]):
            key[n], key[parent] = key[parent], key[n]
            ident[n], ident[parent] = ident[parent], ident[n]
            version[n], version[parent] = version[parent], version[n]
            n = parent
        else:
            break
    return size + 1


@njit(cache=True)
def _lpop(key, ident, version, size):
    """Move the smallest entry to index size-1; the new size."""
    last = size - 1
    key[0], key[last] = key[last], key[0]
    ident[0], ident[last] = ident[last], ident[0]
    version[0], version[last] = version[last], version[0]
    n = 0
    while True:
        left = 2 * n + 1
        if left >= last:
            break
        c = left
        if left + 1 < last and (key[left + 1] < key[left] or (
                key[left + 1] == key[left] and ident[left + 1] < ident[left])):
            c = left + 1
        if key[c] < key[n] or (key[c] == key[n] and ident[c] < ident[n]):
            key[n], key[c] = key[c], key[n]
            ident[n], ident[c] = ident[c], ident[n]
            version[n], version[c] = version[c], version[n]
            n = c
        else:
            break
    return last


@njit(cache=True)
def max_min_scratch(max_flows, max_hops, max_links):
    """Scratch space of `_max_min` for at most `max_flows` flows of `max_hops` channels each
    over `max_links` channels (allocated once per run, not once per solve)."""
    pairs = max_flows * max_hops
    return (np.empty(max_flows, dtype=np.int64), np.empty(max_flows, dtype=np.int64),
            np.zeros(max_flows), np.empty(pairs, dtype=np.int64),
            np.zeros(max_links + 1, dtype=np.int64), np.empty(max_links, dtype=np.int64),
            np.empty(pairs, dtype=np.int64), np.zeros(max_flows, dtype=np.bool_),
            np.zeros(max_flows), np.empty(pairs + max_links + 1),
            np.empty(pairs + max_links + 1, dtype=np.int64),
            np.empty(pairs + max_links + 1, dtype=np.int64),
            np.zeros(max_links, dtype=np.int64), np.zeros(max_links, dtype=np.bool_),
            np.empty(max_links, dtype=np.int64))


@njit(cache=True)
def max_min_rates(flows, n_flows, flow_pair, pair_ptr, pair_links, capacity, rate, count,
                  remaining, slot, group_of):
    """Max-min fair rates of `flows[:n_flows]` by progressive filling.

    The flows must be closed under link sharing (no other flow crosses their links). Flows
    on the same route (`flow_pair`) get the same rate, so they are solved as one group
    weighted by its size. `count`, `remaining`, `slot` (over links) and `group_of` (over
    routes, all -1 on entry and exit) are scratch space.
    """
    hops = 1
    for i in range(n_flows):
        p = flow_pair[flows[i]]
        hops = max(hops, pair_ptr[p + 1] - pair_ptr[p])
    _max_min(flows, n_flows, flow_pair, pair_ptr, pair_links, capacity, rate, count,
             remaining, slot, group_of, max_min_scratch(n_flows, hops, capacity.size))


@njit(cache=True)
def _max_min(flows, n_flows, flow_pair, pair_ptr, pair_links, capacity, rate, count,
             remaining, slot, group_of, scratch):
    """`max_min_rates` with its scratch space given (`max_min_scratch`; left as found)."""
    (members_of, group_pair, weight, links, groups_on, fill, members, fixed, group_rate,
     key, ident, version, current, dirty, dirty_list) = scratch
    n_groups = 0
    for i in range(n_flows):
        p = flow_pair[flows[i]]
        if group_of[p] < 0:
            group_of[p] = n_groups
            group_pair[n_groups] = p
            weight[n_groups] = 0.0
            n_groups += 1
        members_of[i] = group_of[p]
        weight[group_of[p]] += 1.0
    for g in range(n_groups):
        group_of[group_pair[g]] = -1
    n_links = 0
    pairs = 0
    for g in range(n_groups):
        p = group_pair[g]
        for q in range(pair_ptr[p], pair_ptr[p + 1]):
            count[pair_links[q]] = 0.0
            pairs += 1
    for g in range(n_groups):
        p = group_pair[g]
        for q in range(pair_ptr[p], pair_ptr[p + 1]):
            link = pair_links[q]
            if count[link] == 0.0:
                slot[link] = n_links
                links[n_links] = link
                n_links += 1
                remaining[link] = capacity[link]
            count[link] += weight[g]
    if n_groups == 1:  # one route: its narrowest channel, as progressive filling finds it
        share = np.inf
        for k in range(n_links):
            link = links[k]
            share = min(share, remaining[link] / count[link])
            count[link] = 0.0
        share = max(share, 0.0)
        for i in range(n_flows):
            rate[flows[i]] = share
        return
    groups_on[:n_links + 1] = 0
    for g in range(n_groups):
        p = group_pair[g]
        for q in range(pair_ptr[p], pair_ptr[p + 1]):
            groups_on[slot[pair_links[q]] + 1] += 1
    for k in range(n_links):
        groups_on[k + 1] += groups_on[k]
    fill[:n_links] = groups_on[:n_links]
    for g in range(n_groups):
        p = group_pair[g]
        for q in range(pair_ptr[p], pair_ptr[p + 1]):
            k = slot[pair_links[q]]
            members[fill[k]] = g
            fill[k] += 1
    fixed[:n_groups] = False
    group_rate[:n_groups] = 0.0
    # A channel's fair share (remaining / unfixed flows) only grows as groups are fixed at
    # the smallest share, so a heap entry is a lower bound: a popped entry whose share has
    # grown goes back with its current value, one that has not is the smallest of all.
    size = 0
    for k in range(n_links):
        link = links[k]
        size = _lpush(key, ident, version, size, k, remaining[link] / count[link], 0)
    while size > 0:
        size = _lpop(key, ident, version, size)
        k = ident[size]
        link = links[k]
        if count[link] <= 0.5:
            continue
        now_share = max(remaining[link], 0.0) / count[link]
        if now_share > key[size]:
            size = _lpush(key, ident, version, size, k, now_share, 0)
            continue
        share = max(remaining[link] / count[link], 0.0)
        for q in range(groups_on[k], groups_on[k + 1]):
            g = members[q]
            if fixed[g]:
                continue
            fixed[g] = True
            group_rate[g] = share
            used = share * weight[g]
            p = group_pair[g]
            for r in range(pair_ptr[p], pair_ptr[p + 1]):
                other = pair_links[r]
                remaining[other] -= used
                count[other] -= weight[g]
    for g in range(n_groups):
        p = group_pair[g]
        for q in range(pair_ptr[p], pair_ptr[p + 1]):
            count[pair_links[q]] = 0.0
    for i in range(n_flows):
        rate[flows[i]] = group_rate[members_of[i]]


@njit(cache=True)
def _mark(pair, pair_ptr, pair_links, link_dirty, dirty_links, n_dirty):
    """Mark the links of route `pair` as changed; the new count of marked links."""
    for q in range(pair_ptr[pair], pair_ptr[pair + 1]):
        link = pair_links[q]
        if not link_dirty[link]:
            link_dirty[link] = True
            dirty_links[n_dirty] = link
            n_dirty += 1
    return n_dirty


@njit(cache=True)
def _settle(route_win, width, pair, t0, t1, rate):
    """Add a flow's bits over [t0, t1) at `rate` to its route's time windows (every channel
    of the route carries them; a flow's rate is constant between re-ratings)."""
    if rate <= 0.0 or t1 <= t0:
        return
    n_win = route_win.shape[1]
    b0 = min(int(t0 / width), n_win - 1)
    b1 = min(int(t1 / width), n_win - 1)
    for b in range(b0, b1 + 1):
        lo = max(t0, b * width)
        hi = min(t1, (b + 1) * width) if b < n_win - 1 else t1
        if hi > lo:
            route_win[pair, b] += rate * (hi - lo)


@njit(cache=True)
def _widen(route_win, width, t):
    """Merge window pairs (doubling their width) until `t` falls inside; the new width."""
    n_win = route_win.shape[1]
    while t > n_win * width:
        half = n_win // 2
        for p in range(route_win.shape[0]):
            for b in range(half):
                route_win[p, b] = route_win[p, 2 * b] + route_win[p, 2 * b + 1]
            route_win[p, half:] = 0.0
        width *= 2.0
    return width


@njit(cache=True)
def _attach(s, pair, pair_ptr, pair_links, hops, head, nxt, prv, lcount):
    """Enter flow slot `s` (route `pair`) into its links' lists."""
    for h in range(pair_ptr[pair + 1] - pair_ptr[pair]):
        link = pair_links[pair_ptr[pair] + h]
        e = s * hops + h
        prv[e] = -1
        nxt[e] = head[link]
        if head[link] >= 0:
            prv[head[link]] = e
        head[link] = e
        lcount[link] += 1


@njit(cache=True)
def _detach(s, pair, pair_ptr, pair_links, hops, head, nxt, prv, lcount):
    """Take flow slot `s` out of its links' lists."""
    for h in range(pair_ptr[pair + 1] - pair_ptr[pair]):
        link = pair_links[pair_ptr[pair] + h]
        e = s * hops + h
        if prv[e] >= 0:
            nxt[prv[e]] = nxt[e]
        else:
            head[link] = nxt[e]
        if nxt[e] >= 0:
            prv[nxt[e]] = prv[e]
        lcount[link] -= 1


@njit(cache=True)
def _link_windows(route_win, pair_ptr, pair_links, win, num_links):
    """Each link's bits per time window: the sum over the routes that cross it."""
    for p in range(pair_ptr.size - 1):
        for q in range(pair_ptr[p], pair_ptr[p + 1]):
            link = pair_links[q]
            if link < num_links:
                for b in range(win.shape[0]):
                    win[b, link] += route_win[p, b]


@njit(cache=True)
def loop_state(task_tmpl, task_deps, task_release, msg_off, tmsg_ptr, num_pes):
    """The arrays an event loop starts from, released tasks already on the event heap.

    Returns (n_tasks, n_msgs, start, finish, emit, begin (first bit leaves the source),
    sent, arrive, msg_tmpl, msg_toff, deps, heap ht/hs/hk/hi and its state, pe_busy,
    PE queue head/tail/next).
    """
    n_tasks = task_tmpl.size
    n_msgs = 0
    for g in range(n_tasks):
        top = msg_off[g] + tmsg_ptr[task_tmpl[g] + 1]
        if top > n_msgs:
            n_msgs = top
    cap = 2 * n_tasks + n_msgs + 8
    ht = np.empty(cap)
    hs = np.empty(cap, dtype=np.int64)
    hk = np.empty(cap, dtype=np.int64)
    hi = np.empty(cap, dtype=np.int64)
    state = np.zeros(2, dtype=np.int64)
    for g in range(n_tasks):
        if task_release[g] >= 0.0:
            _push(ht, hs, hk, hi, state, task_release[g], RELEASE, g)
    return (n_tasks, n_msgs, np.full(n_tasks, -1.0), np.full(n_tasks, -1.0),
            np.full(n_msgs, -1.0), np.full(n_msgs, -1.0), np.full(n_msgs, -1.0),
            np.full(n_msgs, -1.0), np.zeros(n_msgs, dtype=np.int64),
            np.zeros(n_msgs, dtype=np.int64), task_deps.copy(), ht, hs, hk, hi, state,
            np.zeros(num_pes, dtype=np.bool_), np.full(num_pes, -1, dtype=np.int64),
            np.full(num_pes, -1, dtype=np.int64), np.full(n_tasks, -1, dtype=np.int64))


@njit(cache=True)
def run_events(task_tmpl, task_node, task_dur, task_occupy, task_deps, task_release,
               task_off, msg_off, tmsg_ptr, m_src, m_pair, pair_ptr, pair_links, m_latency_s,
               m_bits, m_cons_ptr, m_cons, capacity, num_pes, num_nodes, num_links, win,
               width0):
    """Execute all tasks; start/finish per task, emit/sent/arrival per message, windows.

    Task g is template task `task_tmpl[g]`: it emits template messages
    `tmsg_ptr[tmpl]..tmsg_ptr[tmpl+1]` as global messages `+ msg_off[g]`, whose consumers
    are template tasks `+ task_off[g]`. A template message crosses route `m_pair[m]`
    (links `pair_links[pair_ptr[p]:pair_ptr[p+1]]`), or none if -1; a node's network
    interface sends its messages one after another, in the order they were emitted
    (source node `m_src[m]`), so the flows in flight are indexed by their source node.
    `task_release[g] >= 0` releases a task with no dependencies at that time. Returns
    (start, finish, emit, begin, sent, arrive, window width, loop statistics).
    """
    (n_tasks, n_msgs, start, finish, emit, begin, sent, arrive, msg_tmpl, msg_toff, deps,
     ht, hs, hk, hi, state, pe_busy, q_head, q_tail, q_next) = loop_state(
        task_tmpl, task_deps, task_release, msg_off, tmsg_ptr, num_pes)
    n_all_links = capacity.size
    hops = 1
    for p in range(pair_ptr.size - 1):
        hops = max(hops, pair_ptr[p + 1] - pair_ptr[p])
    count = np.zeros(n_all_links)
    remaining = np.zeros(n_all_links)
    slot2 = np.zeros(n_all_links, dtype=np.int64)
    route_win = np.zeros((pair_ptr.size - 1, win.shape[0]))  # bits per route and window
    group_of = np.full(pair_ptr.size, -1, dtype=np.int64)
    scratch = max_min_scratch(num_nodes, hops, n_all_links)
    # per link: a list of (flow, hop) entries; entry = source node * hops + hop
    head = np.full(n_all_links, -1, dtype=np.int64)
    nxt = np.full(num_nodes * hops, -1, dtype=np.int64)
    prv = np.full(num_nodes * hops, -1, dtype=np.int64)
    entry_flow = np.arange(num_nodes * hops) // hops  # the flow slot of each list entry
    lcount = np.zeros(n_all_links, dtype=np.int64)
    link_dirty = np.zeros(n_all_links, dtype=np.bool_)
    dirty_links = np.empty(n_all_links, dtype=np.int64)
    n_dirty = 0
    link_seen = np.zeros(n_all_links, dtype=np.int64)
    flow_seen = np.zeros(num_nodes, dtype=np.int64)
    stamp = 0
    queue = np.empty(n_all_links, dtype=np.int64)
    comp = np.empty(num_nodes, dtype=np.int64)
    # flows in flight, by source node
    f_msg = np.full(num_nodes, -1, dtype=np.int64)
    f_tm = np.zeros(num_nodes, dtype=np.int64)
    f_pair = np.zeros(num_nodes, dtype=np.int64)
    f_rem = np.zeros(num_nodes)  # bits left at time f_t0
    f_t0 = np.zeros(num_nodes)
    f_rate = np.zeros(num_nodes)
    f_done = np.full(num_nodes, np.inf)
    active = np.zeros(num_nodes, dtype=np.int64)
    active_pos = np.zeros(num_nodes, dtype=np.int64)
    n_active = 0
    ni_head = np.full(num_nodes, -1, dtype=np.int64)
    ni_tail = np.full(num_nodes, -1, dtype=np.int64)
    ni_next = np.full(n_msgs, -1, dtype=np.int64)
    # completion times of the flows in flight: a heap with stale entries skipped by version
    f_key = np.empty(4 * num_nodes + 16)
    f_ident = np.empty(4 * num_nodes + 16, dtype=np.int64)
    f_version = np.empty(4 * num_nodes + 16, dtype=np.int64)
    f_ver = np.zeros(num_nodes, dtype=np.int64)
    f_size = 0
    t_flow = np.inf
    width = width0
    stats = np.zeros(4)  # loop iterations, rate computations, flows re-rated, most flows
    while True:
        stats[0] += 1
        t_event = ht[0] if state[0] > 0 else np.inf
        now = min(t_flow, t_event)
        if now == np.inf:
            break
        if now > win.shape[0] * width:
            width = _widen(route_win, width, now)
        changed = False
        if t_flow <= now:
            while f_size > 0 and f_key[0] <= now:
                f_size = _lpop(f_key, f_ident, f_version, f_size)
                src = f_ident[f_size]
                if f_version[f_size] != f_ver[src] or f_msg[src] < 0:
                    continue
                i = active_pos[src]
                m = f_msg[src]
                sent[m] = now
                _push(ht, hs, hk, hi, state, now + m_latency_s[f_tm[src]], ARRIVE, m)
                n_dirty = _mark(f_pair[src], pair_ptr, pair_links, link_dirty, dirty_links,
                                n_dirty)
                _settle(route_win, width, f_pair[src], f_t0[src], now, f_rate[src])
                _detach(src, f_pair[src], pair_ptr, pair_links, hops, head, nxt, prv, lcount)
                changed = True
                nxt_msg = ni_head[src]
                if nxt_msg >= 0:  # the interface's next message starts
                    ni_head[src] = ni_next[nxt_msg]
                    if ni_head[src] < 0:
                        ni_tail[src] = -1
                    tm = msg_tmpl[nxt_msg]
                    f_msg[src], f_tm[src], f_pair[src] = nxt_msg, tm, m_pair[tm]
                    f_rem[src], f_t0[src], f_rate[src] = m_bits[tm], now, 0.0
                    f_done[src] = np.inf
                    begin[nxt_msg] = now
                    _attach(src, m_pair[tm], pair_ptr, pair_links, hops, head, nxt, prv,
                            lcount)
                    n_dirty = _mark(m_pair[tm], pair_ptr, pair_links, link_dirty,
                                    dirty_links, n_dirty)
                    f_ver[src] += 1
                else:
                    f_msg[src] = -1
                    f_done[src] = np.inf
                    f_ver[src] += 1
                    last = active[n_active - 1]
                    active[i] = last
                    active_pos[last] = i
                    n_active -= 1
        while state[0] > 0 and ht[0] <= now:
            e = _pop(ht, hs, hk, hi, state)
            kind, ident = hk[e], hi[e]
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
                    src = m_src[tm]
                    if m_pair[tm] < 0 or m_bits[tm] <= 0.0:
                        sent[m] = now
                        begin[m] = now
                        delay = m_latency_s[tm] if m_pair[tm] >= 0 else 0.0
                        _push(ht, hs, hk, hi, state, now + delay, ARRIVE, m)
                    elif f_msg[src] >= 0:
                        if ni_tail[src] >= 0:
                            ni_next[ni_tail[src]] = m
                        else:
                            ni_head[src] = m
                        ni_tail[src] = m
                    else:
                        f_msg[src], f_tm[src], f_pair[src] = m, tm, m_pair[tm]
                        f_rem[src], f_t0[src], f_rate[src] = m_bits[tm], now, 0.0
                        f_done[src] = np.inf
                        begin[m] = now
                        active[n_active] = src
                        active_pos[src] = n_active
                        n_active += 1
                        _attach(src, m_pair[tm], pair_ptr, pair_links, hops, head, nxt, prv,
                                lcount)
                        n_dirty = _mark(m_pair[tm], pair_ptr, pair_links, link_dirty,
                                        dirty_links, n_dirty)
                        changed = True
                if task_occupy[g]:
                    _free_pe(task_node[g], now, task_dur, pe_busy, q_head, q_tail, q_next,
                             start, ht, hs, hk, hi, state)
            else:
                _arrive(ident, now, arrive, msg_tmpl, msg_toff, m_cons_ptr, m_cons, deps,
                        task_occupy, task_node, task_dur, pe_busy, q_head, q_tail, q_next,
                        start, ht, hs, hk, hi, state)
        if changed:
            stats[1] += 1
            stats[3] = max(stats[3], n_active)
            # the flows connected to a changed link: only their rates can change
            stamp += 1
            n_queue, qhead, n_comp = 0, 0, 0
            for d in range(n_dirty):
                link = dirty_links[d]
                link_dirty[link] = False
                if lcount[link] > 0 and link_seen[link] != stamp:
                    link_seen[link] = stamp
                    queue[n_queue] = link
                    n_queue += 1
            n_dirty = 0
            while qhead < n_queue:
                link = queue[qhead]
                qhead += 1
                e = head[link]
                while e >= 0:
                    src = entry_flow[e]
                    e = nxt[e]
                    if flow_seen[src] == stamp:
                        continue
                    flow_seen[src] = stamp
                    comp[n_comp] = src
                    n_comp += 1
                    p = f_pair[src]
                    for r in range(pair_ptr[p], pair_ptr[p + 1]):
                        other = pair_links[r]
                        if link_seen[other] != stamp:
                            link_seen[other] = stamp
                            queue[n_queue] = other
                            n_queue += 1
            for i in range(n_comp):
                src = comp[i]
                _settle(route_win, width, f_pair[src], f_t0[src], now, f_rate[src])
                f_rem[src] = max(f_rem[src] - f_rate[src] * (now - f_t0[src]), 0.0)
                f_t0[src] = now
            stats[2] += n_comp
            _max_min(comp, n_comp, f_pair, pair_ptr, pair_links, capacity, f_rate, count,
                     remaining, slot2, group_of, scratch)
            for i in range(n_comp):
                src = comp[i]
                f_done[src] = now + f_rem[src] / f_rate[src] if f_rate[src] > 0 else np.inf
                f_ver[src] += 1
                if f_size + 1 >= f_key.size:  # drop stale entries: keep one per flow
                    f_size = 0
                    for j in range(n_active):
                        other = active[j]
                        if f_done[other] < np.inf and other != src:
                            f_size = _lpush(f_key, f_ident, f_version, f_size, other,
                                            f_done[other], f_ver[other])
                if f_done[src] < np.inf:
                    f_size = _lpush(f_key, f_ident, f_version, f_size, src, f_done[src],
                                    f_ver[src])
            while f_size > 0 and (f_version[0] != f_ver[f_ident[0]] or f_msg[f_ident[0]] < 0):
                f_size = _lpop(f_key, f_ident, f_version, f_size)
            t_flow = f_key[0] if f_size > 0 else np.inf
    _link_windows(route_win, pair_ptr, pair_links, win, num_links)
    return start, finish, emit, begin, sent, arrive, width, stats


@njit(cache=True)
def _make_ready(g, now, task_occupy, task_node, task_dur, pe_busy, q_head, q_tail, q_next,
                start, ht, hs, hk, hi, state):
    """A task whose inputs have all arrived: start it, or queue it behind its PE's work."""
    if not task_occupy[g]:
        start[g] = now
        _push(ht, hs, hk, hi, state, now + task_dur[g], FINISH, g)
        return
    pe = task_node[g]
    if not pe_busy[pe]:
        pe_busy[pe] = True
        start[g] = now
        _push(ht, hs, hk, hi, state, now + task_dur[g], FINISH, g)
        return
    if q_tail[pe] >= 0:
        q_next[q_tail[pe]] = g
    else:
        q_head[pe] = g
    q_tail[pe] = g


@njit(cache=True)
def _free_pe(pe, now, task_dur, pe_busy, q_head, q_tail, q_next, start, ht, hs, hk, hi,
             state):
    """A task on `pe` finished: start the next task queued there, or mark the PE idle."""
    nxt = q_head[pe]
    if nxt < 0:
        pe_busy[pe] = False
        return
    q_head[pe] = q_next[nxt]
    if q_head[pe] < 0:
        q_tail[pe] = -1
    start[nxt] = now
    _push(ht, hs, hk, hi, state, now + task_dur[nxt], FINISH, nxt)


@njit(cache=True)
def _arrive(m, now, arrive, msg_tmpl, msg_toff, m_cons_ptr, m_cons, deps, task_occupy,
            task_node, task_dur, pe_busy, q_head, q_tail, q_next, start, ht, hs, hk, hi, state):
    """Message `m` arrived: each consumer task whose inputs are now all in becomes ready."""
    arrive[m] = now
    tm, off = msg_tmpl[m], msg_toff[m]
    for c in range(m_cons_ptr[tm], m_cons_ptr[tm + 1]):
        g = m_cons[c] + off
        deps[g] -= 1
        if deps[g] == 0:
            _make_ready(g, now, task_occupy, task_node, task_dur, pe_busy, q_head, q_tail,
                        q_next, start, ht, hs, hk, hi, state)
