"""Numba kernels of the thermally aware SFC placement, apart so that importing the search
registry does not import numba."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def smooth_peak(theta: np.ndarray, p: float) -> float:
    """The p-norm soft maximum of temperatures, scaled by their peak."""
    top = 0.0
    for value in theta:
        top = max(top, value)
    if top <= 0.0:
        return 0.0
    total = 0.0
    for value in theta:
        total += (value / top) ** p
    return top * total ** (1.0 / p)


@njit(cache=True)
def anneal_moves(perm, traffic, hops, influence, power, pairs, uniform, t0, cooling, a_c,
                  a_t, comm, therm, theta, p):  # pragma: no cover - compiled
    """The annealing loop (numba): pairwise swaps accepted by the Metropolis rule."""
    n = perm.size
    temp = t0
    best = perm.copy()
    best_j = a_c * comm + a_t * therm
    new_theta = np.empty_like(theta)
    for step in range(pairs.shape[0]):
        a, b = pairs[step, 0], pairs[step, 1]
        temp *= cooling
        if a == b:
            continue
        if power[a] == power[b]:
            idle = True
            for k in range(n):
                if traffic[a, k] != 0.0 or traffic[b, k] != 0.0:
                    idle = False
                    break
            if idle:
                continue
        na, nb = perm[a], perm[b]
        d_comm = 0.0
        for k in range(n):
            if k == a or k == b:
                continue
            nk = perm[k]
            d_comm += traffic[a, k] * (hops[nb, nk] - hops[na, nk])
            d_comm += traffic[b, k] * (hops[na, nk] - hops[nb, nk])
        d_therm = 0.0
        if a_t != 0.0:
            shift = power[b] - power[a]
            for k in range(theta.size):
                new_theta[k] = theta[k] + (influence[k, na] - influence[k, nb]) * shift
            d_therm = smooth_peak(new_theta, p) - therm
        d_j = a_c * d_comm + a_t * d_therm
        if d_j <= 0.0 or uniform[step] < np.exp(-d_j / temp):
            perm[a], perm[b] = nb, na
            comm += d_comm
            therm += d_therm
            if a_t != 0.0:
                theta[:] = new_theta
            j = a_c * comm + a_t * therm
            if j < best_j - 1e-12:
                best_j = j
                best[:] = perm
    return best
