"""Shared fixtures: small run specs and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from pimnoc.config import parse_run

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def small_run(**overrides) -> dict:
    """A quick 2.5D ResNet-18 run dictionary, with top-level sections replaced by overrides."""
    run = {
        "workload": {"networks": [{"model": "resnet18", "input_hw": 32, "num_classes": 10}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
                   "pes": {"rows": 3, "cols": 3}, "pe": {"crossbars": 64}},
        "mapping": {"placement": "snake"},
    }
    run.update(overrides)
    return run


@pytest.fixture
def run_dict():
    """Factory for small run dictionaries (see `small_run`)."""
    return small_run


@pytest.fixture
def small_spec():
    """A parsed small 2.5D run."""
    return parse_run(small_run())
