"""Small numpy helpers whose plain numpy form has an edge case."""

from __future__ import annotations

import numpy as np


def weighted_bincount(index: np.ndarray, weights: np.ndarray, minlength: int = 0) -> np.ndarray:
    """`np.bincount` with weights that is float64 even when `index` is empty (numpy gives int64)."""
    return np.bincount(index, weights=weights, minlength=minlength).astype(np.float64, copy=False)


def _packed_sort(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(sorted values, stable sorting permutation) of non-negative integers by sorting each
    value with its position packed into one int64 (numpy's sort is several times faster than
    its argsort), or None where they do not fit in 63 bits."""
    n = values.size
    if n == 0 or values.dtype.kind not in "iu":
        return None
    if int(values.min()) < 0:
        return None
    shift = max(1, (n - 1).bit_length())
    if int(values.max()) >= 2 ** (63 - shift):
        return None
    packed = values.astype(np.int64) << shift
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    order = packed & ((1 << shift) - 1)
    packed >>= shift
    return packed, order


def argsort_stable(values: np.ndarray) -> np.ndarray:
    """`np.argsort(values, kind="stable")` (the same permutation), faster for integers."""
    done = _packed_sort(np.asarray(values))
    return np.argsort(values, kind="stable") if done is None else done[1]


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` (the same arrays), faster for integers."""
    values = np.asarray(values)
    done = _packed_sort(values.ravel())
    if done is None:
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.ravel()
    ordered, order = done
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(ordered.size, dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first].astype(values.dtype, copy=False), inverse


PAIRS_PER_CHUNK = 1 << 24
"""Most entries whose weights are gathered at once by `gathered_bincount` (bounds the memory
of big designs' per-hop sums; the sums do not depend on it)."""


def gathered_bincount(index: np.ndarray, table: np.ndarray, at: np.ndarray,
                      minlength: int = 0) -> np.ndarray:
    """`weighted_bincount(index, weights=table[at], minlength)` with the weights gathered a
    chunk at a time: the same sums (np.add.at adds each weight in turn, as bincount does)."""
    if index.size <= PAIRS_PER_CHUNK:
        return weighted_bincount(index, weights=table[at], minlength=minlength)
    out = np.zeros(max(minlength, int(index.max()) + 1))
    for start in range(0, index.size, PAIRS_PER_CHUNK):
        part = slice(start, start + PAIRS_PER_CHUNK)
        np.add.at(out, index[part], table[at[part]])
    return out


def runs_gathered_bincount(index: np.ndarray, table: np.ndarray, at: np.ndarray,
                           run_start: np.ndarray, minlength: int = 0) -> np.ndarray:
    """`gathered_bincount` where each run `index[run_start[k]:run_start[k + 1]]` (the last to
    the end) holds distinct indices: the runs added one after the other (`out[run] +=
    table[at[run]]`, each weight in turn onto its bin, as bincount adds them), with no
    temporaries the size of `index` and no `np.add.at`."""
    out = np.zeros(max(minlength, int(index.max()) + 1 if index.size else 0))
    edges = [*np.asarray(run_start, dtype=np.int64).tolist(), index.size]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi > lo:
            out[index[lo:hi]] += table[at[lo:hi]]
    return out


def chain_roots(parent: np.ndarray) -> np.ndarray:
    """The root of each entry's chain `i -> parent[i] -> ...` (a root is its own parent),
    by pointer jumping: every chain halves each step."""
    root = parent
    while True:
        up = root[root]
        if np.array_equal(up, root):
            return root
        root = up
