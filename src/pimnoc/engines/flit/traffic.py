"""Traffic for the flit simulator: synthetic patterns and workload flows as per-source rates.

A `TrafficTable` gives each router its packet injection rate (Bernoulli, packets/cycle) and
its destination distribution in CSR form (cumulative weights), or marks the traffic uniform
(every terminal equally likely, itself included, as in BookSim). Patterns act on terminal
indices 0..T-1 (the topology's compute nodes in node order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pimnoc.errors import SimulationError
from pimnoc.hardware.topology import Topology
from pimnoc.numeric import weighted_bincount
from pimnoc.registry import Registry


@dataclass(frozen=True, eq=False)
class TrafficTable:
    """Per-router injection rates and destination CDFs (CSR over routers)."""

    term_ids: np.ndarray
    rate: np.ndarray
    uniform: bool
    ptr: np.ndarray
    dst: np.ndarray
    cum: np.ndarray
    flow: np.ndarray
    offered_flit_rate: float
    notes: tuple[str, ...] = ()


def terminals(topo: Topology) -> np.ndarray:
    """Router ids that have a terminal (a PE), in node order."""
    return np.asarray(topo.compute_nodes, dtype=np.int64)


PatternFn = Callable[..., np.ndarray]
PATTERNS: Registry[PatternFn] = Registry("traffic pattern", "traffic (--traffic)")


@PATTERNS.register("transpose")
def transpose(topo: Topology, n: int, **_) -> np.ndarray:
    """Terminal y*m+x sends to x*m+y (needs a square number m*m of terminals)."""
    m = int(round(np.sqrt(n)))
    if m * m != n:
        raise SimulationError(
            f"traffic (--traffic) transpose needs a square number of terminals, got {n}; "
            "use a k x k network or another pattern"
        )
    t = np.arange(n)
    return _one_hot(n, (t % m) * m + t // m)


@PATTERNS.register("bitcomp")
def bit_complement(topo: Topology, n: int, **_) -> np.ndarray:
    """Terminal t sends to n-1-t (BookSim's bit complement when n is a power of two)."""
    return _one_hot(n, n - 1 - np.arange(n))


@PATTERNS.register("hotspot")
def hotspot(topo: Topology, n: int, hotspots=None, hotspot_fraction: float = 1.0,
            **_) -> np.ndarray:
    """A fraction of packets to the hotspot terminals (equally), the rest uniform.

    With the default fraction 1.0 every packet goes to a hotspot, as in BookSim.
    """
    spots = np.asarray([n // 2] if hotspots is None or len(hotspots) == 0 else hotspots,
                       dtype=np.int64)
    if np.any((spots < 0) | (spots >= n)):
        raise SimulationError(
            f"hotspots (--hotspots) must be terminal indices in 0..{n - 1}, got "
            f"{spots.tolist()}"
        )
    if not 0.0 <= hotspot_fraction <= 1.0:
        raise SimulationError("hotspot_fraction (--hotspot-fraction) must be within [0, 1]")
    weights = np.full((n, n), (1.0 - hotspot_fraction) / n)
    np.add.at(weights, (slice(None), spots), hotspot_fraction / spots.size)
    return weights


@PATTERNS.register("neighbor")
def neighbor(topo: Topology, n: int, **_) -> np.ndarray:
    """On one grid: (x, y) sends to (x+1, y+1) mod size as in BookSim; else to adjacent nodes."""
    term = terminals(topo)
    groups = np.unique(topo.node_group[term])
    if groups.size == 1:
        dims = topo.group_dims[groups[0]]
        coord = topo.node_coord[term]
        size = int(np.prod(dims))
        if size == n and np.unique(coord, axis=0).shape[0] == n:
            target = np.mod(coord + (dims > 1), dims)
            index = {tuple(c): i for i, c in enumerate(coord.tolist())}
            dst = np.array([index[tuple(c)] for c in target.tolist()])
            return _one_hot(n, dst)
    pos = -np.ones(topo.num_nodes, dtype=np.int64)
    pos[term] = np.arange(n)
    weights = np.zeros((n, n))
    a, b = pos[topo.link_src], pos[topo.link_dst]
    ok = (a >= 0) & (b >= 0)
    weights[a[ok], b[ok]] = 1.0
    lonely = weights.sum(axis=1) == 0
    weights[lonely, np.flatnonzero(lonely)] = 1.0
    return weights


@PATTERNS.register("matrix")
def matrix_pattern(topo: Topology, n: int, matrix=None, **_) -> np.ndarray:
    """Destination weights given as an n x n matrix (rows need not be normalised)."""
    if matrix is None:
        raise SimulationError("traffic 'matrix' needs a matrix (--matrix FILE.json)")
    weights = np.asarray(matrix, dtype=float)
    if weights.shape != (n, n) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise SimulationError(
            f"traffic matrix must be a {n} x {n} array of finite weights >= 0 (one row per "
            f"terminal), got shape {weights.shape}"
        )
    return weights


PATTERNS.register("uniform")(lambda topo, n, **_: None)


def _one_hot(n: int, dst: np.ndarray) -> np.ndarray:
    weights = np.zeros((n, n))
    weights[np.arange(n), dst] = 1.0
    return weights


def synthetic_traffic(topo: Topology, pattern: str, rate: float, packet_size: int,
                      **options) -> TrafficTable:
    """Every terminal injects `rate` packets/cycle with destinations from `pattern`."""
    if not (0.0 < rate <= 1.0):
        raise SimulationError(
            f"rate (--rate) must be in (0, 1] packets/node/cycle, got {rate}"
        )
    term = terminals(topo)
    n = term.size
    if n == 0:
        raise SimulationError(f"topology '{topo.name}' has no terminals (PE nodes)")
    weights = PATTERNS.get(pattern)(topo, n, **options)
    rates = np.zeros(topo.num_nodes)
    rates[term] = rate
    if weights is None:
        return TrafficTable(term, rates, True, np.zeros(topo.num_nodes + 1, dtype=np.int64),
                            np.zeros(1, dtype=np.int64), np.zeros(1), np.full(1, -1),
                            rate * packet_size)
    silent = weights.sum(axis=1) <= 0
    rates[term[silent]] = 0.0
    src_t, dst_t = np.nonzero(weights)
    return _csr(topo, term, rates, term[src_t], term[dst_t], weights[src_t, dst_t],
                np.full(src_t.size, -1), rate * packet_size * (~silent).mean())


def flow_traffic(topo: Topology, src: np.ndarray, dst: np.ndarray, bits: np.ndarray,
                 interval_cycles: float, flit_bits: float, packet_size: int) -> TrafficTable:
    """Each flow injects bits / (flit_bits * packet_size * interval) packets per cycle."""
    src = np.asarray(src, dtype=np.int64).ravel()
    dst = np.asarray(dst, dtype=np.int64).ravel()
    bits = np.asarray(bits, dtype=float).ravel()
    if not (src.size == dst.size == bits.size):
        raise SimulationError(
            f"flows: src, dst and bits must have equal lengths, got {src.size}, {dst.size}, "
            f"{bits.size}"
        )
    if not interval_cycles > 0 or not flit_bits > 0:
        raise SimulationError("flows: interval_cycles and flit_bits must be > 0")
    if np.any(~np.isfinite(bits)) or np.any(bits < 0):
        raise SimulationError("flows: bits per inference must be finite and >= 0")
    n_nodes = topo.num_nodes
    if src.size and (src.min() < 0 or dst.min() < 0 or max(src.max(), dst.max()) >= n_nodes):
        raise SimulationError(f"flows: node ids must be within 0..{n_nodes - 1}")
    term = terminals(topo)
    is_term = np.zeros(n_nodes, dtype=bool)
    is_term[term] = True
    bad = ~(is_term[src] & is_term[dst])
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise SimulationError(
            f"flows: flow {k} ({src[k]} -> {dst[k]}) touches a node without a terminal "
            "(an interposer router); flows must run between PE nodes"
        )
    pkt_rate = bits / (flit_bits * packet_size * interval_cycles)
    keep = (src != dst) & (pkt_rate > 0)
    index = np.flatnonzero(keep)
    rates = weighted_bincount(src[keep], weights=pkt_rate[keep], minlength=n_nodes)
    notes: list[str] = []
    if np.any(rates > 1.0):
        worst = int(np.argmax(rates))
        notes.append(
            f"source {worst} needs {rates[worst]:.3g} packets/cycle; sources are capped at 1 "
            "packet/cycle, so the design is injection-bound (saturated)"
        )
        rates = np.minimum(rates, 1.0)
    offered = float(np.minimum(rates * packet_size, 1.0).sum() / max(term.size, 1))
    return _csr(topo, term, rates, src[keep], dst[keep], pkt_rate[keep], index, offered,
                tuple(notes))


def _csr(topo: Topology, term: np.ndarray, rates: np.ndarray, src: np.ndarray,
         dst: np.ndarray, weight: np.ndarray, flow: np.ndarray, offered: float,
         notes: tuple[str, ...] = ()) -> TrafficTable:
    order = np.lexsort((dst, src))
    src, dst, weight, flow = src[order], dst[order], weight[order], flow[order]
    counts = np.bincount(src, minlength=topo.num_nodes)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    cum = np.zeros(weight.size)
    for r in np.flatnonzero(counts):
        lo, hi = ptr[r], ptr[r + 1]
        cum[lo:hi] = np.cumsum(weight[lo:hi])
    rates = np.where(counts > 0, rates, 0.0)
    if dst.size == 0:
        dst, cum, flow = np.zeros(1, dtype=np.int64), np.zeros(1), np.full(1, -1)
    return TrafficTable(term, rates, False, ptr, dst.astype(np.int64), cum,
                        flow.astype(np.int64), offered, notes)
