"""Transformer zoo: exact parameter totals, attention structure, sequence length, decoding."""

from __future__ import annotations

import json

import pytest

from pimnoc.cli.main import main
from pimnoc.errors import WorkloadError
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo import build_model, model_names

# torchvision vit_b_16; transformers' default BertModel (with pooler) and GPT2Model.
PARAMS = {"vit_b_16": 86_567_656, "bert_base": 109_482_240, "gpt2": 124_439_808,
          "gpt2_decode": 124_439_808}


def check_sequence_shapes(w: Workload) -> None:
    """Every operator's input agrees with what its predecessors produce."""
    for layer in w.layers[1:]:
        preds = [w.layer(p) for p in layer.preds]
        assert preds, layer.name
        if layer.op == "linear":
            (pred,) = preds
            assert layer.cin == pred.cout * pred.positions // layer.positions, layer.name
        elif layer.op == "matmul":
            a, b = preds
            assert layer.in_hw == a.out_hw, layer.name
            heads = layer.groups
            if layer.name.endswith(".scores"):  # Q (T, H*d) x K^T -> (T, H*keys)
                assert a.cout == b.cout == heads * layer.cin, layer.name
            else:  # P (T, H*keys) x V (keys, H*d) -> (T, H*d)
                assert a.cout == heads * layer.cin and layer.cout == b.cout, layer.name
        elif layer.op in ("add", "layernorm", "softmax"):
            assert all(p.cout == layer.cin and p.out_hw == layer.in_hw for p in preds)
    sinks = [w.layers[i].name for i, s in enumerate(w.successors) if not s]
    assert sinks == [w.layers[-1].name]


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_parameter_totals_exact(name: str) -> None:
    w = build_model(name)
    assert w.params == PARAMS[name]
    check_sequence_shapes(w)


def test_registered() -> None:
    assert set(PARAMS) <= set(model_names())


def test_vit_macs_match_torchvision_gflops() -> None:
    # torchvision lists vit_b_16 at 17.56 GFLOPS (multiply-accumulates, incl. attention).
    w = build_model("vit_b_16")
    assert w.macs == 17_563_828_224
    assert w.layer("encoder.pos_embedding").out_hw == (197, 1)
    assert w.layer("heads.head").cin == 768 and w.layer("heads.head").positions == 1


def test_attention_structure() -> None:
    w = build_model("bert_base", seq_len=64)
    ops = [layer.op for layer in w.layers]
    assert ops.count("matmul") == 24 and ops.count("softmax") == 12
    assert ops.count("layernorm") == 25  # embeddings + 2 per block
    assert sum(layer.op == "linear" for layer in w.layers) == 12 * 6 + 1
    scores = w.layer("encoder.layer.0.attention.self.scores")
    assert scores.preds == ("encoder.layer.0.attention.self.query",
                            "encoder.layer.0.attention.self.key")
    assert (scores.cin, scores.cout, scores.positions, scores.groups) == (64, 12 * 64, 64, 12)
    assert scores.macs == 64 * 64 * 768
    ctx = w.layer("encoder.layer.0.attention.self.context")
    assert ctx.preds[1] == "encoder.layer.0.attention.self.value"
    q = w.layer("encoder.layer.0.attention.self.query")
    assert q.weighted and q.positions == 64 and q.cin == q.cout == 768


def test_seq_len_scales_tokens_not_params() -> None:
    short, long = build_model("gpt2", seq_len=32), build_model("gpt2", seq_len=256)
    assert short.params == long.params
    assert long.layer("h.0.mlp.c_fc").positions == 256
    # linear MACs grow with T, attention with T^2
    lin = [ly.macs for ly in long.layers if ly.op == "linear"]
    assert sum(lin) == 8 * sum(ly.macs for ly in short.layers if ly.op == "linear")
    att = [ly.macs for ly in long.layers if ly.op == "matmul"]
    assert sum(att) == 64 * sum(ly.macs for ly in short.layers if ly.op == "matmul")


def test_gpt2_decode_reads_the_kv_cache() -> None:
    w = build_model("gpt2_decode", seq_len=100)
    assert all(layer.positions == 1 for layer in w.layers)
    scores = w.layer("h.3.attn.scores")
    assert scores.mode == "kv_cache" and scores.cout == 12 * 100 and scores.macs == 100 * 768
    assert w.layer("h.3.attn.context").macs == 100 * 768
    prefill = build_model("gpt2", seq_len=100)
    assert w.macs < prefill.macs / 50


def test_seq_len_errors() -> None:
    with pytest.raises(WorkloadError, match="seq_len.*512"):
        build_model("bert_base", seq_len=513)
    with pytest.raises(WorkloadError, match="seq_len.*takes no"):
        build_model("vit_b_16", seq_len=16)
    with pytest.raises(WorkloadError, match="num_classes.*takes no"):
        build_model("gpt2", num_classes=10)
    with pytest.raises(WorkloadError, match="multiple of"):
        build_model("vit_b_16", input_hw=100)


def test_zoo_cli_json(capsys) -> None:
    assert main(["zoo", "bert_base", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["params"] == PARAMS["bert_base"]
    assert any(layer["op"] == "matmul" for layer in data["layers"])
