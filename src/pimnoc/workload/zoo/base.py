"""The model-zoo registry: builders `(input_hw, num_classes) -> Workload` by name."""

from __future__ import annotations

from typing import Protocol

from pimnoc.registry import Registry
from pimnoc.workload.ir import Workload


class ModelBuilder(Protocol):
    """Builds one network for a square input of `input_hw` pixels and `num_classes` outputs."""

    def __call__(self, input_hw: int, num_classes: int) -> Workload: ...


MODELS: Registry[ModelBuilder] = Registry("model", "workload.networks[].model")
"""Every zoo network by name; register new ones with `@MODELS.register("name")`."""
