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
    # Python floats and ints: the same IEEE operations as on numpy scalars, without their cost
    n = len(preds)
    start = [0.0] * n
    finish = [0.0] * n
    compute_s = np.asarray(compute_s, dtype=np.float64).tolist()
    steps = np.asarray(steps).tolist()
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
    return np.array(finish, dtype=np.float64)


def fitted(sequential_finish: np.ndarray, overlapped_finish: np.ndarray) -> np.ndarray:
    """Finish time of each layer `SERIAL_SHARE` of the way from overlapped to sequential."""
    return overlapped_finish + SERIAL_SHARE * (sequential_finish - overlapped_finish)
