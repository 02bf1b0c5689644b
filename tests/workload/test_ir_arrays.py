"""Renamed copies and per-layer arrays equal the plain per-layer forms they replace."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pimnoc.workload.ir import OP_CODES, Layer, LayerArrays, Workload
from pimnoc.workload.loader import load_network

MODELS = [("resnet18", 32), ("densenet121", 32), ("vgg16", 32), ("gcn", None), ("gpt2", None)]


def _network(model: str, hw: int | None) -> Workload:
    return load_network(model, hw, None, None)


def _plain_renamed(w: Workload, prefix: str) -> Workload:
    """The renaming as it was: every layer through `Layer.with_names`, then checked."""
    layers = tuple(layer.with_names(prefix + layer.name, tuple(prefix + p for p in layer.preds))
                   for layer in w.layers)
    return Workload(name=w.name, layers=layers, meta=dict(w.meta))


DERIVED = ("weighted", "positions", "weight_rows", "weights", "params", "macs",
           "output_elements")


@pytest.mark.parametrize(("model", "hw"), MODELS)
def test_a_renamed_copy_equals_the_plain_one_field_by_field(model, hw):
    w = _network(model, hw)
    fast, plain = w.renamed("3:x/"), _plain_renamed(w, "3:x/")
    assert fast == plain and fast.meta == plain.meta and fast.meta is not w.meta
    for a, b in zip(fast.layers, plain.layers, strict=True):
        assert type(a) is Layer and a == b
        for f in dataclasses.fields(Layer):
            assert getattr(a, f.name) == getattr(b, f.name)
        fresh = Layer(**{f.name: getattr(a, f.name) for f in dataclasses.fields(Layer)})
        for name in ("weighted", "positions", "weights", "params", "macs", "output_elements"):
            assert name in a.__dict__  # kept from the original, not worked out again
        for name in DERIVED:  # the same as worked out afresh
            assert getattr(a, name) == getattr(fresh, name)
    assert fast.index == plain.index and fast.edges == plain.edges
    assert fast.arrays is w.arrays


@pytest.mark.parametrize(("model", "hw"), MODELS)
def test_layer_arrays_hold_each_layers_sizes_and_inputs(model, hw):
    w = _network(model, hw)
    a = w.arrays
    assert a.size == len(w.layers)
    for i, layer in enumerate(w.layers):
        assert a.weighted[i] == layer.weighted and a.op[i] == OP_CODES[layer.op]
        assert a.is_input[i] == (layer.op == "input")
        assert a.is_concat[i] == (layer.op == "concat")
        assert (a.positions[i], a.cout[i], a.groups[i], a.output_elements[i], a.macs[i],
                a.params[i]) == (layer.positions, layer.cout, layer.groups,
                                 layer.output_elements, layer.macs, layer.params)
        inputs = a.pred_flat[a.pred_bounds[i]:a.pred_bounds[i + 1]].tolist()
        assert inputs == [w.index[p] for p in layer.preds]


def test_joined_arrays_are_those_of_the_layers_end_to_end():
    parts = [_network(m, hw) for m, hw in MODELS[:3]]
    named = [w.renamed(f"{k}:") for k, w in enumerate(parts + parts[:1])]
    layers = [layer for w in named for layer in w.layers]
    whole = Workload("all", tuple(layers))
    joined = LayerArrays.joined([w.arrays for w in named])
    for f in dataclasses.fields(LayerArrays):
        assert np.array_equal(getattr(joined, f.name), getattr(whole.arrays, f.name)), f.name
