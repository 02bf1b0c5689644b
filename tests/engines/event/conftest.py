"""Helpers for the event-engine tests: a small mesh and hand-made task graphs."""

from __future__ import annotations

import pytest

from pimnoc.config import parse_run
from pimnoc.evaluate import topology_and_routing


@pytest.fixture(scope="session")
def mesh():
    """(topology, routing, network tech) of a 2D 4x4 mesh die."""
    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4}}})
    topo, routing = topology_and_routing(spec)
    return topo, routing, spec.network_tech()
