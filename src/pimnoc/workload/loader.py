"""Turn a workload config entry into a Workload: a zoo name or an ONNX file."""

from __future__ import annotations

from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo import build_model


def load_network(model: str, input_hw: int | None = None, num_classes: int | None = None,
                 seq_len: int | None = None) -> Workload:
    """Build a zoo model by name, or import an ONNX file when `model` ends in `.onnx`.

    `input_hw` None means the model's own size: the zoo model's (32 for the CIFAR networks,
    224 otherwise), the file's for ONNX.
    """
    if model.endswith(".onnx"):
        from pimnoc.workload.onnx import load_onnx  # onnx is heavy: only when a file is given

        return load_onnx(model, input_hw)
    kwargs = {"input_hw": input_hw}
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    if seq_len is not None:
        kwargs["seq_len"] = seq_len
    return build_model(model, **kwargs)
