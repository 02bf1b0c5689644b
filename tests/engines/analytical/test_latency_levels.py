"""The latency walks worked out a depth at a time equal a walk over the layers one by one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.engines.analytical import latency
from pimnoc.workload.loader import load_network


def _sequential_by_layer(preds, compute_s, comm):
    finish: list[float] = []
    compute = np.asarray(compute_s, dtype=np.float64).tolist()
    for v, inputs in enumerate(preds):
        start = max((finish[u] + comm.get((u, v), 0.0) for u in inputs), default=0.0)
        finish.append(start + comm.get((v, v), 0.0) + compute[v])
    return np.array(finish, dtype=np.float64)


def _overlapped_by_layer(layers, preds, compute_s, steps, parts):
    n = len(preds)
    start, finish = [0.0] * n, [0.0] * n
    compute, steps = np.asarray(compute_s).tolist(), np.asarray(steps).tolist()
    for v, inputs in enumerate(preds):
        own_head, own_transfer = parts.get((v, v), (0.0, 0.0))
        step = compute[v] / max(1, steps[v])
        begin, last = 0.0, 0.0
        for u in inputs:
            head, transfer = parts.get((u, v), (0.0, 0.0))
            stream = max(finish[u] - start[u], transfer)
            begin = max(begin, start[u] + latency.first_input_fraction(layers[u], layers[v])
                        * stream + head)
            last = max(last, start[u] + stream + head)
        start[v] = begin
        finish[v] = max(begin + compute[v], last + step) + own_head + own_transfer
    return np.array(finish, dtype=np.float64)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["resnet18", "densenet121", "vgg16", "mobilenet_v2", "bert_base"]),
       st.integers(0, 2**31 - 1), st.floats(0.0, 1.0), st.integers(1, 3))
def test_depth_by_depth_equals_layer_by_layer(model, seed, edge_share, copies):
    network = load_network(model, 64, None, None)
    layers, preds = [], []
    for _ in range(copies):  # side by side, as several mapped networks
        base = len(layers)
        layers += list(network.layers)
        preds += [tuple(base + network.index[p] for p in layer.preds) for layer in network.layers]
    rng = np.random.default_rng(seed)
    n = len(layers)
    compute = rng.random(n) * 1e-5
    steps = rng.integers(0, 50, n)
    edges = [(u, v) for v, inputs in enumerate(preds) for u in inputs] + [(v, v) for v in range(n)]
    kept = [edge for edge in edges if rng.random() < edge_share]
    parts = {edge: (float(rng.random() * 1e-6), float(rng.random() * 1e-5)) for edge in kept}
    comm = {edge: head + transfer for edge, (head, transfer) in parts.items()}
    np.testing.assert_array_equal(latency.sequential(preds, compute, comm),
                                  _sequential_by_layer(preds, compute, comm))
    np.testing.assert_array_equal(latency.overlapped(layers, preds, compute, steps, parts),
                                  _overlapped_by_layer(layers, preds, compute, steps, parts))
    # the same from tables of arrays (as evaluate passes them), and with the levels given
    table = _table(parts, n)
    levels = latency.levels_of(preds)
    np.testing.assert_array_equal(latency.sequential(preds, compute, table.summed(), levels),
                                  _sequential_by_layer(preds, compute, comm))
    np.testing.assert_array_equal(latency.overlapped(layers, preds, compute, steps, table,
                                                     levels),
                                  _overlapped_by_layer(layers, preds, compute, steps, parts))


def _table(parts: dict, width: int) -> latency.EdgeTable:
    edges = sorted(parts, key=lambda edge: edge[0] * width + edge[1])
    return latency.EdgeTable(np.array([u * width + v for u, v in edges], dtype=np.int64),
                             np.array([parts[edge] for edge in edges]).reshape(-1, 2), width)


@given(st.dictionaries(st.tuples(st.integers(0, 9), st.integers(0, 9)),
                       st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=30),
       st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_edge_table_lookup_equals_the_dict(parts, edges):
    table = _table(parts, 10)
    src = np.array([u for u, _v in edges], dtype=np.int64)
    dst = np.array([v for _u, v in edges], dtype=np.int64)
    expected = np.array([parts.get(edge, (-1.0, -2.0)) for edge in edges]).reshape(-1, 2)
    np.testing.assert_array_equal(table.lookup(src, dst, (-1.0, -2.0)), expected)
    summed = [parts[edge][0] + parts[edge][1] if edge in parts else 0.0 for edge in edges]
    np.testing.assert_array_equal(table.summed().lookup(src, dst, 0.0), np.array(summed))
