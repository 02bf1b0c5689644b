"""Annealed placement: never worse than its start, honest cost, seeded, usable by the mapper."""

from __future__ import annotations

import numpy as np
import pytest

import pimnoc.dse  # noqa: F401  (registers the annealed placement)
from pimnoc.config import parse_run
from pimnoc.dse.anneal import anneal_and_evaluate, anneal_placement, route_hops
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate_full, topology_and_routing

BASE = {
    "workload": {"networks": [{"model": "resnet18", "input_hw": 32, "num_classes": 10}]},
    "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
               "pes": {"rows": 3, "cols": 3}, "pe": {"crossbars": 64}},
}


def _spec(**mapping):
    config = {**BASE, "design": {**BASE["design"], "chiplets": {"rows": 3, "cols": 3}},
              "mapping": {"placement": "row_major", **mapping}}
    return config, parse_run(config)


def _weighted_hops(evaluation) -> float:
    """Bit-hops of the evaluated flows, walked over the design's routing."""
    flows = evaluation.flows
    nodes = evaluation.topology.compute_nodes
    hops = route_hops(evaluation.routing, nodes)
    index = np.full(evaluation.topology.num_nodes, -1)
    index[nodes] = np.arange(nodes.size)
    return float(np.sum(flows.bits * hops[index[flows.src], index[flows.dst]]))


def test_annealing_cuts_weighted_hops_honestly():
    config, spec = _spec()
    found = anneal_placement(spec, steps=5000, seed=0)
    assert found.cost < 0.95 * found.start_cost
    start = evaluate_full(spec)
    assert _weighted_hops(start) == pytest.approx(found.start_cost, rel=1e-9)
    metrics = anneal_and_evaluate(config, {"start": "row_major", "steps": 5000, "seed": 0})
    assert metrics["placement_order"] == found.order.tolist()
    assert metrics["weighted_hops"] == pytest.approx(found.cost)
    annealed_spec = parse_run({**config, "mapping": {"placement": "annealed", "seed": 0}})
    again = evaluate_full(annealed_spec)  # the mapper uses the registered order
    assert _weighted_hops(again) == pytest.approx(found.cost, rel=1e-9)
    assert metrics["energy_j"]["link"] < start.result.energy_j["link"]


def test_annealing_is_seeded():
    _, spec = _spec()
    a, b = anneal_placement(spec, 3000, seed=5), anneal_placement(spec, 3000, seed=5)
    assert np.array_equal(a.order, b.order) and a.cost == b.cost
    topo, _ = topology_and_routing(spec)
    assert sorted(a.order.tolist()) == sorted(topo.compute_nodes.tolist())


def test_annealed_placement_without_an_order_is_a_config_error():
    config, _ = _spec()
    spec = parse_run({**config, "mapping": {"placement": "annealed", "seed": 12345}})
    with pytest.raises(ConfigError, match="strategy: anneal"):
        evaluate_full(spec)
