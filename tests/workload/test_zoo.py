"""The CNN zoo against torchvision's totals, plus shapes and dataflow edges."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pimnoc.errors import ConfigError, WorkloadError
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo import MODELS, build_model, model_names

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "data" / "cnn_models.json").read_text()
)["models"]

Check = Callable[[Workload], None]


def test_zoo_has_every_reference_model() -> None:
    assert set(REFERENCE) <= set(model_names())


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_totals_match_torchvision(name: str) -> None:
    workload = build_model(name)
    expected = REFERENCE[name]
    assert workload.params == expected["params"]
    assert workload.macs == expected["conv_linear_macs"]
    assert len(workload.weighted_layers) == expected["conv_linear_layers"]


@pytest.mark.parametrize("input_hw", [224, 32])
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_shapes_consistent(name: str, input_hw: int, assert_consistent: Check) -> None:
    workload = build_model(name, input_hw=input_hw)
    assert workload.layers[0].op == "input"
    assert workload.layers[0].out_hw == (input_hw, input_hw)
    assert_consistent(workload)
    assert workload.layers[-1].op == "linear" and workload.layers[-1].cout == 1000


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_cifar_changes_macs_not_params(name: str) -> None:
    imagenet, cifar = build_model(name), build_model(name, input_hw=32)
    assert cifar.params == imagenet.params  # the architecture stays torchvision's
    assert cifar.macs < imagenet.macs


def test_num_classes() -> None:
    workload = build_model("resnet18", input_hw=32, num_classes=10)
    fc = workload.layer("fc")
    assert (fc.cin, fc.cout) == (512, 10)
    assert workload.params == REFERENCE["resnet18"]["params"] - 990 * 513


def test_resnet50_residual_edges() -> None:
    workload = build_model("resnet50")
    adds = [layer for layer in workload.layers if layer.op == "add"]
    assert len(adds) == 16
    assert all(len(layer.preds) == 2 for layer in adds)
    assert workload.layer("layer1.0.add").preds == ("layer1.0.conv3", "layer1.0.downsample.0")
    # identity skip: the block input feeds the add directly
    assert workload.layer("layer1.1.add").preds == ("layer1.1.conv3", "layer1.0.add")
    assert workload.layer("layer1.1.conv1").preds == ("layer1.0.add",)
    assert workload.layer("layer2.0.conv2").stride == (2, 2)  # v1.5: stride on the 3x3
    assert workload.layer("layer2.0.downsample.0").stride == (2, 2)
    index = workload.index
    assert (index["layer1.0.add"], index["layer1.1.add"]) in workload.edges
    assert sum(1 for layer in workload.layers if "downsample" in layer.name) == 4


def test_resnet18_basic_blocks() -> None:
    workload = build_model("resnet18")
    assert sum(layer.op == "add" for layer in workload.layers) == 8
    assert "layer1.0.downsample.0" not in workload.index
    assert workload.layer("layer4.1.add").out_hw == (7, 7)
    assert workload.layer("maxpool").out_hw == (56, 56)


def test_densenet121_dense_connections() -> None:
    workload = build_model("densenet121")
    block = "features.denseblock1"
    new_features = [f"{block}.denselayer{i}.conv2" for i in range(1, 7)]
    assert workload.layer(f"{block}.denselayer1.conv1").preds == ("features.pool0",)
    for i in range(2, 7):
        concat = workload.layer(f"{block}.denselayer{i}.concat")
        assert concat.preds == ("features.pool0", *new_features[: i - 1])
        assert concat.cout == 64 + 32 * (i - 1)
        assert workload.layer(f"{block}.denselayer{i}.conv1").preds == (concat.name,)
    out = workload.layer(f"{block}.concat")
    assert out.preds == ("features.pool0", *new_features) and out.cout == 256
    assert workload.layer("features.transition1.conv").preds == (out.name,)
    assert workload.layer("features.transition1.conv").cout == 128
    assert workload.layer("features.denseblock4.concat").cout == 1024
    # layer i > 1 of a block concatenates i tensors, the block output n + 1
    into_concats = sum(len(layer.preds) for layer in workload.layers if layer.op == "concat")
    assert into_concats == sum(n * (n + 1) // 2 + n for n in (6, 12, 24, 16))
    # BN params: pre-activation norm1 on conv1, norm2 on conv1 too, norm5 on the pool
    conv1 = workload.layer(f"{block}.denselayer2.conv1")
    assert conv1.norm_params == 2 * 96 + 2 * 128
    assert workload.layer("avgpool").norm_params == 2 * 1024


def test_vgg_adaptive_pool_stays_7x7() -> None:
    for input_hw in (224, 32):
        workload = build_model("vgg16", input_hw=input_hw)
        pool = workload.layer("avgpool")
        assert pool.op == "pool" and pool.mode == "adaptive_avg" and pool.out_hw == (7, 7)
        assert workload.layer("classifier.0").cin == 512 * 7 * 7
    assert workload.layer("features.28").op == "conv"
    assert workload.layer("features.30").op == "pool"
    assert build_model("vgg19").layer("features.34").op == "conv"


def test_mobilenet_v3_squeeze_excitation() -> None:
    workload = build_model("mobilenet_v3_large")
    muls = [layer for layer in workload.layers if layer.op == "mul"]
    assert len(muls) == 8
    for mul in muls:
        scale, feature = (workload.layer(p) for p in mul.preds)
        assert scale.name.endswith(".fc2") and scale.bias
        assert feature.op == "conv" and feature.groups == feature.cout  # the depthwise conv
    se = "features.4.block.2"
    assert workload.layer(f"{se}.fc1").cout == 24 and workload.layer(f"{se}.fc2").cout == 72
    assert workload.layer(f"{se}.fc1").preds == (f"{se}.avgpool",)
    assert workload.layer("features.4.block.3.0").preds == (f"{se}.mul",)
    assert workload.layer("features.16.0").cout == 960


def test_mobilenet_v2_names_and_residuals() -> None:
    workload = build_model("mobilenet_v2")
    assert workload.layer("features.1.conv.0.0").groups == 32
    assert workload.layer("features.2.conv.1.0").groups == 96
    adds = [layer.name for layer in workload.layers if layer.op == "add"]
    assert len(adds) == 10
    assert "features.3.add" in adds and "features.2.add" not in adds


def test_unknown_model_suggests() -> None:
    expected = r"workload\.networks\[\]\.model.*did you mean 'resnet50'"
    with pytest.raises(ConfigError, match=expected):
        build_model("resnet_50")  # ("resnet5O" is now as close to the CIFAR resnet56)
    assert "resnet50" in MODELS


@pytest.mark.parametrize("input_hw", [0, 8])
def test_too_small_input(input_hw: int) -> None:
    with pytest.raises(WorkloadError, match="input_hw"):
        build_model("vgg16", input_hw=input_hw)


def test_to_dict_is_json() -> None:
    data = json.loads(json.dumps(build_model("densenet121", input_hw=32).to_dict()))
    assert data["totals"]["weighted_layers"] == 121
