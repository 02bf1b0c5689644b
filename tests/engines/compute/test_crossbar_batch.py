"""Crossbar activity of many layers at once equals the layer-by-layer figures, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.engines.compute.crossbar import crossbar_activities, crossbar_activity
from pimnoc.hardware.tech import PeTech
from pimnoc.mapping.partition import tile_layer
from pimnoc.workload.loader import load_network

FIELDS = ("mvm_steps", "adc_conversions", "dac_conversions", "cell_reads", "shift_adds",
          "buffer_bits")


def _check(layers, replication, pe):
    tiles = [tile_layer(layer, pe) for layer in layers]
    batch = crossbar_activities(layers, tiles, np.asarray(replication), pe)
    assert batch is not None
    for k, (layer, tile, r) in enumerate(zip(layers, tiles, replication, strict=True)):
        one = crossbar_activity(layer, tile, int(r), pe)
        for name in FIELDS:
            assert getattr(batch, name)[k] == getattr(one, name)


def test_the_floret_mix_in_one_pass():
    pe = PeTech()
    layers = [layer for model in ("resnet34", "resnet50", "resnet152", "vgg16", "densenet121",
                                  "densenet169")
              for layer in load_network(model, 224, None, None).layers if layer.weighted]
    _check(layers, np.arange(len(layers)) % 7 + 1, pe)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["resnet18", "vgg16", "densenet121"]), st.integers(1, 64),
       st.sampled_from([64, 128, 256]), st.integers(1, 4))
def test_random_replication_and_crossbars(model, replication, size, bits_per_cell):
    pe = PeTech(crossbar_rows=size, crossbar_cols=size, bits_per_cell=bits_per_cell)
    layers = [layer for layer in load_network(model, 224, None, None).layers if layer.weighted]
    _check(layers, [replication] * len(layers), pe)
