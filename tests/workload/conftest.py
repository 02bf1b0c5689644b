"""Shared checks for workload tests: shape consistency along every dataflow edge."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pimnoc.workload.builder import conv_out
from pimnoc.workload.ir import Layer, Workload


def _check_layer(layer: Layer, preds: list[Layer]) -> None:
    """Assert that `layer`'s input shape agrees with what its predecessors produce."""
    where = f"layer '{layer.name}' ({layer.op})"
    if layer.op == "input":
        assert not preds, where
        return
    assert preds, f"{where} has no predecessors"
    if layer.op == "linear":
        (pred,) = preds
        assert layer.cin == pred.cout * pred.positions, where
        return
    if layer.op == "mul":
        scale, feature = preds
        assert (layer.cin, layer.in_hw) == (feature.cout, feature.out_hw), where
        assert scale.cout == layer.cin and scale.out_hw == (1, 1), where
        return
    for pred in preds:
        assert layer.in_hw == pred.out_hw, f"{where}: in_hw != {pred.name}.out_hw"
    if layer.op == "concat":
        assert layer.cin == layer.cout == sum(p.cout for p in preds), where
        assert layer.out_hw == layer.in_hw, where
    elif layer.op == "add":
        assert len(preds) >= 2, where
        assert all(p.cout == layer.cin for p in preds), where
        assert layer.out_hw == layer.in_hw, where
    else:
        (pred,) = preds
        assert layer.cin == pred.cout, f"{where}: cin {layer.cin} != {pred.name} {pred.cout}"
        if layer.op == "conv" or (layer.op == "pool" and layer.mode in ("max", "avg")):
            expected = tuple(
                conv_out(size, k, s, p)
                for size, k, s, p in zip(layer.in_hw, layer.kernel, layer.stride, layer.padding,
                                         strict=True)
            )
            assert layer.out_hw == expected, where
        if layer.op == "conv":
            assert layer.cin % layer.groups == 0 and layer.cout % layer.groups == 0, where


def check_consistent(workload: Workload) -> None:
    """Assert every layer's input matches its predecessors and only the last layer is a sink."""
    for layer in workload.layers:
        _check_layer(layer, [workload.layer(p) for p in layer.preds])
        assert min(layer.out_hw) >= 1 and layer.cout >= 1, layer.name
    sinks = [workload.layers[i].name for i, s in enumerate(workload.successors) if not s]
    assert sinks == [workload.layers[-1].name]


@pytest.fixture
def assert_consistent() -> Callable[[Workload], None]:
    """The shape-consistency check as a fixture."""
    return check_consistent
