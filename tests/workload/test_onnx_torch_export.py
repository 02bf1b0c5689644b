"""ONNX files exported by torch.onnx in the test itself: a CNN and an nn.TransformerEncoder
import with the parameters and MACs of the torch.fx import and of the zoo's blocks."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed: pip install 'pimnoc[torch]' (torch==2.13.0, CPU)")
pytest.importorskip("onnxscript", reason="torch.onnx.export needs onnxscript: pip install "
                                         "'pimnoc[torch]'")
nn = torch.nn

from pimnoc.config import parse_run  # noqa: E402
from pimnoc.evaluate import evaluate  # noqa: E402
from pimnoc.workload.builder import GraphBuilder  # noqa: E402
from pimnoc.workload.onnx import load_onnx  # noqa: E402
from pimnoc.workload.torch_fx import load_torch  # noqa: E402
from pimnoc.workload.zoo.transformer import BERT_NAMES, TransformerConfig, block  # noqa: E402

TOKENS, FEATURES, HIDDEN, HEADS, FFN, LAYERS, CLASSES = 8, 16, 64, 4, 128, 2, 10


def params_of(module) -> int:
    return sum(p.numel() for p in module.parameters())


def export(module, shape: tuple[int, ...], path) -> str:
    """torch.onnx.export (the default exporter of torch 2.13) with every parameter random, so
    that its optimiser cannot drop an all-zero bias."""
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (torch.randn(*shape),), str(path), dynamo=True,
                          verbose=False)
    return str(path)


class SmallCNN(nn.Module):
    """Conv-BN-ReLU, a residual block, max pool, global pool and a classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.conv1 = nn.Conv2d(16, 16, 3, 1, 1)
        self.conv2 = nn.Conv2d(16, 16, 3, 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = torch.relu(self.bn(self.stem(x)))
        x = self.pool(x + self.conv2(torch.relu(self.conv1(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class Encoder(nn.Module):
    """A stock nn.TransformerEncoder (post-norm, GELU) between two linear layers."""

    def __init__(self, norm_first: bool = False) -> None:
        super().__init__()
        self.embed = nn.Linear(FEATURES, HIDDEN)
        layer = nn.TransformerEncoderLayer(HIDDEN, HEADS, FFN, dropout=0.0, batch_first=True,
                                           activation="gelu", norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x)))


def zoo_encoder(pre_norm: bool):
    """The same stack from the zoo's transformer blocks."""
    g = GraphBuilder("zoo", FEATURES, (TOKENS, 1))
    x = g.dense("embed", "input", HIDDEN)
    cfg = TransformerConfig(hidden=HIDDEN, layers=LAYERS, heads=HEADS, ffn=FFN,
                            pre_norm=pre_norm)
    for k in range(LAYERS):
        x = block(g, f"layer.{k}", x, cfg, BERT_NAMES)
    g.dense("head", x, CLASSES)
    return g.build()


@pytest.fixture(scope="module")
def cnn_onnx(tmp_path_factory):
    module = SmallCNN()
    return module, export(module, (1, 3, 16, 16), tmp_path_factory.mktemp("cnn") / "cnn.onnx")


@pytest.fixture(scope="module")
def encoder_onnx(tmp_path_factory):
    module = Encoder()
    path = tmp_path_factory.mktemp("enc") / "encoder.onnx"
    return module, export(module, (1, TOKENS, FEATURES), path)


def test_exported_cnn_matches_torch_fx(cnn_onnx, assert_consistent):
    module, path = cnn_onnx
    imported = load_onnx(path)
    traced = load_torch(module, (1, 3, 16, 16))
    assert traced.params == params_of(module)
    # the exporter folds the eval-mode batch norm into the stem: its scale and shift
    # (2 x 16) become the conv's bias (16)
    assert not any(layer.norm_params for layer in imported.layers)
    assert imported.params == traced.params - 16
    assert imported.macs == traced.macs > 0
    assert ([(layer.op, layer.cin, layer.cout) for layer in imported.weighted_layers]
            == [(layer.op, layer.cin, layer.cout) for layer in traced.weighted_layers])
    assert_consistent(imported)


def test_exported_transformer_encoder_imports(encoder_onnx):
    module, path = encoder_onnx
    imported = load_onnx(path)
    ops = [layer.op for layer in imported.layers]
    assert ops.count("matmul") == 2 * LAYERS and ops.count("softmax") == LAYERS
    assert ops.count("layernorm") == 2 * LAYERS
    assert imported.params == params_of(module)
    traced = load_torch(module, (1, TOKENS, FEATURES))
    zoo = zoo_encoder(pre_norm=False)
    assert imported.params == traced.params == zoo.params
    assert imported.macs == traced.macs == zoo.macs
    scores = next(layer for layer in imported.layers if layer.op == "matmul")
    assert scores.cin == HIDDEN // HEADS and scores.groups == HEADS
    assert scores.output_elements == HEADS * TOKENS * TOKENS


def test_exported_transformer_evaluates_on_a_heterogeneous_design(encoder_onnx):
    _module, path = encoder_onnx
    spec = parse_run({"workload": {"networks": [{"model": path}]},
                      "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4},
                                 "digital": {"fraction": 0.25}}})
    result = evaluate(spec)
    assert result.latency_s > 0 and result.energy_j["total"] > 0
    assert any(row["runs_on"] == "digital PEs" for row in result.per_layer)


@pytest.mark.parametrize("norm_first", [False, True])
def test_torch_fx_maps_a_stock_transformer_encoder(norm_first):
    module = Encoder(norm_first)
    traced = load_torch(module, (1, TOKENS, FEATURES))
    zoo = zoo_encoder(pre_norm=norm_first)
    assert traced.params == params_of(module) == zoo.params
    assert traced.macs == zoo.macs


def test_torch_fx_maps_a_stock_encoder_layer():
    layer = nn.TransformerEncoderLayer(HIDDEN, HEADS, FFN, dropout=0.0, batch_first=True)
    traced = load_torch(layer, (1, TOKENS, HIDDEN))
    g = GraphBuilder("zoo", HIDDEN, (TOKENS, 1))
    block(g, "l", "input", TransformerConfig(hidden=HIDDEN, heads=HEADS, ffn=FFN,
                                             pre_norm=False), BERT_NAMES)
    zoo = g.build()
    assert traced.params == params_of(layer) == zoo.params
    assert traced.macs == zoo.macs
