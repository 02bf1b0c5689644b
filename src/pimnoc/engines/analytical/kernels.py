"""Compiled kernels of the analytical engine for big designs (numba, imported by the first
design big enough to use them): the same IEEE operations, in the same order, as the numpy
forms in engines/analytical/network.py, which smaller designs use (no numba import)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def charge_edges(inverse: np.ndarray, flow: np.ndarray, channel: np.ndarray, bits: np.ndarray,
                 channel_load: np.ndarray, channel_bps: np.ndarray, bandwidth: float,
                 intervals: np.ndarray, transfers: np.ndarray, order: np.ndarray) -> None:
    """Charge each edge the time of its bits on each channel; keep the worst (in place).

    Entry j is `channel[j]` carrying flow `flow[j]` (flow j if `flow` is empty) of edge
    `inverse[flow]`, with `bits[flow]`. An edge's bits on a channel are added in entry order
    from 0.0, as `np.bincount` adds them; then `shared_transfer_s` at each interval
    (`intervals[i] == 0`: none, `bits / bps`) and `transfers[i, edge]` keeps the maximum.
    `channel_bps` empty: every channel has `bandwidth`. `order` (as many as the entries) is
    scratch.
    """
    n = channel.size
    n_edges = transfers.shape[1]
    has_flow = flow.size > 0
    # the entries edge by edge, in entry order within an edge (a counting sort)
    ptr = np.zeros(n_edges + 1, dtype=np.int64)
    for j in range(n):
        f = flow[j] if has_flow else j
        ptr[inverse[f] + 1] += 1
    for e in range(n_edges):
        ptr[e + 1] += ptr[e]
    fill = ptr[:-1].copy()
    for j in range(n):
        f = flow[j] if has_flow else j
        e = inverse[f]
        order[fill[e]] = j
        fill[e] += 1
    sums = np.zeros(channel_load.size)
    seen = np.full(channel_load.size, -1, dtype=np.int64)
    touched = np.empty(channel_load.size, dtype=np.int64)
    n_int = intervals.size
    worst = np.empty(n_int)
    for e in range(n_edges):
        if ptr[e + 1] == ptr[e]:
            continue
        count = 0
        for k in range(ptr[e], ptr[e + 1]):
            j = order[k]
            c = channel[j]
            if seen[c] != e:
                seen[c] = e
                sums[c] = 0.0
                touched[count] = c
                count += 1
            sums[c] += bits[flow[j] if has_flow else j]
        for i in range(n_int):
            worst[i] = -np.inf
        for t in range(count):
            c = touched[t]
            per = sums[c]
            bps = channel_bps[c] if channel_bps.size else bandwidth
            load = channel_load[c]
            for i in range(n_int):
                interval = intervals[i]
                if interval != 0.0:  # shared_transfer_s, operation by operation
                    if per > 0:
                        free = bps * interval - load + per
                        if not free >= per:
                            free = per
                        if not free >= 1e-300:
                            free = 1e-300
                        time = per * interval / free
                    else:
                        time = 0.0
                else:
                    time = per / bps
                if time > worst[i]:
                    worst[i] = time
        for i in range(n_int):
            if worst[i] > transfers[i, e]:
                transfers[i, e] = worst[i]


@njit(cache=True)
def hierarchical_walk(src: np.ndarray, dst: np.ndarray, link_dst: np.ndarray, max_steps: int,
                      is_router: np.ndarray, chip: np.ndarray, pe_chip: np.ndarray,
                      ports: np.ndarray, port_of: np.ndarray, down: np.ndarray,
                      pe_links: np.ndarray, moves: np.ndarray, base: np.ndarray,
                      flat: np.ndarray, noi_ports: np.ndarray, noi_coord: np.ndarray,
                      noi_dims: np.ndarray, noi_wraps: np.ndarray, hops: np.ndarray,
                      write: bool, step_start: np.ndarray, previous: np.ndarray,
                      pair_flow: np.ndarray, pair_link: np.ndarray, pair_input: np.ndarray,
                      hop_cycles: np.ndarray, cycles: np.ndarray) -> bool:
    """Walk each flow's `hierarchical` route (routing.HierarchicalTables's hops), flow after
    flow; False if some flow meets no link (-1) or takes more than `max_steps` hops (the
    caller then walks in numpy, which says why).

    Without `write`: each flow's hops into `hops`. With `write` (the hops known): the pairs
    as `Routing.walk` yields them, step after step and each step's flows in flow order (flow
    f's k-th hop lands after the earlier flows' k-th hops, from `step_start[k]`): (flow, link,
    input: the flow's `previous` channel, then its link); `cycles[f]` is 0.0 plus its links'
    `hop_cycles` in hop order.
    """
    fill = step_start.copy()
    for f in range(src.size):
        here = src[f]
        to = dst[f]
        steps = 0
        before = previous[f] if write else 0
        total = 0.0
        while here != to:
            if steps >= max_steps:
                return False
            # the hop (written out here: numba runs it several times slower as a function)
            here_chip = chip[here]
            link = -1
            if not is_router[here]:
                target = to if here_chip == pe_chip[to] else ports[here_chip, port_of[to]]
                link = pe_links[7 * here + 1 + moves[base[here] + flat[target]]]
            else:
                to_chip = chip[to]
                if here_chip == to_chip:
                    if not is_router[to]:
                        link = down[here_chip, port_of[to]]
                else:
                    for d in range(noi_coord.shape[1]):
                        diff = noi_coord[to_chip, d] - noi_coord[here_chip, d]
                        if diff != 0:
                            minus = diff < 0
                            if noi_wraps[d]:
                                minus = (diff % noi_dims[d]) > noi_dims[d] / 2
                            link = noi_ports[here_chip, 2 * d + (1 if minus else 0)]
                            break
            if link < 0:
                return False
            if write:
                pos = fill[steps]
                fill[steps] = pos + 1
                pair_flow[pos] = f
                pair_link[pos] = link
                pair_input[pos] = before
                before = link
                total += hop_cycles[link]
            here = link_dst[link]
            steps += 1
        if write:
            cycles[f] = total
        else:
            hops[f] = steps
    return True


@njit(cache=True)
def step_link_loads(pair_flow: np.ndarray, pair_link: np.ndarray, step_start: np.ndarray,
                    bits: np.ndarray, load: np.ndarray) -> None:
    """Add each hop step's bits per link to `load` (in place): a step's sums from 0.0 in pair
    order, then added to `load` step after step, as a bincount per step would."""
    step_sum = np.zeros(load.size)
    seen = np.full(load.size, -1, dtype=np.int64)
    touched = np.empty(load.size, dtype=np.int64)
    steps = step_start.size
    for step in range(steps):
        end = step_start[step + 1] if step + 1 < steps else pair_flow.size
        count = 0
        for pos in range(step_start[step], end):
            link = pair_link[pos]
            if seen[link] != step:
                seen[link] = step
                step_sum[link] = 0.0
                touched[count] = link
                count += 1
            step_sum[link] += bits[pair_flow[pos]]
        for t in range(count):
            link = touched[t]
            load[link] += step_sum[link]
