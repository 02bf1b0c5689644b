"""Tiny design spaces for the DSE tests (ResNet-18 at 32x32 on 2x2-3x3 chiplets of 3x3 PEs)."""

from __future__ import annotations

import copy

import pytest

BASE = {
    "workload": {"networks": [{"model": "resnet18", "input_hw": 32, "num_classes": 10}]},
    "design": {"integration": "2.5d", "chiplets": {"rows": 2, "cols": 3},
               "pes": {"rows": 3, "cols": 3}, "pe": {"crossbars": 64}},
    "mapping": {"placement": "snake"},
}


def tiny_space(**overrides) -> dict:
    """A small grid space dictionary; top-level keys replaced by `overrides`."""
    data = {
        "base": copy.deepcopy(BASE),
        "space": {
            "design.chiplets.rows": [2, 3],
            "design.chiplets.cols": [2, 3],
            "mapping.placement": ["row_major", "snake", "hilbert"],
            "design.pe.crossbars": {"min": 32, "max": 96, "step": 32},
        },
        "search": {"strategy": "grid"},
        "objectives": {"latency_s": "min", "energy_j": "min"},
    }
    data.update(overrides)
    return data


@pytest.fixture
def space_dict():
    """Factory for small space dictionaries (see `tiny_space`)."""
    return tiny_space
