"""GCN and GraphSAGE on synthetic power-law graphs of Cora-like and Reddit-like size.

Layers follow PyTorch Geometric: `GCNConv` (linear without bias, then normalised sum
aggregation over the edges plus self-loops, then the bias; Kipf & Welling, ICLR 2017) and
`SAGEConv` with mean aggregation (`lin_l` with bias on the aggregated neighbours plus `lin_r`
without bias on the node itself; Hamilton et al., NeurIPS 2017), two layers each, full-batch
inference over every node and edge (no neighbour sampling). Every node is a position, so a
layer's tensor is `(nodes, 1)` and a linear layer runs one crossbar MVM per node.

Graph sizes (PyTorch Geometric's `Planetoid("Cora")` and `Reddit` datasets):
- Cora: 2,708 nodes, 10,556 directed edges, 1,433 features, 7 classes.
- Reddit: 232,965 nodes, 114,615,892 directed edges, 602 features, 41 classes.

The graphs themselves are synthetic (nothing is downloaded):
- Cora-like: a seeded Barabasi-Albert graph (networkx) of 2,708 nodes with 2 edges per new
  node (10,824 directed edges, power-law degrees with exponent 3), node labels shuffled by
  the seed so that node order carries no age; its edge list is kept and traffic is exact.
- Reddit-like: the real node, feature, class and edge counts drive compute; traffic uses a
  seeded sample of 16,384 degrees drawn from the power law of the same exponent (3) with
  Reddit's mean degree (492), assuming neighbours uniformly spread (expected values).
  A Reddit-size networkx graph (57 M undirected edges) would take minutes to build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.graph import GraphStats
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS

SEED = 0
"""Seed of every synthetic graph (same graph, bit for bit, on every run)."""

POWER_LAW_EXPONENT = 3.0
"""Degree exponent of Barabasi-Albert graphs (Barabasi & Albert, Science 1999)."""

DEGREE_SAMPLE = 16384
"""Degrees kept for a large graph's traffic statistics (assumption: enough for 1e-2)."""


@dataclass(frozen=True)
class GraphDataset:
    """Sizes of a published graph dataset and the hidden width used on it."""

    name: str
    nodes: int
    edges: int
    features: int
    classes: int
    hidden: int
    exact: bool


CORA = GraphDataset("cora", 2708, 10556, 1433, 7, 16, exact=True)
"""PyG Planetoid Cora; hidden 16 as in Kipf & Welling 2017."""

REDDIT = GraphDataset("reddit", 232965, 114615892, 602, 41, 256, exact=False)
"""PyG Reddit; hidden 256 (GraphSAGE's embedding size, Hamilton et al. 2017; assumption for
GCN)."""

BA_EDGES_PER_NODE = 2
"""Barabasi-Albert attachment of the Cora-like graph: ~2 undirected edges per node as Cora."""


def cora_like_graph(seed: int = SEED) -> GraphStats:
    """A Barabasi-Albert graph of Cora's node count with shuffled labels, both directions."""
    import networkx as nx  # heavy (0.4 s); only the GNN builders need it

    graph = nx.barabasi_albert_graph(CORA.nodes, BA_EDGES_PER_NODE, seed=seed)
    relabel = np.random.default_rng(seed).permutation(CORA.nodes)
    edges = relabel[np.asarray(graph.edges(), dtype=np.int64)]
    src = np.concatenate([edges[:, 0], edges[:, 1]])
    dst = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.lexsort((src, dst))
    degree = np.bincount(dst, minlength=CORA.nodes)
    return GraphStats("cora-like", CORA.nodes, int(src.size), degree, src[order], dst[order])


def power_law_degrees(count: int, mean: float, cap: int, seed: int = SEED) -> np.ndarray:
    """Seeded integer degrees from a Pareto law of exponent 3 with the given mean, capped."""
    alpha = POWER_LAW_EXPONENT - 1.0
    d_min = mean * (alpha - 1.0) / alpha
    u = np.random.default_rng(seed).random(count)
    return np.minimum(np.round(d_min * (1.0 - u) ** (-1.0 / alpha)), cap).astype(np.int64)


def reddit_like_graph(seed: int = SEED) -> GraphStats:
    """Reddit's sizes with a sampled power-law degree sequence (expected traffic)."""
    degree = power_law_degrees(DEGREE_SAMPLE, REDDIT.edges / REDDIT.nodes, REDDIT.nodes - 1,
                               seed)
    return GraphStats("reddit-like", REDDIT.nodes, REDDIT.edges, degree)


GRAPHS = {"cora": cora_like_graph, "reddit": reddit_like_graph}


def _gcn(name: str, data: GraphDataset, num_classes: int | None) -> Workload:
    """Two GCNConv layers: linear (no bias), normalised aggregation (+ bias)."""
    classes = num_classes or data.classes
    g = GraphBuilder(name, data.features, (data.nodes, 1))
    x = "input"
    for i, width in enumerate((data.hidden, classes), start=1):
        x = g.dense(f"conv{i}.lin", x, width, bias=False)
        x = g.aggregate(f"conv{i}.aggregate", x, "gcn", extra_params=width)
    return g.build(family="gnn", dataset=data.name, graph=GRAPHS[data.name]())


def _graphsage(name: str, data: GraphDataset, num_classes: int | None) -> Workload:
    """Two SAGEConv layers: mean aggregation, lin_l (bias) plus lin_r (root, no bias)."""
    classes = num_classes or data.classes
    g = GraphBuilder(name, data.features, (data.nodes, 1))
    x = "input"
    for i, width in enumerate((data.hidden, classes), start=1):
        neighbours = g.aggregate(f"conv{i}.aggregate", x, "mean")
        x = g.add(f"conv{i}.add", g.dense(f"conv{i}.lin_l", neighbours, width),
                  g.dense(f"conv{i}.lin_r", x, width, bias=False))
    return g.build(family="gnn", dataset=data.name, graph=GRAPHS[data.name]())


@MODELS.register("gcn")
def gcn(input_hw: int = 224, num_classes: int | None = None) -> Workload:
    """GCN on a Cora-like graph (`input_hw` is ignored)."""
    return _gcn("gcn", CORA, num_classes)


@MODELS.register("gcn_reddit")
def gcn_reddit(input_hw: int = 224, num_classes: int | None = None) -> Workload:
    """GCN on a Reddit-like graph (`input_hw` is ignored)."""
    return _gcn("gcn_reddit", REDDIT, num_classes)


@MODELS.register("graphsage")
def graphsage(input_hw: int = 224, num_classes: int | None = None) -> Workload:
    """GraphSAGE (mean) on a Cora-like graph (`input_hw` is ignored)."""
    return _graphsage("graphsage", CORA, num_classes)


@MODELS.register("graphsage_reddit")
def graphsage_reddit(input_hw: int = 224, num_classes: int | None = None) -> Workload:
    """GraphSAGE (mean) on a Reddit-like graph (`input_hw` is ignored)."""
    return _graphsage("graphsage_reddit", REDDIT, num_classes)
