"""The compiled kernels of `dse.anneal`: the swap delta and the annealing loop (numba)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _swap_delta(w: np.ndarray, c: np.ndarray, p: np.ndarray, i: int, j: int) -> float:
    pi, pj = p[i], p[j]
    delta = 0.0
    for k in range(p.size):
        if k == i or k == j:
            continue
        pk = p[k]
        delta += w[i, k] * (c[pj, pk] - c[pi, pk]) + w[k, i] * (c[pk, pj] - c[pk, pi])
        delta += w[j, k] * (c[pi, pk] - c[pj, pk]) + w[k, j] * (c[pk, pi] - c[pk, pj])
    delta += w[i, j] * (c[pj, pi] - c[pi, pj]) + w[j, i] * (c[pi, pj] - c[pj, pi])
    return delta


@njit(cache=True)
def anneal_swaps(w: np.ndarray, c: np.ndarray, p: np.ndarray, active: np.ndarray, steps: int,
            seed: int) -> tuple[np.ndarray, float]:
    """Anneal the permutation `p` in place; return the best permutation and its cost delta."""
    np.random.seed(seed)
    n = p.size
    probes = min(200, 10 * n)
    scale = 0.0
    count = 0
    for _ in range(probes):
        i = active[np.random.randint(active.size)]
        j = np.random.randint(n)
        if i != j:
            d = abs(_swap_delta(w, c, p, i, j))
            if d > 0:
                scale += d
                count += 1
    t0 = scale / count if count else 1.0
    t_end = t0 * 1e-4
    ratio = (t_end / t0) ** (1.0 / max(steps, 1))
    temperature = t0
    current = 0.0
    best = 0.0
    best_p = p.copy()
    for _ in range(steps):
        i = active[np.random.randint(active.size)]
        j = np.random.randint(n)
        if i != j:
            d = _swap_delta(w, c, p, i, j)
            if d <= 0 or np.random.random() < np.exp(-d / temperature):
                p[i], p[j] = p[j], p[i]
                current += d
                if current < best - 1e-9 * abs(best):
                    best = current
                    best_p[:] = p
        temperature *= ratio
    return best_p, best
