"""GNN zoo: PyG parameter totals, dataset sizes, seeded power-law graphs and their statistics."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.workload.graph import GraphStats
from pimnoc.workload.zoo import build_model
from pimnoc.workload.zoo.gnn import CORA, REDDIT, cora_like_graph, reddit_like_graph


def pyg_gcn_params(f: int, h: int, c: int) -> int:
    """GCNConv(f, h) + GCNConv(h, c): weights plus a bias each."""
    return f * h + h + h * c + c


def pyg_sage_params(f: int, h: int, c: int) -> int:
    """SAGEConv(f, h) + SAGEConv(h, c): lin_l (bias) + lin_r (no bias) each."""
    return 2 * f * h + h + 2 * h * c + c


@pytest.mark.parametrize(("name", "expected"), [
    ("gcn", pyg_gcn_params(1433, 16, 7)),
    ("graphsage", pyg_sage_params(1433, 16, 7)),
    ("gcn_reddit", pyg_gcn_params(602, 256, 41)),
    ("graphsage_reddit", pyg_sage_params(602, 256, 41)),
])
def test_params_match_pyg(name: str, expected: int) -> None:
    assert build_model(name).params == expected


def test_cora_gcn_23063_params() -> None:
    assert build_model("gcn").params == 23_063  # PyG GCN example on Cora, hidden 16


def test_sizes_and_structure() -> None:
    w = build_model("graphsage")
    assert w.layers[0].cout == 1433 and w.layers[0].positions == 2708
    agg = w.layer("conv1.aggregate")
    assert agg.op == "aggregate" and agg.mode == "mean" and agg.preds == ("input",)
    assert w.layer("conv1.add").preds == ("conv1.lin_l", "conv1.lin_r")
    assert w.layers[-1].cout == 7
    r = build_model("gcn_reddit", num_classes=10)
    assert r.layers[0].positions == 232_965 and r.layers[-1].cout == 10
    assert r.meta["graph"].num_edges == REDDIT.edges


def test_graphs_are_seeded_and_power_law() -> None:
    a, b = cora_like_graph(), cora_like_graph()
    assert np.array_equal(a.src, b.src) and np.array_equal(a.dst, b.dst)
    assert a.num_nodes == CORA.nodes
    assert abs(a.num_edges - CORA.edges) / CORA.edges < 0.05
    assert a.degree.max() > 20 * np.median(a.degree)  # heavy tail (hubs)
    r = reddit_like_graph()
    assert np.array_equal(r.degree, reddit_like_graph().degree)
    assert abs(r.degree.mean() - REDDIT.edges / REDDIT.nodes) / 492 < 0.1


def test_needed_fractions_exact_vs_expected() -> None:
    g = cora_like_graph()
    bounds = np.linspace(0, 1, 9)
    exact = g.needed(bounds, bounds[:-1], bounds[1:])
    assert np.allclose(np.diag(exact), 1 / 8, atol=1 / 2708)  # a part holds its own nodes
    off = exact[~np.eye(8, dtype=bool)]
    approx = GraphStats("deg", g.num_nodes, g.num_edges, g.degree)
    model = approx.needed(bounds, bounds[:-1], bounds[1:])[~np.eye(8, dtype=bool)]
    assert abs(off.mean() - model.mean()) / off.mean() < 0.1
    # a dense (Reddit-like) graph needs almost every node everywhere
    dense = reddit_like_graph().needed(bounds, bounds[:-1], bounds[1:])
    assert dense.min() > 0.9 / 8
