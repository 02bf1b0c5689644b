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
