"""Turn a workload config entry into a Workload: a zoo name or an ONNX file."""

from __future__ import annotations

from pimnoc.workload.ir import Workload

DEFAULT_INPUT_HW = 224
"""A zoo model's input size when none is given: ImageNet's 224 x 224."""


def load_network(model: str, input_hw: int | None = None, num_classes: int | None = None,
                 seq_len: int | None = None) -> Workload:
    """Build a zoo model by name, or import an ONNX file when `model` ends in `.onnx`.

    `input_hw` None means the model's own size: 224 for the zoo, the file's for ONNX.
    """
    if model.endswith(".onnx"):
        from pimnoc.workload.onnx import load_onnx

        return load_onnx(model, input_hw)
    from pimnoc.workload.zoo import build_model

    kwargs = {"input_hw": input_hw or DEFAULT_INPUT_HW}
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    if seq_len is not None:
        kwargs["seq_len"] = seq_len
    return build_model(model, **kwargs)
