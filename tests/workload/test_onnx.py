"""ONNX import: small graphs built with onnx.helper, and zoo models exported and read back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from pimnoc.errors import WorkloadError
from pimnoc.workload.ir import Workload
from pimnoc.workload.onnx import load_onnx, supported_ops
from pimnoc.workload.zoo import build_model

Check = Callable[[Workload], None]
FLOAT = TensorProto.FLOAT


def weight(name: str, *dims: int, external: bool = False) -> TensorProto:
    """A zero float initializer, or one whose data lives in a file that does not exist."""
    if not external:
        return helper.make_tensor(name, FLOAT, dims, [0.0] * max(1, _prod(dims)))
    tensor = TensorProto(name=name, data_type=FLOAT, dims=dims)
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "missing_weights.bin"), ("offset", "0"),
                       ("length", str(4 * _prod(dims)))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _prod(dims: Sequence[int]) -> int:
    result = 1
    for d in dims:
        result *= d
    return result


def bn(prefix: str, x: str, channels: int, inits: list[TensorProto]) -> onnx.NodeProto:
    """A BatchNormalization node (scale, bias, mean, var) reading `x`, writing prefix:out."""
    names = [f"{prefix}.{p}" for p in ("weight", "bias", "mean", "var")]
    inits.extend(weight(n, channels) for n in names)
    return helper.make_node("BatchNormalization", [x, *names], [f"{prefix}:out"], name=prefix)


def save(path: Path, nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
         output: str, inits: list[TensorProto], value_info: Sequence = ()) -> Path:
    """Write a one-output model (opset 17) without checking its weights' data."""
    graph = helper.make_graph(nodes, "test", inputs,
                              [helper.make_tensor_value_info(output, FLOAT, None)], inits,
                              value_info=list(value_info))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    return path


def image(name: str, channels: int, hw: int | str) -> onnx.ValueInfoProto:
    """An NCHW float input."""
    return helper.make_tensor_value_info(name, FLOAT, [1, channels, hw, hw])


# -- small graphs ---------------------------------------------------------------------------


def conv_bn_relu_pool_gemm(tmp_path: Path, **weights_kw: bool) -> Path:
    """input(3x32x32) -> conv3x3(16)+bias -> BN -> ReLU -> maxpool2 -> flatten -> gemm(10)."""
    inits: list[TensorProto] = [weight("conv.w", 16, 3, 3, 3, **weights_kw),
                                weight("conv.b", 16, **weights_kw),
                                weight("fc.w", 10, 16 * 16 * 16, **weights_kw),
                                weight("fc.b", 10, **weights_kw)]
    nodes = [
        helper.make_node("Conv", ["x", "conv.w", "conv.b"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        bn("bn", "c", 16, inits),
        helper.make_node("Relu", ["bn:out"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1),
    ]
    return save(tmp_path / "chain.onnx", nodes, [image("x", 3, 32)], "y", inits)


CHAIN_PARAMS = (16 * 27 + 16 + 2 * 16) + (4096 * 10 + 10)
CHAIN_MACS = 16 * 27 * 32 * 32 + 4096 * 10


def test_conv_bn_relu_pool_gemm(tmp_path: Path, assert_consistent: Check) -> None:
    workload = load_onnx(conv_bn_relu_pool_gemm(tmp_path))
    assert [(layer.name, layer.op) for layer in workload.layers] == [
        ("x", "input"), ("conv", "conv"), ("pool", "pool"), ("fc", "linear")]
    conv, pool, fc = (workload.layer(n) for n in ("conv", "pool", "fc"))
    assert (conv.cin, conv.cout, conv.in_hw, conv.out_hw) == (3, 16, (32, 32), (32, 32))
    assert (conv.kernel, conv.stride, conv.padding) == ((3, 3), (1, 1), (1, 1))
    assert conv.bias and conv.norm_params == 32
    assert (pool.mode, pool.out_hw, pool.kernel, pool.preds) == ("max", (16, 16), (2, 2),
                                                                 ("conv",))
    assert (fc.cin, fc.cout, fc.bias, fc.preds) == (4096, 10, True, ("pool",))
    assert workload.params == CHAIN_PARAMS
    assert workload.macs == CHAIN_MACS
    assert workload.name == "chain"
    assert_consistent(workload)


def test_external_weights_missing(tmp_path: Path) -> None:
    workload = load_onnx(conv_bn_relu_pool_gemm(tmp_path, external=True))
    assert not (tmp_path / "missing_weights.bin").exists()
    assert (workload.params, workload.macs) == (CHAIN_PARAMS, CHAIN_MACS)


def test_stripped_initializers_use_value_info(tmp_path: Path) -> None:
    path = conv_bn_relu_pool_gemm(tmp_path)
    model = onnx.load(str(path))
    infos = [helper.make_tensor_value_info(t.name, FLOAT, list(t.dims))
             for t in model.graph.initializer]
    del model.graph.initializer[:]
    model.graph.value_info.extend(infos)
    path.write_bytes(model.SerializeToString())
    workload = load_onnx(path)
    assert (workload.params, workload.macs) == (CHAIN_PARAMS, CHAIN_MACS)
    assert [layer.op for layer in workload.layers] == ["input", "conv", "pool", "linear"]


def test_initializers_listed_as_inputs(tmp_path: Path) -> None:
    path = conv_bn_relu_pool_gemm(tmp_path)
    model = onnx.load(str(path))
    model.graph.input.extend(helper.make_tensor_value_info(t.name, FLOAT, list(t.dims))
                             for t in model.graph.initializer)
    path.write_bytes(model.SerializeToString())
    workload = load_onnx(path)
    assert [layer.op for layer in workload.layers].count("input") == 1
    assert workload.params == CHAIN_PARAMS


def gap_classifier(tmp_path: Path, hw: int | str) -> Path:
    """conv3x3 stride 2 -> GlobalAveragePool -> Flatten -> Gemm: any input size works."""
    inits = [weight("w", 8, 3, 3, 3), weight("fc.w", 5, 8), weight("fc.b", 5)]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Clip", ["c"], ["a"], name="relu6"),
        helper.make_node("GlobalAveragePool", ["a"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1),
        helper.make_node("Softmax", ["y"], ["s"], name="softmax", axis=1),
    ]
    x = helper.make_tensor_value_info("x", FLOAT, ["N", 3, hw, hw])
    return save(tmp_path / "gap.onnx", nodes, [x], "s", inits)


def test_input_hw_override(tmp_path: Path, assert_consistent: Check) -> None:
    path = gap_classifier(tmp_path, "H")
    with pytest.raises(WorkloadError, match="input_hw"):
        load_onnx(path)
    for input_hw, conv_hw in ((32, 16), (224, 112)):
        workload = load_onnx(path, input_hw=input_hw)
        assert workload.layer("x").out_hw == (input_hw, input_hw)
        assert workload.layer("conv").out_hw == (conv_hw, conv_hw)
        gap = workload.layer("gap")
        assert (gap.mode, gap.kernel, gap.out_hw) == ("adaptive_avg", (conv_hw, conv_hw), (1, 1))
        assert workload.layer("softmax").op == "softmax"
        assert workload.macs == 8 * 27 * conv_hw**2 + 8 * 5
        assert_consistent(workload)
    # a fixed-size model is resized too (stale inferred shapes are dropped)
    fixed = load_onnx(gap_classifier(tmp_path, 64), input_hw=32)
    assert fixed.layer("conv").out_hw == (16, 16)


def test_residual_block(tmp_path: Path, assert_consistent: Check) -> None:
    inits = [weight(f"w{i}", 8, 8, 3, 3) for i in range(3)] + [weight("shift", 1, 8, 1, 1)]
    nodes = [
        helper.make_node("Conv", ["x", "w0"], ["c0"], name="conv0", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
        helper.make_node("Conv", ["r0", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r0"], ["s"], name="add"),
        helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
        helper.make_node("Add", ["r2", "shift"], ["y"], name="bias_add"),  # constant: fused
    ]
    workload = load_onnx(save(tmp_path / "res.onnx", nodes, [image("x", 8, 16)], "y", inits))
    assert [layer.name for layer in workload.layers] == ["x", "conv0", "conv1", "conv2", "add"]
    add = workload.layer("add")
    assert add.op == "add" and add.preds == ("conv2", "conv0")
    assert (add.cin, add.out_hw) == (8, (16, 16))
    index = workload.index
    assert (index["conv0"], index["add"]) in workload.edges  # the skip edge
    assert sorted(workload.successors[index["conv0"]]) == [index["conv1"], index["add"]]
    assert_consistent(workload)


def test_concat(tmp_path: Path, assert_consistent: Check) -> None:
    inits = [weight("wa", 8, 4, 1, 1), weight("wb", 4, 4, 3, 3), weight("wc", 6, 16, 1, 1)]
    nodes = [
        helper.make_node("Conv", ["x", "wa"], ["a"], name="branch_a"),
        helper.make_node("Conv", ["x", "wb"], ["b"], name="branch_b", pads=[1, 1, 1, 1]),
        helper.make_node("Concat", ["x", "a", "b"], ["cat"], name="cat", axis=1),
        helper.make_node("Conv", ["cat", "wc"], ["y"], name="", kernel_shape=[1, 1]),
    ]
    workload = load_onnx(save(tmp_path / "cat.onnx", nodes, [image("x", 4, 8)], "y", inits))
    cat = workload.layer("cat")
    assert cat.op == "concat" and cat.preds == ("x", "branch_a", "branch_b")
    assert (cat.cin, cat.cout, cat.out_hw) == (16, 16, (8, 8))
    last = workload.layers[-1]
    assert last.name == "Conv_4" and last.cin == 16 and last.preds == ("cat",)
    assert_consistent(workload)


def test_squeeze_excitation_mul(tmp_path: Path, assert_consistent: Check) -> None:
    inits = [weight("w1", 2, 8, 1, 1), weight("b1", 2), weight("w2", 8, 2, 1, 1),
             weight("b2", 8)]
    nodes = [
        helper.make_node("GlobalAveragePool", ["x"], ["g"], name="se.avgpool"),
        helper.make_node("Conv", ["g", "w1", "b1"], ["f1"], name="se.fc1"),
        helper.make_node("Relu", ["f1"], ["r"], name="se.relu"),
        helper.make_node("Conv", ["r", "w2", "b2"], ["f2"], name="se.fc2"),
        helper.make_node("HardSigmoid", ["f2"], ["h"], name="se.hsig"),
        helper.make_node("Mul", ["x", "h"], ["y"], name="se.mul"),
    ]
    workload = load_onnx(save(tmp_path / "se.onnx", nodes, [image("x", 8, 7)], "y", inits))
    mul = workload.layer("se.mul")
    assert mul.op == "mul" and mul.preds == ("se.fc2", "x")  # scale first, then the feature
    assert (mul.cout, mul.out_hw) == (8, (7, 7))
    assert workload.params == 2 * 8 + 2 + 8 * 2 + 8
    assert_consistent(workload)


def test_matmul_with_bias_add(tmp_path: Path) -> None:
    inits = [weight("w", 12, 6), weight("b", 6)]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"], name="proj"),
             helper.make_node("Add", ["m", "b"], ["y"], name="proj_bias")]
    x = helper.make_tensor_value_info("x", FLOAT, [1, 12])
    workload = load_onnx(save(tmp_path / "mm.onnx", nodes, [x], "y", inits))
    proj = workload.layer("proj")
    assert (proj.op, proj.cin, proj.cout, proj.bias) == ("linear", 12, 6, True)
    assert workload.params == 12 * 6 + 6 and len(workload.layers) == 2


def test_alias_ops_and_shape_arithmetic(tmp_path: Path) -> None:
    """Legacy torch flatten: Reshape to [Shape(x)[0], -1] built from shape ops on constants."""
    inits = [weight("w", 4, 2, 3, 3), weight("fc.w", 3, 4 * 6 * 6),
             helper.make_tensor("zero", TensorProto.INT64, [], [0]),
             helper.make_tensor("axes", TensorProto.INT64, [1], [0]),
             helper.make_tensor("minus_one", TensorProto.INT64, [1], [-1])]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Sigmoid", ["c"], ["s"], name="sigmoid"),
        helper.make_node("Identity", ["s"], ["i"], name="identity"),
        helper.make_node("Dropout", ["i"], ["d"], name="dropout"),
        helper.make_node("Shape", ["d"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze"),
        helper.make_node("Concat", ["n1", "minus_one"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["d", "target"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "fc.w"], ["y"], name="fc", transB=1),
    ]
    workload = load_onnx(save(tmp_path / "alias.onnx", nodes, [image("x", 2, 8)], "y", inits))
    assert [layer.name for layer in workload.layers] == ["x", "conv", "fc"]
    assert workload.layer("fc").preds == ("conv",) and workload.layer("fc").cin == 144


def test_unsupported_op(tmp_path: Path) -> None:
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("SpaceToDepth", ["r"], ["y"], name="s2d", blocksize=2)]
    path = save(tmp_path / "bad_op.onnx", nodes, [image("x", 4, 8)], "y", [])
    with pytest.raises(WorkloadError, match=r"'s2d'.*SpaceToDepth.*not supported") as info:
        load_onnx(path)
    assert str(path) in str(info.value) and "Conv" in str(info.value)
    assert "Conv" in supported_ops() and "SpaceToDepth" not in supported_ops()


def test_unsorted_graph(tmp_path: Path) -> None:
    nodes = [helper.make_node("Relu", ["r"], ["y"], name="second"),
             helper.make_node("Relu", ["x"], ["r"], name="first")]
    path = save(tmp_path / "unsorted.onnx", nodes, [image("x", 4, 8)], "y", [])
    with pytest.raises(WorkloadError, match="'second'.*not topologically sorted"):
        load_onnx(path)


def test_dynamic_weight_rejected(tmp_path: Path) -> None:
    nodes = [helper.make_node("Relu", ["x2"], ["r"], name="relu"),  # x2 is data, not a weight
             helper.make_node("Conv", ["x", "r"], ["y"], name="dyn")]
    inputs = [image("x", 4, 8), helper.make_tensor_value_info("x2", FLOAT, [4, 4, 1, 1])]
    path = save(tmp_path / "dyn.onnx", nodes, inputs, "y", [])
    with pytest.raises(WorkloadError, match="'dyn'.*static weights"):
        load_onnx(path)


@pytest.mark.parametrize("content", [b"", b"\x00\xffthis is not an onnx model\x13\x37" * 10,
                                     b"hello world"])
def test_garbage_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.onnx"
    path.write_bytes(content)
    with pytest.raises(WorkloadError, match="garbage.onnx"):
        load_onnx(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkloadError, match="nope.onnx"):
        load_onnx(tmp_path / "nope.onnx")


# -- zoo models exported to ONNX and read back ------------------------------------------------


def export(workload: Workload, path: Path) -> Path:
    """Write `workload` as ONNX (BN + activation after weighted layers, external weights)."""
    nodes: list[onnx.NodeProto] = []
    inits: list[TensorProto] = []
    tensor: dict[str, str] = {}
    first = workload.layers[0]
    inputs = [image(first.name, first.cout, first.out_hw[0])]
    tensor[first.name] = first.name

    def w(name: str, *dims: int) -> str:
        inits.append(weight(name, *dims, external=True))
        return name

    for layer in workload.layers[1:]:
        x = [tensor[p] for p in layer.preds]
        out = f"{layer.name}:y"
        if layer.op == "conv":
            args = [x[0], w(f"{layer.name}.weight", layer.cout, layer.cin // layer.groups,
                            *layer.kernel)]
            if layer.bias:
                args.append(w(f"{layer.name}.bias", layer.cout))
            nodes.append(helper.make_node(
                "Conv", args, [out], name=layer.name, kernel_shape=list(layer.kernel),
                strides=list(layer.stride), pads=[*layer.padding, *layer.padding],
                group=layer.groups))
        elif layer.op == "linear":
            nodes.append(helper.make_node("Flatten", x, [f"{out}.flat"], name=""))
            args = [f"{out}.flat", w(f"{layer.name}.weight", layer.cout, layer.cin)]
            if layer.bias:
                args.append(w(f"{layer.name}.bias", layer.cout))
            nodes.append(helper.make_node("Gemm", args, [out], name=layer.name, transB=1))
        elif layer.op == "pool" and layer.out_hw == (1, 1) and layer.mode == "adaptive_avg":
            nodes.append(helper.make_node("GlobalAveragePool", x, [out], name=layer.name))
        elif layer.op == "pool":
            kind = "MaxPool" if layer.mode == "max" else "AveragePool"
            nodes.append(helper.make_node(
                kind, x, [out], name=layer.name, kernel_shape=list(layer.kernel),
                strides=list(layer.stride), pads=[*layer.padding, *layer.padding]))
        else:
            kind = {"add": "Add", "concat": "Concat", "mul": "Mul"}[layer.op]
            extra = {"axis": 1} if kind == "Concat" else {}
            nodes.append(helper.make_node(kind, x, [out], name=layer.name, **extra))
        if layer.norm_params:
            node = bn(f"{layer.name}.bn", out, layer.norm_params // 2, inits)
            nodes.append(node)
            out = node.output[0]
        if layer.op in ("conv", "add"):
            nodes.append(helper.make_node("HardSwish", [out], [f"{out}.act"], name=""))
            out = f"{out}.act"
        tensor[layer.name] = out
    return save(path, nodes, inputs, tensor[workload.layers[-1].name], inits)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large",
                                  "vgg16"])
def test_zoo_round_trip(name: str, tmp_path: Path, assert_consistent: Check) -> None:
    original = build_model(name)
    imported = load_onnx(export(original, tmp_path / f"{name}.onnx"))
    assert (imported.params, imported.macs) == (original.params, original.macs)
    assert len(imported.weighted_layers) == len(original.weighted_layers)
    assert [layer.name for layer in imported.layers] == [layer.name for layer in original.layers]
    for mine, theirs in zip(imported.layers, original.layers, strict=True):
        if theirs.op == "pool" and theirs.mode == "adaptive_avg" and theirs.out_hw != (1, 1):
            assert (mine.op, mine.out_hw) == ("pool", theirs.out_hw)  # VGG's 7x7 -> 7x7 pool
            continue
        assert mine == theirs, theirs.name
    assert_consistent(imported)



def test_run_file_input_hw_resizes_an_onnx_model(tmp_path: Path) -> None:
    """`input_hw` in a run file reaches the ONNX importer (it used to be ignored)."""
    from pimnoc.config import parse_run
    from pimnoc.evaluate import workloads_of

    path = gap_classifier(tmp_path, 64)
    design = {"integration": "2d", "pes": {"rows": 2, "cols": 2}}
    own = parse_run({"workload": {"networks": [{"model": str(path)}]}, "design": design})
    resized = parse_run({"workload": {"networks": [{"model": str(path), "input_hw": 32}]},
                         "design": design})
    assert workloads_of(own)[0].layer("conv").out_hw == (32, 32)
    assert workloads_of(resized)[0].layer("conv").out_hw == (16, 16)
