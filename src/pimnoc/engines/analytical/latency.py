"""Latency of one inference through the layer DAG: layer by layer, or with layers overlapping.

Layer by layer (the default, DESIGN.md): a layer starts when all its inputs have arrived.
With overlap (`simulation.layer_overlap: true`, the inter-layer pipelining of ISAAC-style
PIM accelerators): a layer starts as soon as the first rows it needs have been produced and
have crossed the network, and it ends no earlier than one of its steps after its last input
arrives. A stream from u to v lasts at least as long as u's compute and as the edge's
transfer, whichever is longer.
"""

from __future__ import annotations

import numpy as np

from pimnoc.workload.ir import Layer

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


def sequential(preds, compute_s: np.ndarray, comm: dict) -> np.ndarray:
    """Finish time of each layer when each starts after all its inputs have arrived."""
    finish: list[float] = []  # Python floats: the same IEEE sums, without numpy scalars
    compute = np.asarray(compute_s, dtype=np.float64).tolist()
    for v, inputs in enumerate(preds):
        start = max((finish[u] + comm.get((u, v), 0.0) for u in inputs), default=0.0)
        finish.append(start + comm.get((v, v), 0.0) + compute[v])
    return np.array(finish, dtype=np.float64)


def overlapped(layers, preds, compute_s: np.ndarray, steps: np.ndarray,
               parts: dict) -> np.ndarray:
    """Finish time of each layer when consecutive layers overlap row by row."""
    n = len(preds)
    start = np.zeros(n)
    finish = np.zeros(n)
    for v, inputs in enumerate(preds):
        own_head, own_transfer = parts.get((v, v), (0.0, 0.0))
        step = compute_s[v] / max(1, steps[v])
        begin, last = 0.0, 0.0
        for u in inputs:
            head, transfer = parts.get((u, v), (0.0, 0.0))
            stream = max(finish[u] - start[u], transfer)
            begin = max(begin, start[u] + first_input_fraction(layers[u], layers[v]) * stream
                        + head)
            last = max(last, start[u] + stream + head)
        start[v] = begin
        finish[v] = max(begin + compute_s[v], last + step) + own_head + own_transfer
    return finish
