"""ONNX graph -> Workload: operators become layers, shapes come from ONNX shape inference."""

# Weights are never read: a weight's shape comes from its initializer's dims or from
# `value_info`, so models with external or stripped weights import as well.

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import onnx
from onnx import ModelProto, NodeProto, ValueInfoProto

from pimnoc.errors import WorkloadError
from pimnoc.workload.ir import Layer, Workload, unique_name

__all__ = ["load_onnx", "supported_ops"]

Dims = tuple[int | None, ...]

ALIAS_OPS = frozenset({
    "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
    "Elu", "Selu", "Celu", "Softplus", "Softsign", "Gelu", "Mish", "ThresholdedRelu", "Erf",
    "Flatten", "Reshape", "Dropout", "Identity", "Squeeze", "Unsqueeze", "Cast",
    "Transpose", "Slice", "Split", "Expand", "Sqrt", "Reciprocal", "Neg", "Exp", "Abs",
})
"""Element-wise activations and layout/selection ops (no arithmetic worth a layer): every
output is the first input's data, held where that input was produced."""

SHAPE_OPS = frozenset({"Shape", "Size"})
"""Operators whose output is metadata of an activation, hence a constant."""

WEIGHT_INPUTS: dict[str, slice] = {
    "Conv": slice(1, None),
    "Gemm": slice(1, None),
    "MatMul": slice(1, 2),
    "BatchNormalization": slice(1, None),
    "InstanceNormalization": slice(1, None),
    "PRelu": slice(1, 2),
    "LayerNormalization": slice(1, None),
    "Gather": slice(0, 1),
}
"""Input positions that hold weights (used to tell weight-inputs from data inputs)."""

Handler = Callable[["_Importer", NodeProto], None]
_HANDLERS: dict[str, Handler] = {}


def _handles(*ops: str) -> Callable[[Handler], Handler]:
    """Register a handler for the ONNX operators `ops`."""

    def decorate(handler: Handler) -> Handler:
        for op in ops:
            _HANDLERS[op] = handler
        return handler

    return decorate


def supported_ops() -> list[str]:
    """ONNX operators the importer understands (on activations), sorted."""
    return sorted(set(_HANDLERS) | ALIAS_OPS | SHAPE_OPS)


def _dims(value_info: ValueInfoProto) -> Dims:
    """Static dims of a ValueInfoProto (None where symbolic or unknown)."""
    tensor_type = value_info.type.tensor_type
    if not tensor_type.HasField("shape"):
        return ()
    return tuple(d.dim_value if d.HasField("dim_value") else None
                 for d in tensor_type.shape.dim)


def _pair(values: Sequence[int], default: int) -> tuple[int, int]:
    """First two spatial values, padding 1D with `default` along the second axis."""
    values = list(values)[:2] + [default] * (2 - len(values[:2]))
    return values[0], values[1]


class _Importer:
    """Walks the nodes of one shape-inferred graph, appending layers."""

    def __init__(self, path: Path, model: ModelProto) -> None:
        self.path = path
        self.graph = model.graph
        self.layers: list[Layer] = []
        self.index: dict[str, int] = {}
        self.producer: dict[str, str] = {}
        self.constants: set[str] = {init.name for init in self.graph.initializer}
        self.shapes: dict[str, Dims] = {}
        for info in (*self.graph.input, *self.graph.value_info, *self.graph.output):
            self.shapes[info.name] = _dims(info)
        for init in self.graph.initializer:
            self.shapes[init.name] = tuple(int(d) for d in init.dims)
        self.node_outputs = {out for node in self.graph.node for out in node.output if out}
        self.walked_outputs: set[str] = set()
        self.sequence: set[str] = set()
        """Token-major tensors (N, [heads,] tokens, features): features are channels."""

    # -- errors and shapes --------------------------------------------------------------

    def error(self, node: NodeProto, message: str) -> WorkloadError:
        """A WorkloadError naming the file and the node."""
        label = node.name or f"<unnamed, output {node.output[0]!r}>"
        return WorkloadError(f"{self.path}: node '{label}' ({node.op_type}): {message}")

    def dims(self, node: NodeProto, tensor: str) -> tuple[int, ...]:
        """The static shape of `tensor` (batch dim may be symbolic), or a helpful error."""
        dims = self.shapes.get(tensor, ())
        if len(dims) < 2 or any(d is None for d in dims[1:]):
            raise self.error(
                node, f"tensor '{tensor}' has no static shape after shape inference "
                f"(got {list(dims) or 'none'}); pass input_hw=... to load_onnx or export the "
                "model with a fixed input size",
            )
        return tuple(1 if d is None else d for d in dims)

    def channels_hw(self, node: NodeProto, tensor: str) -> tuple[int, tuple[int, int]]:
        """(channels, (h, w)) of an NC[H[W]] tensor; a 2D tensor is (features, (1, 1)).

        A token-major tensor (N, [heads,] tokens, features) is (heads * features,
        (tokens, 1)), the zoo's layout of sequences.
        """
        dims = self.dims(node, tensor)
        if tensor in self.sequence and len(dims) >= 3:
            return math.prod(dims[1:-2]) * dims[-1], (dims[-2], 1)
        if len(dims) > 4:
            raise self.error(node, f"tensor '{tensor}' has rank {len(dims)}; pimnoc imports "
                             "1D and 2D feature maps only (rank <= 4)")
        return dims[1], _pair(dims[2:], 1)

    def input_shape(self, name: str) -> tuple[int, tuple[int, int]]:
        """(channels, (h, w)) of graph input `name`, or an error suggesting input_hw."""
        dims = self.shapes.get(name, ())
        if not 2 <= len(dims) <= 4 or any(d is None for d in dims[1:]):
            raise WorkloadError(
                f"{self.path}: graph input '{name}' has shape {list(dims)}; pimnoc needs a "
                "static (N, C[, H[, W]]) input: pass input_hw=... to load_onnx or export the "
                "model with a fixed input size"
            )
        return int(dims[1]), _pair([int(d) for d in dims[2:]], 1)  # type: ignore[arg-type]

    def weight_dims(self, node: NodeProto, tensor: str) -> tuple[int, ...]:
        """The shape of a constant weight input, or an error if it is unknown or dynamic."""
        if tensor in self.producer:
            raise self.error(node, f"weight '{tensor}' is computed at run time; pimnoc maps "
                             "only static weights to crossbars")
        dims = self.shapes.get(tensor, ())
        if not dims or any(d is None for d in dims):
            raise self.error(node, f"weight '{tensor}' has no known shape; keep its "
                             "initializer (data may be external) or its value_info")
        return tuple(int(d) for d in dims)

    # -- layers -------------------------------------------------------------------------

    def unique_name(self, wanted: str) -> str:
        """`wanted`, suffixed if a layer already has that name."""
        return unique_name(wanted, self.index)

    def emit(self, node: NodeProto, **fields: object) -> Layer:
        """Append a layer for `node` and map its first output to it."""
        return self.append(node.name or f"{node.op_type}_{len(self.layers)}", node.output[0],
                           **fields)

    def append(self, name: str, output: str, **fields: object) -> Layer:
        """Append a layer called `name` (made unique) producing tensor `output`."""
        layer = Layer(name=self.unique_name(name), **fields)  # type: ignore[arg-type]
        self.index[layer.name] = len(self.layers)
        self.layers.append(layer)
        self.producer[output] = layer.name
        return layer

    def alias(self, node: NodeProto, source: str) -> None:
        """Map `node`'s outputs to the layer producing `source` (no layer)."""
        for out in node.output:
            if out:
                self.producer[out] = self.producer[source]
                if source in self.sequence:
                    self.sequence.add(out)

    def amend(self, layer_name: str, **changes: object) -> None:
        """Replace fields of an already emitted layer (folding BN, bias)."""
        i = self.index[layer_name]
        self.layers[i] = replace(self.layers[i], **changes)

    def layer_of(self, tensor: str) -> Layer:
        """The layer producing activation `tensor`."""
        return self.layers[self.index[self.producer[tensor]]]

    def activations(self, node: NodeProto) -> list[str]:
        """`node`'s inputs that are activations, in order."""
        return [t for t in node.input if t in self.producer]

    def numel(self, tensor: str) -> int:
        """Element count of a tensor with a fully known shape (0 if unknown)."""
        dims = self.shapes.get(tensor, ())
        return math.prod(dims) if dims and None not in dims else 0

    # -- the walk -----------------------------------------------------------------------

    def add_inputs(self) -> None:
        """One `input` layer per graph input that carries data (not a weight)."""
        weights: set[str] = set()
        data_uses: set[str] = set()
        for node in self.graph.node:
            positions = WEIGHT_INPUTS.get(node.op_type, slice(0, 0))
            chosen = set(range(len(node.input))[positions])
            for i, tensor in enumerate(node.input):
                (weights if i in chosen else data_uses).add(tensor)
        for info in self.graph.input:
            name = info.name
            if name in self.constants or (name in weights and name not in data_uses):
                self.constants.add(name)
                continue
            channels, hw = self.input_shape(name)
            self.append(name, name, op="input", cin=channels, cout=channels, in_hw=hw,
                        out_hw=hw)
        if not self.layers:
            raise WorkloadError(f"{self.path}: the graph has no data input; every graph input "
                                "is an initializer, so there is nothing to run")

    def run(self) -> None:
        """Map every node, in graph order."""
        self.add_inputs()
        for node in self.graph.node:
            self.walk(node)
            self.walked_outputs.update(node.output)

    def walk(self, node: NodeProto) -> None:
        """Map one node to a layer, an alias or a constant."""
        for tensor in node.input:
            if tensor and tensor not in self.producer and tensor not in self.constants:
                if tensor in self.walked_outputs:
                    raise self.error(node, f"input '{tensor}' is a secondary output of an "
                                     "earlier node, which pimnoc does not map")
                if tensor in self.node_outputs:
                    raise self.error(node, f"input '{tensor}' is produced by a later node; "
                                     "the graph is not topologically sorted")
                self.constants.add(tensor)  # a weight whose initializer was stripped
        if not self.activations(node) or node.op_type in SHAPE_OPS:
            self.constants.update(out for out in node.output if out)
            return
        if node.op_type in ALIAS_OPS:
            self.map_alias(node)
            return
        handler = _HANDLERS.get(node.op_type)
        if handler is None:
            raise self.error(
                node, f"operator '{node.op_type}' is not supported by the ONNX importer; "
                f"supported: {', '.join(supported_ops())}. Replace it or use a zoo model",
            )
        handler(self, node)

    def map_alias(self, node: NodeProto) -> None:
        """Activations and layout ops: no layer; PRelu slopes count as extra parameters."""
        data = node.input[0]
        if data not in self.producer:
            raise self.error(node, f"its data input '{data}' is a constant; expected an "
                             "activation")
        if node.op_type == "PRelu" and len(node.input) > 1:
            source = self.layer_of(data)
            slope = self.numel(node.input[1])
            self.amend(source.name, extra_params=source.extra_params + slope)
        self.alias(node, data)


def _attrs(node: NodeProto) -> dict[str, object]:
    """Node attributes as Python values."""

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _auto_pad(attrs: dict[str, object], in_hw: tuple[int, int], out_hw: tuple[int, int],
              kernel: tuple[int, int], stride: tuple[int, int],
              dilation: tuple[int, int]) -> tuple[int, int]:
    """Leading padding per spatial axis from `pads` or `auto_pad`."""
    mode = attrs.get("auto_pad", b"NOTSET")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        padding = []
        for i in range(2):
            total = max(0, (out_hw[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1)
                        + 1 - in_hw[i])
            padding.append(total // 2 if mode == "SAME_UPPER" else (total + 1) // 2)
        return padding[0], padding[1]
    pads = list(attrs.get("pads", []))
    return _pair(pads[: len(pads) // 2], 0)


def _window(imp: _Importer, node: NodeProto, kernel_dims: Sequence[int]
            ) -> dict[str, object]:
    """Shape fields shared by convs and pools: channels, sizes, kernel, stride, padding."""
    x, y = node.input[0], node.output[0]
    cin, in_hw = imp.channels_hw(node, x)
    cout, out_hw = imp.channels_hw(node, y)
    attrs = _attrs(node)
    kernel = _pair(kernel_dims, 1)
    stride = _pair(attrs.get("strides", []), 1)
    dilation = _pair(attrs.get("dilations", []), 1)
    padding = _auto_pad(attrs, in_hw, out_hw, kernel, stride, dilation)
    return {"cin": cin, "cout": cout, "in_hw": in_hw, "out_hw": out_hw, "kernel": kernel,
            "stride": stride, "padding": padding, "preds": (imp.producer[x],)}


@_handles("Conv")
def _conv(imp: _Importer, node: NodeProto) -> None:
    """Conv -> conv; weight shape (Cout, Cin/groups, kH[, kW]), bias if a third input."""
    inputs = list(node.input)
    weight = imp.weight_dims(node, inputs[1])
    attrs = _attrs(node)
    fields = _window(imp, node, attrs.get("kernel_shape", weight[2:]))
    groups = int(attrs.get("group", 1))
    bias = len(inputs) > 2 and bool(inputs[2])
    if bias and inputs[2] in imp.producer:
        raise imp.error(node, "its bias is an activation; expected a constant")
    imp.emit(node, op="conv", groups=groups, bias=bias, **fields)


@_handles("Gemm")
def _gemm(imp: _Importer, node: NodeProto) -> None:
    """Gemm with a constant B -> linear; C (if given) is its bias."""
    inputs = list(node.input)
    if inputs[0] not in imp.producer:
        raise imp.error(node, "its first input A is a constant; pimnoc maps Gemm as "
                        "activation x constant weight")
    attrs = _attrs(node)
    rows, cols = imp.weight_dims(node, inputs[1])
    cin, cout = (cols, rows) if attrs.get("transB", 0) else (rows, cols)
    bias = len(inputs) > 2 and bool(inputs[2])
    if bias and inputs[2] in imp.producer:
        raise imp.error(node, "its C input is an activation; expected a constant bias")
    rows = imp.dims(node, inputs[0])[0] if attrs.get("transA", 0) == 0 else 1
    positions = (max(1, rows), 1)  # each row of A is one MVM (tokens of a flattened sequence)
    imp.emit(node, op="linear", cin=cin, cout=cout, preds=(imp.producer[inputs[0]],),
             bias=bias, in_hw=positions, out_hw=positions)


@_handles("MatMul")
def _matmul(imp: _Importer, node: NodeProto) -> None:
    """MatMul by a constant (K, N) matrix -> linear (bias may follow as Add); of two
    activations (attention's QK^T and AV) -> matmul."""
    a, b = node.input
    if a not in imp.producer:
        raise imp.error(node, "its first input is a constant; pimnoc maps MatMul as "
                        "activation x weight or activation x activation")
    if b in imp.producer:
        _dynamic_matmul(imp, node)
        return
    weight = imp.weight_dims(node, b)
    if len(weight) != 2:
        raise imp.error(node, f"weight '{b}' has rank {len(weight)}; expected a (K, N) matrix")
    dims = imp.dims(node, a)
    # every row of the (..., K) input is one MVM: tokens, whichever axis the batch is on
    positions = (math.prod(dims[:-1]), 1)
    imp.emit(node, op="linear", cin=weight[0], cout=weight[1], in_hw=positions,
             out_hw=positions, preds=(imp.producer[a],))
    if len(dims) >= 3:
        imp.sequence.add(node.output[0])


def _dynamic_matmul(imp: _Importer, node: NodeProto) -> None:
    """(..., M, K) x (..., K, N) of two activations -> matmul: M positions, heads = the
    product of the batch dims after the first, `heads * N` sums of K terms each (as the
    zoo's QK^T and AV)."""
    a, b = node.input
    a_dims, out_dims = imp.dims(node, a), imp.dims(node, node.output[0])
    if len(a_dims) < 3 or len(out_dims) < 3:
        raise imp.error(node, f"a product of two activations of ranks {len(a_dims)} and "
                        f"{len(imp.dims(node, b))}; pimnoc maps batched (N, [heads,] M, K) "
                        "products (attention)")
    heads = math.prod(out_dims[1:-2])
    tokens, contraction = out_dims[-2], a_dims[-1]
    preds = tuple(dict.fromkeys((imp.producer[a], imp.producer[b])))
    imp.emit(node, op="matmul", cin=contraction, cout=heads * out_dims[-1],
             in_hw=(tokens, 1), out_hw=(tokens, 1), groups=heads, preds=preds)
    imp.sequence.add(node.output[0])


@_handles("LayerNormalization")
def _layer_norm(imp: _Importer, node: NodeProto) -> None:
    """LayerNormalization over the features of each token -> layernorm (scale and bias)."""
    x = node.input[0]
    if len(imp.dims(node, x)) >= 3:
        imp.sequence.add(x)
    channels, hw = imp.channels_hw(node, x)
    imp.emit(node, op="layernorm", cin=channels, cout=channels, in_hw=hw, out_hw=hw,
             preds=(imp.producer[x],), norm_params=2 * channels)
    if x in imp.sequence:
        imp.sequence.add(node.output[0])


@_handles("Gather")
def _gather(imp: _Importer, node: NodeProto) -> None:
    """Rows of a constant table picked by an activation -> embedding; a constant index
    into an activation (Q, K or V of a packed projection) -> no layer."""
    data, indices = node.input[0], node.input[1]
    if data in imp.producer:
        imp.alias(node, data)
        return
    table = imp.weight_dims(node, data)
    out_dims = imp.dims(node, node.output[0])
    tokens = math.prod(out_dims[1:-1]) if len(out_dims) >= 3 else 1
    imp.emit(node, op="embedding", cin=1, cout=table[-1], in_hw=(tokens, 1),
             out_hw=(tokens, 1), preds=(imp.producer[indices],), extra_params=math.prod(table))
    if len(out_dims) >= 3:
        imp.sequence.add(node.output[0])


@_handles("BatchNormalization", "InstanceNormalization")
def _batch_norm(imp: _Importer, node: NodeProto) -> None:
    """Fold scale and bias (2*C parameters) into the layer producing the input."""
    x = node.input[0]
    channels = imp.numel(node.input[1]) or imp.channels_hw(node, x)[0]
    source = imp.layer_of(x)
    imp.amend(source.name, norm_params=source.norm_params + 2 * channels)
    imp.alias(node, x)


@_handles("Add", "Sub", "Sum", "Mul", "Div")
def _elementwise(imp: _Importer, node: NodeProto) -> None:
    """Two or more activations -> add (Add/Sub/Sum) or mul (Mul/Div); constants are fused."""
    tensors = imp.activations(node)
    if len({imp.producer[t] for t in tensors}) == 1:
        source = imp.layer_of(tensors[0])
        constant = next((t for t in node.input if t and t not in imp.producer), None)
        if (node.op_type == "Add" and constant is not None
                and source.weighted and not source.bias
                and imp.numel(constant) == source.cout):
            imp.amend(source.name, bias=True)  # MatMul + Add(bias) = a linear with bias
        imp.alias(node, tensors[0])
        return
    y = node.output[0]
    if any(t in imp.sequence for t in tensors):
        imp.sequence.add(y)
    channels, hw = imp.channels_hw(node, y)
    out_dims = imp.dims(node, y)
    # broadcast operands (e.g. a squeeze-excitation scale) first, the full-size feature last
    ordered = sorted(tensors, key=lambda t: imp.shapes.get(t, ())[1:] == out_dims[1:])
    preds = list(dict.fromkeys(imp.producer[t] for t in ordered))
    op = "mul" if node.op_type in ("Mul", "Div") else "add"
    imp.emit(node, op=op, cin=channels, cout=channels, in_hw=hw, out_hw=hw, preds=tuple(preds))


@_handles("Concat")
def _concat(imp: _Importer, node: NodeProto) -> None:
    """Concatenation of activations -> concat (constant operands are ignored)."""
    tensors = imp.activations(node)
    if len(tensors) == 1:
        imp.alias(node, tensors[0])
        return
    if any(t in imp.sequence for t in tensors):
        imp.sequence.add(node.output[0])
    channels, hw = imp.channels_hw(node, node.output[0])
    preds = tuple(dict.fromkeys(imp.producer[t] for t in tensors))
    imp.emit(node, op="concat", cin=channels, cout=channels, in_hw=hw, out_hw=hw, preds=preds)


@_handles("MaxPool", "AveragePool")
def _pool(imp: _Importer, node: NodeProto) -> None:
    """Windowed pooling -> pool (mode max / avg)."""
    attrs = _attrs(node)
    fields = _window(imp, node, attrs["kernel_shape"])
    mode = "max" if node.op_type == "MaxPool" else "avg"
    imp.emit(node, op="pool", mode=mode, **fields)


@_handles("GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax")
def _global_pool(imp: _Importer, node: NodeProto) -> None:
    """Pooling over the whole feature map -> pool to 1x1 (adaptive_avg, or max)."""
    x = node.input[0]
    cin, in_hw = imp.channels_hw(node, x)
    if node.op_type.startswith("Reduce"):
        rank = len(imp.dims(node, x))
        axes = _reduce_axes(imp, node)
        if axes is None or sorted(a % rank for a in axes) != list(range(2, rank)) or rank < 3:
            raise imp.error(node, f"reduces axes {axes}; only a reduction over all spatial "
                            "axes (a global pool) is supported")
    mode = "adaptive_avg" if "Average" in node.op_type or "Mean" in node.op_type else "max"
    imp.emit(node, op="pool", mode=mode, cin=cin, cout=cin, in_hw=in_hw, out_hw=(1, 1),
             kernel=in_hw, preds=(imp.producer[x],))


def _reduce_axes(imp: _Importer, node: NodeProto) -> list[int] | None:
    """Axes of a Reduce* node, from its attribute or a constant second input."""
    attrs = _attrs(node)
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    if len(node.input) < 2 or not node.input[1]:
        return None
    name = node.input[1]
    for init in imp.graph.initializer:
        if init.name == name and not init.external_data:
            return [int(a) for a in onnx.numpy_helper.to_array(init).ravel()]
    for other in imp.graph.node:
        if other.op_type == "Constant" and name in other.output:
            value = onnx.numpy_helper.to_array(_attrs(other)["value"])
            return [int(a) for a in value.ravel()]
    return None


@_handles("Softmax", "LogSoftmax")
def _softmax(imp: _Importer, node: NodeProto) -> None:
    """Softmax over a 2D (batch, classes) or feature-map tensor -> softmax."""
    x = node.input[0]
    if len(imp.dims(node, x)) >= 3 and int(_attrs(node).get("axis", -1)) in (-1, len(
            imp.dims(node, x)) - 1):
        imp.sequence.add(x)  # along the last axis of (N, [heads,] tokens, keys): attention
    channels, hw = imp.channels_hw(node, x)
    if x in imp.sequence:
        imp.sequence.add(node.output[0])
    imp.emit(node, op="softmax", cin=channels, cout=channels, in_hw=hw, out_hw=hw,
             preds=(imp.producer[x],))


def _read_model(path: Path) -> ModelProto:
    """`onnx.load` without external weights, with errors that name the path."""

    if not path.is_file():
        raise WorkloadError(f"{path}: no such ONNX file; check the model path")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises several types for corrupt files
        raise WorkloadError(
            f"{path}: not a readable ONNX model ({type(exc).__name__}: {exc}); re-export it "
            "with torch.onnx.export or onnx.save"
        ) from exc
    if model.ir_version == 0 or not model.graph.node or not model.graph.input:
        raise WorkloadError(
            f"{path}: not a valid ONNX model (no IR version, nodes or inputs); re-export it "
            "with torch.onnx.export or onnx.save"
        )
    return model


def _set_input_hw(model: ModelProto, input_hw: int) -> None:
    """Fix every data input to batch 1 and `input_hw` pixels; drop now-stale shapes."""
    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    for info in graph.input:
        if info.name in initializers or not info.type.tensor_type.HasField("shape"):
            continue
        dims = info.type.tensor_type.shape.dim
        if len(dims) < 3:
            continue
        for i, dim in enumerate(dims):
            if i == 0 and not dim.HasField("dim_value"):
                dim.dim_value = 1
            elif i >= 2:
                dim.dim_value = input_hw
    del graph.value_info[:]
    for info in graph.output:
        info.type.tensor_type.ClearField("shape")


def load_onnx(path: str | Path, input_hw: int | None = None) -> Workload:
    """Import an ONNX model as a Workload; `input_hw` overrides the inputs' spatial size."""

    path = Path(path)
    model = _read_model(path)
    if input_hw is not None:
        if input_hw < 1:
            raise WorkloadError(f"{path}: input_hw={input_hw} must be a positive pixel count")
        _set_input_hw(model, input_hw)
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception as exc:
        raise WorkloadError(
            f"{path}: ONNX shape inference failed ({type(exc).__name__}: {exc}); check the "
            "model with onnx.checker.check_model or pass a valid input_hw"
        ) from exc
    importer = _Importer(path, model)
    importer.run()
    opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    return Workload(path.stem, tuple(importer.layers),
                    {"source": str(path), "graph": model.graph.name, "opset": opset,
                     "input_hw": input_hw})
