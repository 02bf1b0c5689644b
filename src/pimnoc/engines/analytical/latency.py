"""Latency of one inference through the layer DAG: layer by layer, overlapping, or fitted.

Layer by layer (`simulation.layer_overlap: false`): a layer starts when all its inputs
have arrived. With overlap (`true`, the inter-layer pipelining of ISAAC-style PIM
accelerators): a layer starts as soon as the first rows it needs have been produced and
have crossed the network, and it ends no earlier than one of its steps after its last input
arrives. A stream from u to v lasts at least as long as u's compute and as the edge's
transfer, whichever is longer.

Fitted (`fitted`, the default): each layer finishes `SERIAL_SHARE` of the way from its
overlapped to its layer-by-layer finish, with every transfer taken on channels carrying
this inference alone. Measured error against the event engine (`simulation.engine: event`,
rows, flow network, one task at a time per PE; one inference per network), by
`python benchmarks/event_vs_analytical.py` over the 15 bundled examples (table in
docs/execution_model.md): mean |ln(analytical / event)| 0.40 on the 8 examples the share
was fitted on and 0.30 on the 7 held out (layer by layer on shared channels, the previous
default: 0.86 and 0.54); per example from -43 % (3D stacks, whose layers wait for each
other's PEs) to +171 % (BERT on chiplets, where transfers of many layers share channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from pimnoc.workload.ir import Layer

SERIAL_SHARE = 0.45
"""How far a layer's finish lies from the overlapped towards the layer-by-layer schedule.
Fitted (0.05 grid, least mean |log error|) to the event engine's single-inference latency on
every other bundled example by name; the others are held out (`fit_share` in
benchmarks/event_vs_analytical.py, which re-does the fit). Layers that share PEs cannot
overlap fully (the event engine runs one task at a time per PE), and a layer still waits
for its kernel window and for transfers that compete with each other."""

ROW_LOCAL_OPS = frozenset({"conv", "pool", "add", "mul", "concat", "linear", "layernorm"})
"""Operators whose first output row needs only the first rows (or tokens) of their input."""


def first_input_fraction(producer: Layer, consumer: Layer) -> float:
    """Share of the producer's output the consumer needs before its first output row."""
    rows = producer.out_hw[0]
    if rows <= 1 or consumer.op not in ROW_LOCAL_OPS or consumer.mode == "adaptive_avg":
        return 1.0
    if consumer.op == "linear" and consumer.in_hw[0] * consumer.in_hw[1] != producer.positions:
        return 1.0  # a flattening classifier reads the whole feature map
    if consumer.op in ("conv", "pool"):
        needed = max(1, consumer.kernel[0] - consumer.padding[0])
        return min(1.0, needed / rows)
    return 1.0 / rows


@dataclass(frozen=True)
class _Levels:
    """A layer DAG's edges and layers grouped by depth (a layer one deeper than its deepest
    input), so that each depth is worked out for every layer at once."""

    src: np.ndarray  # producer of each edge, edges in input order within each depth
    dst: np.ndarray  # consumer of each edge
    edge_bounds: list[int]  # edges of depth d: edge_bounds[d]:edge_bounds[d + 1]
    layers: np.ndarray  # layers, by depth
    layer_bounds: list[int]


def levels_of(preds) -> _Levels:
    """The edges and layers of the DAG `preds` (inputs of each layer) grouped by depth."""
    n = len(preds)
    depth = [0] * n
    at = depth.__getitem__
    for v, inputs in enumerate(preds):
        if inputs:
            depth[v] = 1 + max(map(at, inputs))
    counts = np.fromiter(map(len, preds), dtype=np.int64, count=n)
    src = np.fromiter(chain.from_iterable(preds), dtype=np.int64, count=int(counts.sum()))
    dst = np.repeat(np.arange(n, dtype=np.int64), counts)
    layer_depth = np.array(depth, dtype=np.int64)
    levels = int(layer_depth.max(initial=-1)) + 1
    by_edge = np.argsort(layer_depth[dst], kind="stable")
    by_layer = np.argsort(layer_depth, kind="stable")
    edge_bounds = np.searchsorted(layer_depth[dst][by_edge], np.arange(levels + 1)).tolist()
    layer_bounds = np.searchsorted(layer_depth[by_layer], np.arange(levels + 1)).tolist()
    return _Levels(src[by_edge], dst[by_edge], edge_bounds, by_layer, layer_bounds)


@dataclass(frozen=True)
class EdgeTable:
    """Values of (producer, consumer) edges as arrays: the edges by `code = producer * width
    + consumer` (sorted, unique) and a value (or a row of values) for each."""

    code: np.ndarray
    values: np.ndarray
    width: int

    def lookup(self, src: np.ndarray, dst: np.ndarray, default) -> np.ndarray:
        """The values of the edges src[j] -> dst[j], `default` where an edge has none."""
        want = np.asarray(src, dtype=np.int64) * self.width + dst
        at = np.minimum(np.searchsorted(self.code, want), max(self.code.size - 1, 0))
        found = self.code[at] == want if self.code.size else np.zeros(want.size, dtype=bool)
        fill = np.broadcast_to(np.asarray(default, dtype=np.float64),
                               (want.size, *self.values.shape[1:]))
        if not self.code.size:
            return fill.copy()
        mask = found.reshape(-1, *([1] * (self.values.ndim - 1)))
        return np.where(mask, self.values[at], fill)

    def summed(self) -> EdgeTable:
        """The table of each edge's two values added (head + transfer)."""
        return EdgeTable(self.code, self.values[:, 0] + self.values[:, 1], self.width)


def _edge_values(levels: _Levels, table, default) -> np.ndarray:
    if isinstance(table, EdgeTable):
        return table.lookup(levels.src, levels.dst, default)
    return np.array([table.get(edge, default) for edge in zip(levels.src.tolist(),
                                                              levels.dst.tolist(), strict=True)],
                    dtype=np.float64)


def _own_values(n: int, table, default) -> np.ndarray:
    """The value of each layer's edge to itself (its partial sums)."""
    if isinstance(table, EdgeTable):
        return table.lookup(np.arange(n), np.arange(n), default)
    return np.array([table.get((v, v), default) for v in range(n)], dtype=np.float64)


def sequential(preds, compute_s: np.ndarray, comm: dict | EdgeTable,
               levels: _Levels | None = None) -> np.ndarray:
    """Finish time of each layer when each starts after all its inputs have arrived.

    Worked out a depth at a time, every layer of the depth at once: the same IEEE sums and
    maxima as a walk over the layers one by one. `levels`: `levels_of(preds)`, if known.
    """
    levels = levels or levels_of(preds)
    n = len(preds)
    compute = np.asarray(compute_s, dtype=np.float64)
    delay = _edge_values(levels, comm, 0.0)
    own = _own_values(n, comm, 0.0)
    start = np.zeros(n)
    finish = np.zeros(n)
    for d in range(len(levels.layer_bounds) - 1):
        lo, hi = levels.edge_bounds[d], levels.edge_bounds[d + 1]
        if hi > lo:
            u = levels.src[lo:hi]
            np.maximum.at(start, levels.dst[lo:hi], finish[u] + delay[lo:hi])
        ids = levels.layers[levels.layer_bounds[d]:levels.layer_bounds[d + 1]]
        finish[ids] = start[ids] + own[ids] + compute[ids]
    return finish


def _first_input_fractions(layers, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """`first_input_fraction` of each edge (src[j] -> dst[j]), as arrays."""
    if not layers:
        return np.ones(src.size)
    rows, whole, linear_in, windowed, needed = (np.array(column) for column in zip(*[
        (layer.out_hw[0], layer.op not in ROW_LOCAL_OPS or layer.mode == "adaptive_avg",
         layer.in_hw[0] * layer.in_hw[1] if layer.op == "linear" else -1,
         layer.op in ("conv", "pool"), max(1, layer.kernel[0] - layer.padding[0]))
        for layer in layers], strict=True))
    r = rows[src]
    safe = np.maximum(r, 1)
    flattening = linear_in[dst] >= 0
    into_linear = np.flatnonzero(flattening)  # only these need the producer's positions
    positions = np.fromiter((layers[u].positions for u in src[into_linear].tolist()),
                            dtype=np.int64, count=into_linear.size)
    flattening[into_linear] = linear_in[dst[into_linear]] != positions
    fraction = np.where(windowed[dst], np.minimum(1.0, needed[dst] / safe), 1.0 / safe)
    return np.where((r <= 1) | whole[dst] | flattening, 1.0, fraction)


def overlapped(layers, preds, compute_s: np.ndarray, steps: np.ndarray,
               parts: dict | EdgeTable, levels: _Levels | None = None) -> np.ndarray:
    """Finish time of each layer when consecutive layers overlap row by row.

    Worked out a depth at a time, every layer of the depth at once (the same IEEE operations
    as a walk over the layers one by one). `levels`: `levels_of(preds)`, if known.
    """
    levels = levels or levels_of(preds)
    n = len(preds)
    compute = np.asarray(compute_s, dtype=np.float64)
    step = compute / np.maximum(1, np.asarray(steps))
    edge_parts = _edge_values(levels, parts, (0.0, 0.0)).reshape(-1, 2)
    head, transfer = edge_parts[:, 0], edge_parts[:, 1]
    own_parts = _own_values(n, parts, (0.0, 0.0)).reshape(-1, 2)
    fraction = _first_input_fractions(layers, levels.src, levels.dst)
    start, finish = np.zeros(n), np.zeros(n)
    begin, last = np.zeros(n), np.zeros(n)
    for d in range(len(levels.layer_bounds) - 1):
        lo, hi = levels.edge_bounds[d], levels.edge_bounds[d + 1]
        if hi > lo:
            u, v = levels.src[lo:hi], levels.dst[lo:hi]
            stream = np.maximum(finish[u] - start[u], transfer[lo:hi])
            np.maximum.at(begin, v, start[u] + fraction[lo:hi] * stream + head[lo:hi])
            np.maximum.at(last, v, start[u] + stream + head[lo:hi])
        ids = levels.layers[levels.layer_bounds[d]:levels.layer_bounds[d + 1]]
        start[ids] = begin[ids]
        finish[ids] = (np.maximum(begin[ids] + compute[ids], last[ids] + step[ids])
                       + own_parts[ids, 0] + own_parts[ids, 1])
    return finish


def fitted(sequential_finish: np.ndarray, overlapped_finish: np.ndarray) -> np.ndarray:
    """Finish time of each layer `SERIAL_SHARE` of the way from overlapped to sequential."""
    return overlapped_finish + SERIAL_SHARE * (sequential_finish - overlapped_finish)
