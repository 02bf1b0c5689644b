"""Layer compute of every hosted layer at once equals the per-layer loop, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.engines.compute import layer as layer_module
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech, PeTech
from pimnoc.mapping.mapper import map_workloads
from pimnoc.workload.loader import load_network


@pytest.mark.parametrize("models", [["resnet18", "densenet121", "resnet18"], ["gcn"],
                                    ["gpt2", "vgg16"]])
def test_hosted_layers_at_once_equal_the_loop(models, monkeypatch):
    workloads = [load_network(m, 32 if m[0] in "rdv" else None, None, None) for m in models]
    topo = build_system(SystemSpec("2.5d", pe_rows=6, pe_cols=6, chiplet_rows=8,
                                   chiplet_cols=8))
    mapping = map_workloads(workloads, topo, PeTech(), "hilbert")
    net = NetworkTech()
    fast = layer_module.layer_compute(mapping, net)
    # without the batched crossbar counts, every layer takes the per-layer loop
    monkeypatch.setattr(layer_module, "crossbar_activities_of", lambda *args: None)
    slow = layer_module.layer_compute(mapping, net)
    assert np.array_equal(fast.time_s, slow.time_s)
    assert np.array_equal(fast.node_busy_s, slow.node_busy_s)
    for part in layer_module.ENERGY_PARTS:
        assert np.array_equal(fast.energy_by_part[part], slow.energy_by_part[part]), part
