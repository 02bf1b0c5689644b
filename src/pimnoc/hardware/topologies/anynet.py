"""Any network given as a list of router links (BookSim's `anynet`), one terminal per router."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.hardware.topology import ONCHIP, PE, LinkList, Topology


def anynet_topology(edges: Sequence[Sequence[int]], num_nodes: int | None = None,
                    name: str = "anynet", link_latency: int = 1) -> Topology:
    """Routers 0..n-1 joined by the bidirectional `edges` [a, b]; unit-length on-chip links.

    Every router has a terminal (router id = terminal id); node coordinates are unused.
    """
    pairs = _check_edges(edges)
    n = int(pairs.max()) + 1 if num_nodes is None else int(num_nodes)
    if pairs.size and pairs.max() >= n:
        raise ConfigError(f"--edges: router id {pairs.max()} >= number of routers {n}")
    if n < 1:
        raise ConfigError("--edges: the network needs at least one router")
    links = LinkList()
    for a, b in pairs.tolist():
        links.add(a, b, ONCHIP, 1.0, int(link_latency))
    ids = np.arange(n)
    return Topology(
        name=name,
        node_xy_mm=np.column_stack([ids.astype(float), np.zeros(n)]),
        node_tier=np.zeros(n, dtype=np.int64),
        node_chiplet=np.zeros(n, dtype=np.int64),
        node_kind=np.full(n, PE, dtype=np.int64),
        node_coord=np.zeros((n, 3), dtype=np.int64),
        node_group=np.zeros(n, dtype=np.int64),
        group_dims=np.array([[1, 1, 1]]),
        group_wraps=np.array([[False, False, False]]),
        routing="min",
        meta={"integration": "2d", "anynet": True},
        **links.arrays(),
    )


def _check_edges(edges) -> np.ndarray:
    try:
        pairs = np.asarray(edges, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            "--edges: expected a JSON list of [a, b] router pairs, e.g. [[0, 1], [1, 2]]"
        ) from exc
    if pairs.size == 0:
        raise ConfigError("--edges: the list of router links is empty; give [[a, b], ...]")
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ConfigError(
            f"--edges: each link must be a pair [a, b] of router ids, got shape {pairs.shape}"
        )
    if not np.all(np.isfinite(pairs)) or np.any(pairs != np.round(pairs)) or pairs.min() < 0:
        raise ConfigError("--edges: router ids must be integers >= 0")
    pairs = pairs.astype(np.int64)
    if np.any(pairs[:, 0] == pairs[:, 1]):
        k = int(np.flatnonzero(pairs[:, 0] == pairs[:, 1])[0])
        raise ConfigError(f"--edges: link {k} joins router {pairs[k, 0]} to itself; remove it")
    key = np.sort(pairs, axis=1)
    _, first, counts = np.unique(key, axis=0, return_index=True, return_counts=True)
    if np.any(counts > 1):
        dup = key[first[np.argmax(counts > 1)]]
        raise ConfigError(f"--edges: link {dup.tolist()} is listed twice; list each link once")
    return pairs


def load_edges(path: str | Path) -> list[list[int]]:
    """Read a JSON list of [a, b] router links, raising ConfigError naming --edges."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"--edges: file '{path}' not found") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"--edges: cannot read '{path}' as JSON ({exc})") from exc
    if not isinstance(data, list):
        raise ConfigError(f"--edges: '{path}' must hold a JSON list of [a, b] pairs")
    return data
