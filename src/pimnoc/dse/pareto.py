"""Pareto fronts: the non-dominated points of a set under min/max objectives."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_minimised(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Values with every `max` objective negated, so that all are minimised."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(directions):
        raise ValueError("values must be (points, objectives) with one direction per objective")
    signs = np.array([1.0 if d == "min" else -1.0 for d in directions])
    if any(d not in ("min", "max") for d in directions):
        raise ValueError("each direction must be 'min' or 'max'")
    return values * signs


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """True if `a` is no worse than `b` everywhere and better somewhere (minimising)."""
    return bool(np.all(a <= b) and np.any(a < b))


def pareto_mask(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Boolean mask of the non-dominated rows (equal rows are all kept).

    Points are visited in lexicographic order, so no later point can dominate an earlier
    one; each is compared, vectorised, with the front found so far (Kung et al. 1975 idea).
    """
    costs = as_minimised(values, directions)
    n = costs.shape[0]
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    order = np.lexsort(costs.T[::-1])
    front: list[int] = []
    for i in order:
        if front:
            kept = costs[front]
            if np.any(np.all(kept <= costs[i], axis=1) & np.any(kept < costs[i], axis=1)):
                continue
        front.append(int(i))
    mask[front] = True
    return mask


def pareto_indices(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Indices of the non-dominated rows, sorted by the first objective (then the others)."""
    mask = pareto_mask(values, directions)
    idx = np.flatnonzero(mask)
    costs = as_minimised(values, directions)[idx]
    return idx[np.lexsort(costs.T[::-1])] if idx.size else idx
