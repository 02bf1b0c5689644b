"""SWAP-style small-world NoI: mostly short links plus a few long ones, placed by annealing."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.hardware.sfc import hilbert_order
from pimnoc.hardware.topologies._common import (
    require_connected,
    require_size,
    straight_lengths,
    unique_edges,
)
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph

TRAFFIC_ESTIMATES = ("uniform", "pipeline")


def traffic_estimate(rows: int, cols: int, kind: str) -> np.ndarray:
    """Relative traffic between chiplets: uniform, or a layer pipeline along a Hilbert curve.

    `pipeline` models CNN layers laid on consecutive chiplets of a Hilbert curve (most data
    goes to the next chiplet, some skips one, all chiplets also exchange a little).
    """
    n = rows * cols
    weight = np.ones((n, n)) - np.eye(n)
    if kind == "uniform":
        return weight
    if kind == "pipeline":
        order = hilbert_order(rows, cols)
        for step, share in ((1, 4.0 * n), (2, 1.0 * n)):
            weight[order[:-step], order[step:]] += share
            weight[order[step:], order[:-step]] += share
        return weight
    raise ConfigError(
        f"design.noi.traffic: unknown '{kind}'; choose one of: {', '.join(TRAFFIC_ESTIMATES)}"
    )


def _hops_dense(adj: np.ndarray) -> np.ndarray:
    """All-pairs hop counts by breadth-first matrix products (fast for small dense graphs)."""
    n = adj.shape[0]
    hops = np.full((n, n), np.inf)
    reached = np.eye(n, dtype=np.float32)
    hops[reached > 0] = 0
    for step in range(1, n):
        grown = (reached + reached @ adj) > 0
        new = grown & ~(reached > 0)
        if not new.any():
            break
        hops[new] = step
        reached = grown.astype(np.float32)
    return hops


@lru_cache(maxsize=64)
def small_world_edges(rows: int, cols: int, links: int, max_degree: int, alpha: float,
                      wire_factor: float, iterations: int, seed: int,
                      traffic: str) -> tuple[tuple[int, int], ...]:
    """Anneal a small-world link set; returns the best edges found (deterministic per seed).

    Start: the mesh (links kept along a Hilbert curve first when the budget is smaller,
    power-law extras when larger). Move: drop a random link whose routers keep two or more
    links, and add one drawn with probability ~ length^-alpha among pairs with free ports,
    within the wire budget (wire_factor x the mesh's total length). Cost: traffic-weighted
    mean hop count.
    """
    n = rows * cols
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    xy = np.column_stack([ids % cols, ids // cols]).astype(float)
    length = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    iu, ju = np.triu_indices(n, 1)
    pair_len = length[iu, ju]
    pair_weight = pair_len ** -alpha
    weight = traffic_estimate(rows, cols, traffic)
    weight = weight / weight.sum()
    mesh = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)] + \
           [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    wire_budget = wire_factor * len(mesh)

    def pair_index(a: int, b: int) -> int:
        a, b = min(a, b), max(a, b)
        return a * n - a * (a + 1) // 2 + (b - a - 1)

    present = np.zeros(len(iu), dtype=bool)
    degree = np.zeros(n, dtype=np.int64)

    def add(p: int) -> None:
        present[p] = True
        degree[iu[p]] += 1
        degree[ju[p]] += 1

    def remove(p: int) -> None:
        present[p] = False
        degree[iu[p]] -= 1
        degree[ju[p]] -= 1

    # Initial link set.
    order = hilbert_order(rows, cols)
    spine = {pair_index(a, b) for a, b in zip(order[:-1], order[1:], strict=True)}
    mesh_idx = [pair_index(a, b) for a, b in mesh]
    keep = [p for p in mesh_idx if p in spine] + \
        [mesh_idx[i] for i in rng.permutation(len(mesh_idx)) if mesh_idx[i] not in spine]
    for p in keep[:links]:
        add(p)

    def draw() -> int | None:
        free = ~present & (degree[iu] < max_degree) & (degree[ju] < max_degree)
        if not free.any():
            return None
        prob = np.where(free, pair_weight, 0.0)
        return int(rng.choice(len(prob), p=prob / prob.sum()))

    while present.sum() < links:
        p = draw()
        if p is None:
            break
        add(p)

    adj = np.zeros((n, n), dtype=np.float32)

    def cost() -> float:
        adj[:] = 0
        adj[iu[present], ju[present]] = 1
        adj[ju[present], iu[present]] = 1
        hops = _hops_dense(adj)
        return float((weight * hops).sum()) if np.all(np.isfinite(hops)) else np.inf

    current = cost()
    best, best_set = current, present.copy()
    temp0, temp1 = 2e-3 * current, 2e-5 * current
    for step in range(iterations):
        temp = temp0 * (temp1 / temp0) ** (step / max(1, iterations - 1))
        removable = np.flatnonzero(present & (degree[iu] > 2) & (degree[ju] > 2))
        if removable.size == 0:
            break
        out = int(rng.choice(removable))
        remove(out)
        new = draw()
        if new is None or (pair_len[present].sum() + pair_len[new] > wire_budget + 1e-9):
            add(out)
            continue
        add(new)
        candidate = cost()
        if candidate <= current or rng.random() < np.exp((current - candidate) / temp):
            current = candidate
            if current < best - 1e-12:
                best, best_set = current, present.copy()
        else:
            remove(new)
            add(out)
    chosen = np.flatnonzero(best_set)
    chosen = chosen[np.lexsort((ju[chosen], iu[chosen]))]
    return tuple((int(iu[p]), int(ju[p])) for p in chosen)


@NOI_TOPOLOGIES.register("swap")
def swap_noi(rows: int, cols: int, links: int | None = None, max_degree: int = 6,
             alpha: float = 1.8, wire_factor: float = 1.25, iterations: int | None = None,
             seed: int = 0, traffic: str = "pipeline") -> NoiGraph:
    """SWAP small-world NoI: `links` links (default: as many as a mesh), mostly short.

    Sharma, Mandal, Doppa, Ogras, Pande, "SWAP: A Server-Scale Communication-Aware
    Chiplet-Based Manycore PIM Accelerator", IEEE TCAD 2022. As in that work's small-world
    network-on-package, long links are rare (drawn with probability ~ length^-alpha, the
    power law of small-world NoCs) and their placement is optimised for the traffic by
    simulated annealing, here under a port limit (`max_degree`) and a wire budget
    (`wire_factor` times the mesh's wire). `traffic` is the estimate optimised for
    (`pipeline`: CNN layers along a Hilbert curve, or `uniform`). Deterministic for a seed.
    """
    require_size("swap", rows, cols, 2, 2)
    n = rows * cols
    mesh_links = 2 * n - rows - cols
    links = mesh_links if links is None else links
    if not isinstance(links, int) or links < n - 1 or links > n * max_degree // 2:
        raise ConfigError(
            f"design.noi.links: {links!r} links cannot join {n} chiplets with at most "
            f"{max_degree} ports each; choose {n - 1}..{n * max_degree // 2} "
            f"(a mesh has {mesh_links})"
        )
    if max_degree < 2 or alpha <= 0 or wire_factor < 1.0:
        raise ConfigError("design.noi: swap needs max_degree >= 2, alpha > 0, wire_factor >= 1")
    iterations = 20 * n if iterations is None else iterations
    edges = unique_edges(small_world_edges(rows, cols, links, max_degree, float(alpha),
                                           float(wire_factor), iterations, seed, traffic))
    require_connected("swap", n, edges)
    return NoiGraph("swap", rows, cols, edges, routing="escape",
                    params={"links": links, "max_degree": max_degree, "alpha": alpha,
                            "wire_factor": wire_factor, "iterations": iterations,
                            "seed": seed, "traffic": traffic},
                    lengths=straight_lengths(edges, cols))
