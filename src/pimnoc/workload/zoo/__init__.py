"""The model zoo: CNNs, transformers and GNNs as layer DAGs, looked up by name."""

from __future__ import annotations

import inspect

from pimnoc.errors import WorkloadError
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo import (  # noqa: F401  (registers)
    cifar,
    densenet,
    gnn,
    mobilenet,
    resnet,
    transformer,
    vgg,
)
from pimnoc.workload.zoo.base import MODELS, ModelBuilder

__all__ = ["MODELS", "ModelBuilder", "build_model", "model_names"]


def model_names() -> list[str]:
    """Names of all zoo models, sorted."""
    return MODELS.names()


def build_model(name: str, input_hw: int | None = 224, num_classes: int | None = None,
                seq_len: int | None = None) -> Workload:
    """Build zoo model `name` for a square `input_hw` input (224 ImageNet, 32 CIFAR).

    `input_hw=None` takes the model's own (32 for the CIFAR networks, 224 otherwise);
    `num_classes` and `seq_len` (tokens of a transformer) go to builders that take them;
    None keeps the model's default.
    """
    builder = MODELS.get(name)
    if input_hw is None:
        default = inspect.signature(builder).parameters.get("input_hw")
        input_hw = 224 if default is None or default.default is inspect.Parameter.empty \
            else int(default.default)
    if input_hw < 1:
        raise WorkloadError(
            f"workload.networks[].input_hw: {input_hw} for '{name}' must be a positive "
            "number of pixels (224 for ImageNet, 32 for CIFAR)"
        )
    if num_classes is not None and num_classes < 1:
        raise WorkloadError(
            f"workload.networks[].num_classes: {num_classes} for '{name}' must be at least 1"
        )
    accepted = inspect.signature(builder).parameters
    kwargs: dict[str, int] = {"input_hw": input_hw}
    for key, value in (("num_classes", num_classes), ("seq_len", seq_len)):
        if value is None:
            continue
        if key not in accepted:
            raise WorkloadError(
                f"workload.networks[].{key}: '{name}' takes no {key}; remove the key"
            )
        kwargs[key] = value
    workload = builder(**kwargs)
    for layer in workload.layers:
        if min(layer.out_hw) < 1:
            raise WorkloadError(
                f"workload.networks[].input_hw: {input_hw} is too small for '{name}' (layer "
                f"'{layer.name}' would have an empty output); use a larger input, e.g. 32"
            )
    return workload
