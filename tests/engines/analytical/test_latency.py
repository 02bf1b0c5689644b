"""Latency models: layer by layer, with layers overlapping row by row, and fitted between."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.config import parse_run
from pimnoc.engines.analytical import latency as latency_model
from pimnoc.engines.analytical.latency import first_input_fraction, overlapped, sequential
from pimnoc.engines.analytical.network import edge_parts, link_bandwidth_bps
from pimnoc.evaluate import evaluate_full, latency_without_network, layer_finish
from pimnoc.workload.builder import GraphBuilder


def chain(depth: int, hw: int = 16):
    g = GraphBuilder("chain", 8, (hw, hw))
    src = "input"
    for i in range(depth):
        src = g.conv(f"c{i}", src, 16, 3, padding=1)
    return g.build()


def test_first_rows_of_a_3x3_convolution():
    w = chain(2)
    assert first_input_fraction(w.layers[1], w.layers[2]) == pytest.approx(2 / 16)
    g = GraphBuilder("fc", 8, (7, 7))
    g.linear("fc", g.global_pool("gap", g.conv("c", "input", 8, 1)), 10)
    layers = g.build().layers
    assert first_input_fraction(layers[1], layers[2]) == 1.0  # global pooling reads it all


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 8), st.lists(st.floats(1e-6, 1e-3), min_size=8, max_size=8),
       st.lists(st.floats(0, 1e-4), min_size=8, max_size=8))
def test_overlap_is_never_slower_than_layer_by_layer(depth, compute, comm):
    w = chain(depth)
    n = len(w.layers)
    compute_s = np.array(compute[:n] + [1e-6] * max(0, n - len(compute)))
    preds = [tuple(w.index[p] for p in layer.preds) for layer in w.layers]
    parts = {(u, v): (0.1 * comm[v % 8], 0.9 * comm[v % 8]) for v, us in enumerate(preds)
             for u in us}
    steps = np.full(n, 16)
    seq = sequential(preds, compute_s, {e: h + t for e, (h, t) in parts.items()})
    ovl = overlapped(w.layers, preds, compute_s, steps, parts)
    assert ovl[-1] <= seq[-1] * (1 + 1e-12)
    assert ovl[-1] >= compute_s.max() * (1 - 1e-12)  # no layer finishes faster than its work


def test_overlap_in_a_run(run_dict):
    run = run_dict()
    run["simulation"] = {"layer_overlap": False}
    plain = evaluate_full(parse_run(run))
    run = run_dict()
    run["simulation"] = {"layer_overlap": True}
    overlapped_run = evaluate_full(parse_run(run))
    assert overlapped_run.result.latency_s < plain.result.latency_s
    assert overlapped_run.result.interval_s == pytest.approx(plain.result.interval_s)
    assert overlapped_run.result.energy_j["compute"] == pytest.approx(
        plain.result.energy_j["compute"])
    assert latency_without_network(overlapped_run) <= overlapped_run.result.latency_s


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_fitted_latency_runs_from_overlapped_to_layer_by_layer(run_dict, monkeypatch, share):
    """Share 0 gives the overlapped schedule and 1 the layer-by-layer one, both with the
    inference's transfers alone on their channels; the default lies between them."""
    ev = evaluate_full(parse_run(run_dict()))
    assert ev.spec.simulation.layer_overlap == "fitted"
    alone = edge_parts(ev.flows, ev.network.routed, ev.network.flow_latency_s, ev.net,
                       ev.mapping.num_layers, None, link_bandwidth_bps(ev.topology, ev.net))
    ends = [layer_finish(o, ev.mapping, ev.compute.time_s, alone, alone).max()
            for o in (True, False)]
    assert ends[0] < ends[1]
    assert ends[0] <= ev.result.latency_s <= ends[1]
    monkeypatch.setattr(latency_model, "SERIAL_SHARE", share)
    again = evaluate_full(parse_run(run_dict())).result.latency_s
    assert again == pytest.approx(ends[int(share)], rel=1e-12)
