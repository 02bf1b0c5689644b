"""Helpers shared by the network-on-interposer builders: edge lists, lengths, checks."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from pimnoc.errors import ConfigError, TopologyError


def require_size(name: str, rows: int, cols: int, min_rows: int = 1, min_cols: int = 1) -> None:
    """Raise ConfigError if the chiplet grid is smaller than the topology needs."""
    if rows < min_rows or cols < min_cols:
        raise ConfigError(
            f"design.chiplets: the '{name}' NoI needs at least {min_rows}x{min_cols} chiplets, "
            f"got {rows}x{cols}; use a larger grid or design.noi.topology: mesh"
        )


def unique_edges(edges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Edges without self-loops or duplicates (either orientation), first occurrence kept."""
    seen: set[tuple[int, int]] = set()
    out = []
    for a, b in edges:
        key = (min(a, b), max(a, b))
        if a != b and key not in seen:
            seen.add(key)
            out.append((int(a), int(b)))
    return tuple(out)


def is_connected(n: int, edges: Iterable[tuple[int, int]]) -> bool:
    """Whether the undirected graph on n nodes is connected."""
    from scipy.sparse import coo_matrix  # scipy.sparse costs 0.5 s of start-up
    from scipy.sparse.csgraph import connected_components

    pairs = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(adj, directed=False)[0] == 1


def require_connected(name: str, n: int, edges: Iterable[tuple[int, int]]) -> None:
    """Raise TopologyError if a builder produced a disconnected NoI."""
    if not is_connected(n, edges):
        raise TopologyError(
            f"design.noi.topology: '{name}' is disconnected on this chiplet grid; "
            "choose another size or topology"
        )


def straight_lengths(edges: Iterable[tuple[int, int]], cols: int,
                     xy: np.ndarray | None = None) -> tuple[float, ...]:
    """Straight-line (Euclidean) length of each edge in chiplet pitches.

    `xy[c]` gives chiplet c's position in pitches (default: its grid column and row).
    """
    pairs = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    if xy is None:
        ids = np.arange(int(pairs.max(initial=0)) + 1)
        xy = np.column_stack([ids % cols, ids // cols]).astype(float)
    span = xy[pairs[:, 1]] - xy[pairs[:, 0]]
    return tuple(float(v) for v in np.round(np.hypot(span[:, 0], span[:, 1]), 9))


def degrees(n: int, edges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Number of links at each chiplet router."""
    pairs = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    return np.bincount(pairs.ravel(), minlength=n)
