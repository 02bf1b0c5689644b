"""ViT-B/16, BERT-base and GPT-2 small from their published configurations (no weights).

Sources of the configurations (and of the parameter totals the tests check exactly):
- ViT-B/16: Dosovitskiy et al., ICLR 2021, as built by torchvision's `vit_b_16`
  (patch 16, hidden 768, 12 layers, 12 heads, MLP 3072, pre-norm; 86,567,656 parameters).
- BERT-base: Devlin et al., NAACL 2019, as transformers' default `BertConfig` / `BertModel`
  with its pooler (vocab 30,522, 512 positions, 2 token types, post-norm; 109,482,240).
- GPT-2 small: Radford et al. 2019, as transformers' default `GPT2Config` / `GPT2Model`
  (vocab 50,257, 1,024 positions, pre-norm, no LM head since it is tied to `wte`;
  124,439,808).

Every sequence is `(tokens, 1)`, so a position-wise linear layer runs one crossbar MVM per
token. Attention splits the fused QKV projection (torchvision's `in_proj`, GPT-2's
`c_attn`) into three linear layers with the same parameters, so that Q, K and V each have
their own dataflow edge; QK^T and AV are `matmul` layers (two activations, no static
weights) and the softmax and layer norms their own operators. GELU/tanh activations,
dropout and the 1/sqrt(d) scaling are fused into the layers they follow.

`gpt2_decode` is one step of token-by-token generation with a KV cache: every layer sees one
new token, K and V of the earlier `seq_len - 1` tokens are read from the cache held where
attention runs, and only the new token's K and V travel.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimnoc.errors import WorkloadError
from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS

DEFAULT_SEQ_LEN = 128
"""Default tokens of BERT and GPT-2 (assumption: a common fine-tuning length)."""


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes of a transformer stack (Vaswani et al. 2017 naming)."""

    hidden: int = 768
    layers: int = 12
    heads: int = 12
    ffn: int = 3072
    pre_norm: bool = True

    @property
    def head_dim(self) -> int:
        """Channels per attention head."""
        return self.hidden // self.heads


BASE = TransformerConfig()
"""ViT-B, BERT-base and GPT-2 small share these sizes."""


@dataclass(frozen=True)
class BlockNames:
    """Framework module names of one block's operators (`{}` takes the block prefix)."""

    ln_attn: str
    q: str
    k: str
    v: str
    attn: str
    out: str
    add_attn: str
    ln_ffn: str
    fc1: str
    fc2: str
    add_ffn: str


VIT_NAMES = BlockNames(
    "{}.ln_1", "{}.self_attention.in_proj.q", "{}.self_attention.in_proj.k",
    "{}.self_attention.in_proj.v", "{}.self_attention", "{}.self_attention.out_proj",
    "{}.add_1", "{}.ln_2", "{}.mlp.0", "{}.mlp.3", "{}.add_2")
BERT_NAMES = BlockNames(
    "{}.attention.output.LayerNorm", "{}.attention.self.query", "{}.attention.self.key",
    "{}.attention.self.value", "{}.attention.self", "{}.attention.output.dense",
    "{}.attention.output.add", "{}.output.LayerNorm", "{}.intermediate.dense",
    "{}.output.dense", "{}.output.add")
GPT2_NAMES = BlockNames(
    "{}.ln_1", "{}.attn.c_attn.q", "{}.attn.c_attn.k", "{}.attn.c_attn.v", "{}.attn",
    "{}.attn.c_proj", "{}.add_1", "{}.ln_2", "{}.mlp.c_fc", "{}.mlp.c_proj", "{}.add_2")


def attention(g: GraphBuilder, prefix: str, q_src: str, kv_src: str, cfg: TransformerConfig,
              names: BlockNames, context: int | None = None) -> str:
    """Multi-head attention: Q, K, V projections, QK^T, softmax, AV; returns the context.

    `context` is the number of keys when it differs from the tokens of `q_src` (decoding
    with a KV cache); the matmuls then read the cache (mode `kv_cache`).
    """
    tokens = g.shape(q_src)[1][0]
    keys = context if context is not None else tokens
    mode = "kv_cache" if context is not None else ""
    q = g.dense(names.q.format(prefix), q_src, cfg.hidden)
    k = g.dense(names.k.format(prefix), kv_src, cfg.hidden)
    v = g.dense(names.v.format(prefix), kv_src, cfg.hidden)
    base = names.attn.format(prefix)
    scores = g.matmul(f"{base}.scores", q, k, cfg.heads * keys, cfg.head_dim, cfg.heads, mode)
    probs = g.softmax(f"{base}.softmax", scores)
    return g.matmul(f"{base}.context", probs, v, cfg.hidden, keys, cfg.heads, mode)


def block(g: GraphBuilder, prefix: str, x: str, cfg: TransformerConfig, names: BlockNames,
          context: int | None = None) -> str:
    """One transformer block: attention and feed-forward, each with a residual add."""
    if cfg.pre_norm:
        h = g.layernorm(names.ln_attn.format(prefix), x)
        h = attention(g, prefix, h, h, cfg, names, context)
        x = g.add(names.add_attn.format(prefix), g.dense(names.out.format(prefix), h,
                                                         cfg.hidden), x)
        h = g.layernorm(names.ln_ffn.format(prefix), x)
        h = g.dense(names.fc2.format(prefix), g.dense(names.fc1.format(prefix), h, cfg.ffn),
                    cfg.hidden)
        return g.add(names.add_ffn.format(prefix), h, x)
    h = attention(g, prefix, x, x, cfg, names, context)
    h = g.add(names.add_attn.format(prefix), g.dense(names.out.format(prefix), h, cfg.hidden), x)
    x = g.layernorm(names.ln_attn.format(prefix), h)
    h = g.dense(names.fc2.format(prefix), g.dense(names.fc1.format(prefix), x, cfg.ffn),
                cfg.hidden)
    return g.layernorm(names.ln_ffn.format(prefix), g.add(names.add_ffn.format(prefix), h, x))


def check_seq_len(model: str, seq_len: int, max_positions: int) -> None:
    """Reject a sequence longer than the model's position table."""
    if not 1 <= seq_len <= max_positions:
        raise WorkloadError(
            f"workload.networks[].seq_len: {seq_len} for '{model}' must be between 1 and "
            f"{max_positions} (its learned position table); use a shorter sequence"
        )


VIT_PATCH = 16  # ViT-B/16 (Dosovitskiy et al. 2021)


@MODELS.register("vit_b_16")
def vit_b_16(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """ViT-B/16 as torchvision builds it: 16x16 patches plus a class token, 12 blocks."""
    if input_hw % VIT_PATCH:
        raise WorkloadError(
            f"workload.networks[].input_hw: {input_hw} for 'vit_b_16' must be a multiple of "
            f"the patch size {VIT_PATCH}; use e.g. 224"
        )
    cfg = BASE
    tokens = (input_hw // VIT_PATCH) ** 2 + 1
    g = GraphBuilder("vit_b_16", 3, (input_hw, input_hw))
    x = g.conv("conv_proj", "input", cfg.hidden, VIT_PATCH, VIT_PATCH, bias=True, bn=False)
    # Flatten the patches, prepend the class token and add the position embedding.
    x = g.embedding("encoder.pos_embedding", x, cfg.hidden, (tokens, 1),
                    cfg.hidden + tokens * cfg.hidden)
    for i in range(cfg.layers):
        x = block(g, f"encoder.layers.encoder_layer_{i}", x, cfg, VIT_NAMES)
    x = g.layernorm("encoder.ln", x)
    x = g.select("class_token", x)
    g.linear("heads.head", x, num_classes)
    return g.build(family="transformer", input_hw=input_hw, num_classes=num_classes,
                   seq_len=tokens)


BERT_VOCAB, BERT_POSITIONS, BERT_TYPES = 30522, 512, 2  # transformers' BertConfig defaults


@MODELS.register("bert_base")
def bert_base(input_hw: int = 224, seq_len: int = DEFAULT_SEQ_LEN) -> Workload:
    """BERT-base encoder with its pooler (`input_hw` is ignored: the input is token ids)."""
    check_seq_len("bert_base", seq_len, BERT_POSITIONS)
    cfg = TransformerConfig(pre_norm=False)
    g = GraphBuilder("bert_base", 1, (seq_len, 1))
    x = g.embedding("embeddings", "input", cfg.hidden, (seq_len, 1),
                    (BERT_VOCAB + BERT_POSITIONS + BERT_TYPES) * cfg.hidden)
    x = g.layernorm("embeddings.LayerNorm", x)
    for i in range(cfg.layers):
        x = block(g, f"encoder.layer.{i}", x, cfg, BERT_NAMES)
    x = g.select("pooler.first_token", x)
    g.linear("pooler.dense", x, cfg.hidden)
    return g.build(family="transformer", seq_len=seq_len)


GPT2_VOCAB, GPT2_POSITIONS = 50257, 1024  # transformers' GPT2Config defaults


def _gpt2(name: str, seq_len: int, decode: bool) -> Workload:
    """GPT-2 small: token and position embeddings, 12 pre-norm blocks, final layer norm."""
    check_seq_len(name, seq_len, GPT2_POSITIONS)
    cfg = BASE
    tokens = 1 if decode else seq_len
    g = GraphBuilder(name, 1, (tokens, 1))
    x = g.embedding("wte+wpe", "input", cfg.hidden, (tokens, 1),
                    (GPT2_VOCAB + GPT2_POSITIONS) * cfg.hidden)
    for i in range(cfg.layers):
        x = block(g, f"h.{i}", x, cfg, GPT2_NAMES, seq_len if decode else None)
    g.layernorm("ln_f", x)
    return g.build(family="transformer", seq_len=seq_len, decode=decode)


@MODELS.register("gpt2")
def gpt2(input_hw: int = 224, seq_len: int = DEFAULT_SEQ_LEN) -> Workload:
    """GPT-2 small over a whole prompt of `seq_len` tokens (prefill; full QK^T as computed)."""
    return _gpt2("gpt2", seq_len, decode=False)


@MODELS.register("gpt2_decode")
def gpt2_decode(input_hw: int = 224, seq_len: int = DEFAULT_SEQ_LEN) -> Workload:
    """One decoding step of GPT-2 small: one new token attending to `seq_len` cached keys."""
    return _gpt2("gpt2_decode", seq_len, decode=True)
