"""The CNN model zoo: torchvision architectures as layer DAGs, looked up by name."""

from __future__ import annotations

from pimnoc.errors import WorkloadError
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo import densenet, mobilenet, resnet, vgg  # noqa: F401  (registers)
from pimnoc.workload.zoo.base import MODELS, ModelBuilder

__all__ = ["MODELS", "ModelBuilder", "build_model", "model_names"]


def model_names() -> list[str]:
    """Names of all zoo models, sorted."""
    return MODELS.names()


def build_model(name: str, input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """Build zoo model `name` for a square `input_hw` input (224 ImageNet, 32 CIFAR)."""
    builder = MODELS.get(name)
    if input_hw < 1:
        raise WorkloadError(
            f"workload.networks[].input_hw: {input_hw} for '{name}' must be a positive "
            "number of pixels (224 for ImageNet, 32 for CIFAR)"
        )
    if num_classes < 1:
        raise WorkloadError(
            f"workload.networks[].num_classes: {num_classes} for '{name}' must be at least 1"
        )
    workload = builder(input_hw=input_hw, num_classes=num_classes)
    for layer in workload.layers:
        if min(layer.out_hw) < 1:
            raise WorkloadError(
                f"workload.networks[].input_hw: {input_hw} is too small for '{name}' (layer "
                f"'{layer.name}' would have an empty output); use a larger input, e.g. 32"
            )
    return workload
