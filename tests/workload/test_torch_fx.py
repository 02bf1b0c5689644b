"""PyTorch import through torch.fx: parameters, MACs, attention and errors (needs torch)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed: pip install 'pimnoc[torch]' (torch==2.13.0, CPU)")
nn = torch.nn
F = torch.nn.functional

from pimnoc.errors import WorkloadError  # noqa: E402
from pimnoc.workload.builder import GraphBuilder  # noqa: E402
from pimnoc.workload.torch_fx import load_torch, tensor_layout  # noqa: E402
from pimnoc.workload.zoo.transformer import GPT2_NAMES, TransformerConfig, block  # noqa: E402


def params_of(module) -> int:
    return sum(p.numel() for p in module.parameters())


class ResidualNet(nn.Module):
    """Conv-BN-ReLU stem, max pool, a basic residual block, concat, global pool, classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 2, 1)
        self.pool = nn.MaxPool2d(2)
        self.conv1 = nn.Conv2d(16, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.stem(x)))
        y = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))) + x)
        return self.fc(torch.flatten(self.gap(torch.cat([x, y], 1)), 1))


class GPTBlock(nn.Module):
    """A GPT-2-style pre-norm block written with torch.matmul and softmax."""

    def __init__(self, d: int = 64, heads: int = 4, ffn: int = 256) -> None:
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc, self.mlp_proj = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.ln_1(x)

        def split(z):
            return z.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = torch.softmax(q @ k.transpose(-2, -1) * (d // self.heads) ** -0.5, dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.c_proj(ctx)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class TinyViT(nn.Module):
    """Embedding of token ids plus a learned position table, nn.MultiheadAttention, FFN."""

    def __init__(self, vocab: int = 100, tokens: int = 16, d: int = 64) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, tokens, d))
        self.ln = nn.LayerNorm(d)
        self.mha = nn.MultiheadAttention(d, 4, batch_first=True)
        self.ff1, self.ff2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, ids):
        x = self.emb(ids) + self.pos
        h = self.ln(x)
        a, _ = self.mha(h, h, h, need_weights=False)
        x = x + a
        return x + self.ff2(F.gelu(self.ff1(x)))


def test_cnn_params_macs_and_edges() -> None:
    module = ResidualNet()
    w = load_torch(module, (1, 3, 32, 32))
    assert w.params == params_of(module)
    stem = w.layer("stem")
    assert stem.op == "conv" and stem.out_hw == (16, 16) and stem.bias
    assert w.layer("conv1").norm_params == 32  # batch norm folded (weight + bias)
    adds = [layer for layer in w.layers if layer.op == "add"]
    assert len(adds) == 1 and set(adds[0].preds) == {"conv2", "pool"}
    assert w.layer("cat").op == "concat" and w.layer("cat").cout == 32
    expected = 16 * 16 * 27 * 16 + 2 * 8 * 8 * 144 * 16 + 32 * 10
    assert w.macs == expected


def test_gpt_block_matches_the_zoo_block() -> None:
    module = GPTBlock()
    w = load_torch(module, (1, 16, 64))
    assert w.params == params_of(module)
    ops = [layer.op for layer in w.layers]
    assert ops.count("matmul") == 2 and ops.count("softmax") == 1
    assert ops.count("layernorm") == 2 and ops.count("linear") == 6
    g = GraphBuilder("zoo", 64, (16, 1))
    block(g, "h.0", "input", TransformerConfig(hidden=64, heads=4, ffn=256), GPT2_NAMES)
    zoo = g.build()
    assert w.macs == zoo.macs  # projections, QK^T, AV and the MLP, MAC for MAC
    assert w.params == zoo.params
    scores = next(layer for layer in w.layers if layer.op == "matmul")
    assert scores.cin == 16 and scores.output_elements == 4 * 16 * 16


def test_multihead_attention_module_and_embedding() -> None:
    module = TinyViT()
    w = load_torch(module, (1, 16))
    assert w.params == params_of(module)  # incl. the directly read position table
    assert w.layers[0].out_hw == (16, 1)  # token ids are a sequence
    assert w.layer("emb").op == "embedding"
    assert {"mha.in_proj.q", "mha.in_proj.k", "mha.in_proj.v", "mha.scores", "mha.softmax",
            "mha.context", "mha.out_proj"} <= set(w.index)
    assert w.layer("mha.scores").preds == ("mha.in_proj.q", "mha.in_proj.k")
    assert w.layer("mha.context").macs == 16 * 16 * 64


def test_scaled_dot_product_attention() -> None:
    class SDPA(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = nn.Linear(32, 96)

        def forward(self, x):
            q, k, v = self.qkv(x).view(1, 8, 3, 2, 16).permute(2, 0, 3, 1, 4)
            return F.scaled_dot_product_attention(q, k, v)

    w = load_torch(SDPA(), (1, 8, 32))
    matmuls = [layer for layer in w.layers if layer.op == "matmul"]
    assert len(matmuls) == 2 and sum(m.macs for m in matmuls) == 2 * 2 * 8 * 8 * 16


def test_imported_workload_maps_onto_a_heterogeneous_design() -> None:
    from pimnoc.engines.compute.layer import layer_compute
    from pimnoc.hardware.digital import DigitalTech
    from pimnoc.hardware.heterogeneous import with_digital
    from pimnoc.hardware.system import SystemSpec, build_system
    from pimnoc.hardware.tech import NetworkTech, PeTech
    from pimnoc.mapping.mapper import attach_digital, map_workloads
    from pimnoc.mapping.placement import placement_order
    from pimnoc.traffic.flows import workload_flows

    w = load_torch(GPTBlock(), (1, 16, 64))
    topo = with_digital(build_system(SystemSpec("2d", 4, 4)), 0.25, "interleaved")
    mapping = attach_digital(map_workloads([w], topo, PeTech(), "hilbert"),
                             placement_order(topo, "hilbert"), DigitalTech())
    compute = layer_compute(mapping, NetworkTech())
    flows = workload_flows(mapping)
    assert sum(mapping.digital.placed(i) for i in range(mapping.num_layers)) == 5
    assert (compute.time_s > 0).sum() >= 13 and flows.bits.sum() > 0


def test_errors_name_the_problem() -> None:
    with pytest.raises(WorkloadError, match="batch of 1"):
        load_torch(GPTBlock(), (2, 16, 64))
    with pytest.raises(WorkloadError, match="LSTM"):
        load_torch(nn.Sequential(nn.LSTM(8, 8)), (1, 4, 8))

    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(WorkloadError, match="cannot trace"):
        load_torch(Branchy(), (1, 4))
    with pytest.raises(WorkloadError, match="example_input_shape"):
        load_torch(nn.Linear(8, 4), (1, 5))


def test_tensor_layout() -> None:
    assert tensor_layout((1, 3, 32, 32)) == (3, (32, 32))
    assert tensor_layout((1, 128, 768)) == (768, (128, 1))
    assert tensor_layout((1, 10)) == (10, (1, 1))
