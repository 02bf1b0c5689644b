"""PyTorch import: a `torch.nn.Module` to a Workload by torch.fx tracing and shape propagation.

Needs the `pimnoc[torch]` extra (torch==2.13.0, CPU). The module is traced symbolically
(`torch.fx`), run once on zeros of `example_input_shape` to record every tensor's shape
(`ShapeProp`), and turned into layers; only the module's own (random or trained) parameters
are used, nothing is downloaded. Tensor shapes map to the IR as `(batch, C, H, W)` ->
channels C at `(H, W)`, `(batch, T, F)` -> F channels at `(T, 1)` (a sequence), `(batch, F)`
-> F at `(1, 1)`; the batch must be 1.

Operators: `nn.Conv2d` -> conv, `nn.Linear` -> linear (one MVM per position), batch norms
fold into the layer before them, `nn.LayerNorm` / `F.layer_norm` -> layernorm, `nn.Embedding`
-> embedding, `nn.MultiheadAttention` and `F.scaled_dot_product_attention` -> Q/K/V and
output projections (where the module has them), QK^T and AV matmuls and a softmax,
`torch.matmul` / `@` / `bmm` -> matmul, `softmax` -> softmax, pools -> pool, `cat` ->
concat, sums of two tensors -> add, products of two tensors -> mul. Activations, dropout and
shape operations (view, reshape, permute, transpose, flatten, getitem, chunk, ...) are
aliases of their input. A leaf module with parameters that pimnoc does not know is an error
(so parameter totals are never silently wrong); parameters read directly (`get_attr`, e.g.
a class token) count towards the layer that reads them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pimnoc.errors import WorkloadError
from pimnoc.workload.ir import Layer, Workload, unique_name

INSTALL_HINT = "install the torch extra: pip install 'pimnoc[torch]' (torch==2.13.0, CPU wheel)"


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - exercised only without torch
        raise WorkloadError(f"PyTorch import needs torch; {INSTALL_HINT}") from None
    return torch


def _pair(value: Any) -> tuple[int, int]:
    """A size given as one int or a pair."""
    return tuple(value) if isinstance(value, tuple | list) else (value, value)


def tensor_layout(shape: Sequence[int]) -> tuple[int, tuple[int, int]]:
    """(channels, (h, w)) of a batch-1 tensor shape."""
    dims = list(shape)[1:] if len(shape) > 1 else list(shape)
    if len(dims) == 0:
        return 1, (1, 1)
    if len(dims) == 1:
        return dims[0], (1, 1)
    if len(dims) == 3:
        return dims[0], (dims[1], dims[2])
    return dims[-1], (math.prod(dims[:-1]), 1)


class _Importer:
    """Walks a shape-propagated fx graph and emits layers."""

    def __init__(self, gm, name: str) -> None:
        self.gm = gm
        self.name = name
        self.modules = dict(gm.named_modules())
        self.layers: dict[str, Layer] = {}
        self.alias: dict[Any, str | None] = {}  # fx node -> layer holding its value
        self.pending: dict[Any, int] = {}  # fx node -> parameters read directly (get_attr)
        self.counted: set[str] = set()

    # helpers ---------------------------------------------------------------------------
    def shape(self, node) -> tuple[int, ...]:
        meta = node.meta.get("tensor_meta")
        if not hasattr(meta, "shape") and isinstance(meta, tuple | list) and meta:
            meta = meta[0]  # a module returning a tuple (attention output, weights)
        if meta is None or not hasattr(meta, "shape"):
            raise WorkloadError(f"torch import: no tensor shape for '{node.name}' "
                                "(shape propagation failed); check example_input_shape")
        return tuple(meta.shape)

    def tensor_args(self, node) -> list:
        """Input nodes carrying tensors produced by layers (constants and scalars dropped)."""
        from torch.fx import Node

        found = []
        for arg in [*node.args, *node.kwargs.values()]:
            items = arg if isinstance(arg, list | tuple) else [arg]
            for item in items:
                if isinstance(item, Node) and self.alias.get(item) is not None:
                    found.append(item)
        return found

    def extra_from(self, node) -> int:
        """Directly read parameters among the node's inputs (counted once)."""
        from torch.fx import Node

        total = 0
        for arg in [*node.args, *node.kwargs.values()]:
            items = arg if isinstance(arg, list | tuple) else [arg]
            for item in items:
                if isinstance(item, Node) and item in self.pending:
                    total += self.pending.pop(item)
        return total

    def unique(self, base: str) -> str:
        """`base`, suffixed if a layer already has that name."""
        return unique_name(base, self.layers, "#")

    def emit(self, node, op: str, preds: Sequence[str], cin: int, cout: int | None = None,
             out_shape: tuple[int, ...] | None = None, name: str | None = None,
             **fields: Any) -> str:
        out_c, out_hw = tensor_layout(out_shape if out_shape is not None else self.shape(node))
        first = self.layers[preds[0]] if preds else None
        in_hw = fields.pop("in_hw", first.out_hw if first is not None else out_hw)
        extra = fields.pop("extra_params", 0) + self.extra_from(node)
        layer = Layer(self.unique(name or str(node.name)), op, cin,
                      out_c if cout is None else cout, in_hw, out_hw, preds=tuple(preds),
                      extra_params=extra, **fields)
        self.layers[layer.name] = layer
        self.alias[node] = layer.name
        return layer.name

    def source(self, node) -> str:
        return self.alias[node]

    def own_params(self, target: str) -> int:
        """Parameters of module `target` not yet counted (a shared module counts once)."""
        if target in self.counted:
            return 0
        self.counted.add(target)
        return sum(p.numel() for p in self.modules[target].parameters())

    # the walk ----------------------------------------------------------------------------
    def run(self) -> Workload:
        for node in self.gm.graph.nodes:
            handler = getattr(self, f"on_{node.op}")
            handler(node)
        layers = tuple(self.layers.values())
        if len(layers) < 2:
            raise WorkloadError(f"torch import: '{self.name}' has no operator pimnoc can map")
        return Workload(self.name, layers, {"family": "torch", "source": "torch.fx"})

    def on_placeholder(self, node) -> None:
        c, hw = tensor_layout(self.shape(node))
        meta = node.meta.get("tensor_meta")
        if meta is not None and not getattr(meta, "dtype", None).is_floating_point:
            c, hw = 1, (math.prod(self.shape(node)[1:]), 1)  # token ids: a sequence
        layer = Layer(self.unique("input" if not self.layers else node.name), "input", c, c,
                      hw, hw)
        self.layers[layer.name] = layer
        self.alias[node] = layer.name

    def on_get_attr(self, node) -> None:
        value = self.gm
        for part in str(node.target).split("."):
            value = getattr(value, part)
        self.alias[node] = None
        self.pending[node] = int(value.numel()) if hasattr(value, "numel") else 0

    def on_output(self, node) -> None:
        return

    def on_call_module(self, node) -> None:
        module = self.modules[str(node.target)]
        kind = type(module).__name__
        handler = getattr(self, f"mod_{kind}", None)
        if handler is not None:
            handler(node, module)
            return
        if sum(p.numel() for p in module.parameters()) > 0:
            raise WorkloadError(
                f"torch import: module '{node.target}' ({kind}) has parameters but pimnoc "
                "does not know how to map it; express it with nn.Linear/nn.Conv2d/"
                "nn.MultiheadAttention or torch functions, or mark it for tracing"
            )
        self.passthrough(node)

    def passthrough(self, node) -> None:
        """An alias of the first tensor input (activations, dropout, shape operations)."""
        args = self.tensor_args(node)
        if not args:
            self.alias[node] = None
            self.pending[node] = self.extra_from(node)
            return
        self.alias[node] = self.alias[args[0]]
        extra = self.extra_from(node)
        if extra:
            name = self.alias[node]
            self.layers[name] = replace(self.layers[name],
                                        extra_params=self.layers[name].extra_params + extra)

    # modules -----------------------------------------------------------------------------
    def mod_Conv2d(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        _, in_hw = tensor_layout(self.shape(src))
        if not isinstance(m.padding, tuple):
            raise WorkloadError(f"torch import: conv '{node.target}' uses padding "
                                f"'{m.padding}'; give explicit integer padding")
        self.emit(node, "conv", [self.source(src)], m.in_channels, m.out_channels,
                  name=str(node.target), in_hw=in_hw, kernel=tuple(m.kernel_size),
                  stride=tuple(m.stride), padding=tuple(m.padding), groups=m.groups,
                  bias=m.bias is not None)
        self.counted.add(str(node.target))

    def mod_Linear(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        self.emit(node, "linear", [self.source(src)], m.in_features, m.out_features,
                  name=str(node.target), bias=m.bias is not None)
        self.counted.add(str(node.target))

    def _fold_norm(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        name = self.source(src)
        params = self.own_params(str(node.target))
        self.layers[name] = replace(self.layers[name],
                                    norm_params=self.layers[name].norm_params + params)
        self.alias[node] = name

    mod_BatchNorm2d = _fold_norm
    mod_BatchNorm1d = _fold_norm

    def mod_LayerNorm(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        c, _ = tensor_layout(self.shape(node))
        self.emit(node, "layernorm", [self.source(src)], c, name=str(node.target),
                  norm_params=self.own_params(str(node.target)))

    def mod_Embedding(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        self.emit(node, "embedding", [self.source(src)], 1, m.embedding_dim,
                  name=str(node.target), extra_params=self.own_params(str(node.target)))

    def mod_Softmax(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        c, _ = tensor_layout(self.shape(node))
        self.emit(node, "softmax", [self.source(src)], c, name=str(node.target))

    def _pool(self, node, m) -> None:
        (src,) = self.tensor_args(node)
        c, in_hw = tensor_layout(self.shape(src))
        _, out_hw = tensor_layout(self.shape(node))
        adaptive = "Adaptive" in type(m).__name__
        kernel = in_hw if adaptive else _pair(m.kernel_size)
        stride = (1, 1) if adaptive else _pair(m.stride or m.kernel_size)
        padding = (0, 0) if adaptive else _pair(m.padding)
        mode = ("adaptive_" if adaptive else "") + ("max" if "Max" in type(m).__name__
                                                     else "avg")
        self.emit(node, "pool", [self.source(src)], c, c, name=str(node.target), in_hw=in_hw,
                  kernel=kernel, stride=stride, padding=padding, mode=mode)

    mod_MaxPool2d = _pool
    mod_AvgPool2d = _pool
    mod_AdaptiveAvgPool2d = _pool
    mod_AdaptiveMaxPool2d = _pool

    def mod_MultiheadAttention(self, node, m) -> None:
        args = self.tensor_args(node)
        query = args[0]
        key = args[1] if len(args) > 1 else query
        value = args[2] if len(args) > 2 else key
        base = str(node.target)
        self.counted.add(base)
        embed, heads = m.embed_dim, m.num_heads
        bias = m.in_proj_bias is not None
        if not m._qkv_same_embed_dim:
            raise WorkloadError(f"torch import: '{base}' has kdim/vdim != embed_dim; "
                                "only equal dimensions are supported")
        q_shape = self.shape(query)
        k_shape = self.shape(key)
        batch_first = m.batch_first
        tokens = q_shape[1] if batch_first else q_shape[0]
        keys = k_shape[1] if batch_first else k_shape[0]
        seq = (1, tokens, embed)
        names = {}
        for part, src, shape in (("q", query, seq), ("k", key, (1, keys, embed)),
                                 ("v", value, (1, keys, embed))):
            names[part] = self.emit(node, "linear", [self.source(src)], embed, embed,
                                    out_shape=shape, name=f"{base}.in_proj.{part}", bias=bias)
        self._attention(node, base, names["q"], names["k"], names["v"], heads, tokens, keys,
                        embed // heads)
        out = self.emit(node, "linear", [self.alias[node]], embed, embed, out_shape=seq,
                        name=f"{base}.out_proj", bias=m.out_proj.bias is not None)
        self.alias[node] = out

    def mod_TransformerEncoderLayer(self, node, m) -> None:
        (src,) = self.tensor_args(node)[:1]
        self.alias[node] = self._encoder_layer(node, m, str(node.target), self.source(src),
                                               self.shape(src))

    def mod_TransformerEncoder(self, node, m) -> None:
        (src,) = self.tensor_args(node)[:1]
        base, shape = str(node.target), self.shape(src)
        x = self.source(src)
        for k, layer in enumerate(m.layers):
            x = self._encoder_layer(node, layer, f"{base}.layers.{k}", x, shape)
        if m.norm is not None:
            embed = shape[-1]
            x = self.emit(node, "layernorm", [x], embed, embed,
                          out_shape=self._seq_shape(m.layers[0], shape), name=f"{base}.norm",
                          norm_params=_numel(m.norm))
        self.alias[node] = x

    @staticmethod
    def _seq_shape(layer, shape: tuple[int, ...]) -> tuple[int, int, int]:
        """(1, tokens, features) of a sequence given batch first or not."""
        tokens = shape[1] if layer.self_attn.batch_first else shape[0]
        return (1, tokens, shape[-1])

    def _encoder_layer(self, node, m, base: str, x: str, shape: tuple[int, ...]) -> str:
        """A stock nn.TransformerEncoderLayer: self-attention and feed-forward, each with a
        residual add and a layer norm (before, with `norm_first`, or after)."""
        attn = m.self_attn
        if not attn._qkv_same_embed_dim:
            raise WorkloadError(f"torch import: '{base}.self_attn' has kdim/vdim != "
                                "embed_dim; only equal dimensions are supported")
        embed, heads = attn.embed_dim, attn.num_heads
        seq = self._seq_shape(m, shape)
        tokens = seq[1]

        def linear(src: str, module, name: str) -> str:
            return self.emit(node, "linear", [src], module.in_features, module.out_features,
                             out_shape=(1, tokens, module.out_features), name=name,
                             bias=module.bias is not None)

        def norm(src: str, module, name: str) -> str:
            return self.emit(node, "layernorm", [src], embed, embed, out_shape=seq, name=name,
                             norm_params=_numel(module))

        def add(a: str, b: str, name: str) -> str:
            return self.emit(node, "add", [a, b], embed, embed, out_shape=seq, name=name)

        def self_attention(src: str) -> str:
            bias = attn.in_proj_bias is not None
            qkv = [self.emit(node, "linear", [src], embed, embed, out_shape=seq,
                             name=f"{base}.self_attn.in_proj.{part}", bias=bias)
                   for part in "qkv"]
            context = self._attention(node, f"{base}.self_attn", *qkv, heads, tokens, tokens,
                                      embed // heads)
            return linear(context, attn.out_proj, f"{base}.self_attn.out_proj")

        def feed_forward(src: str) -> str:
            return linear(linear(src, m.linear1, f"{base}.linear1"), m.linear2,
                          f"{base}.linear2")

        if m.norm_first:
            x = add(x, self_attention(norm(x, m.norm1, f"{base}.norm1")), f"{base}.add1")
            return add(x, feed_forward(norm(x, m.norm2, f"{base}.norm2")), f"{base}.add2")
        x = norm(add(x, self_attention(x), f"{base}.add1"), m.norm1, f"{base}.norm1")
        return norm(add(x, feed_forward(x), f"{base}.add2"), m.norm2, f"{base}.norm2")

    def _attention(self, node, base: str, q: str, k: str, v: str, heads: int, tokens: int,
                   keys: int, head_dim: int) -> str:
        scores = self.emit(node, "matmul", [q, k], head_dim, heads * keys,
                           out_shape=(1, tokens, heads * keys), name=f"{base}.scores",
                           groups=heads)
        probs = self.emit(node, "softmax", [scores], heads * keys, heads * keys,
                          out_shape=(1, tokens, heads * keys), name=f"{base}.softmax")
        return self.emit(node, "matmul", [probs, v], keys, heads * head_dim,
                         out_shape=(1, tokens, heads * head_dim), name=f"{base}.context",
                         groups=heads)

    # functions and methods -------------------------------------------------------------
    def on_call_function(self, node) -> None:
        self.dispatch(node, node.target)

    def on_call_method(self, node) -> None:
        self.dispatch(node, str(node.target))

    def dispatch(self, node, target) -> None:
        torch = _torch()
        functional = torch.nn.functional
        name = target if isinstance(target, str) else getattr(target, "__name__", "")
        args = self.tensor_args(node)
        if target in (operator.add, operator.iadd, torch.add) or name in ("add", "add_"):
            self._binary(node, "add", args)
        elif target in (operator.mul, operator.imul, torch.mul) or name in ("mul", "mul_"):
            self._binary(node, "mul", args)
        elif target in (operator.matmul, torch.matmul, torch.bmm) or name in ("matmul", "bmm"):
            self._matmul(node, args)
        elif target in (functional.softmax,) or name == "softmax":
            (src,) = args
            c, _ = tensor_layout(self.shape(node))
            self.emit(node, "softmax", [self.source(src)], c)
        elif target is functional.layer_norm:
            c, _ = tensor_layout(self.shape(node))
            self.emit(node, "layernorm", [self.source(args[0])], c)
        elif target is torch.cat:
            self._concat(node, args)
        elif target is functional.scaled_dot_product_attention:
            q, k, v = args[:3]
            qs, ks = self.shape(q), self.shape(k)
            heads = qs[1] if len(qs) == 4 else 1
            out = self._attention(node, str(node.name), self.source(q), self.source(k),
                                  self.source(v), heads, qs[-2], ks[-2], qs[-1])
            self.alias[node] = out
        else:
            self.passthrough(node)

    def _binary(self, node, op: str, args: list) -> None:
        if len(args) < 2:
            self.passthrough(node)  # with a constant or scalar: part of the operator before
            return
        c, hw = tensor_layout(self.shape(node))
        preds = [self.source(a) for a in args]
        if op == "mul":
            # the larger operand is the feature map; the smaller a broadcast scale (SE)
            preds.sort(key=lambda p: self.layers[p].output_elements)
        self.emit(node, op, preds, c, c, in_hw=hw)

    def _matmul(self, node, args: list) -> None:
        if len(args) < 2:
            raise WorkloadError(f"torch import: matmul '{node.name}' multiplies by a constant; "
                                "use nn.Linear for static weights")
        a, b = args
        out_shape = self.shape(node)
        contraction = self.shape(a)[-1]
        heads = out_shape[1] if len(out_shape) == 4 else 1
        rows = out_shape[-2] if len(out_shape) >= 3 else 1
        cols = out_shape[-1] * heads
        self.emit(node, "matmul", [self.source(a), self.source(b)], contraction, cols,
                  out_shape=(1, rows, cols), groups=heads)

    def _concat(self, node, args: list) -> None:
        c, hw = tensor_layout(self.shape(node))
        preds = [self.source(a) for a in args]
        self.emit(node, "concat", preds, c, c, in_hw=hw)


def _numel(module: Any) -> int:
    """Parameters of a module."""
    return int(sum(p.numel() for p in module.parameters()))


def load_torch(module: Any, example_input_shape: Sequence[int], name: str | None = None,
               input_dtype: Any = None) -> Workload:
    """Trace `module` with torch.fx and propagate shapes from a zeros input of the shape."""
    torch = _torch()
    from torch.fx.passes.shape_prop import ShapeProp

    shape = tuple(int(s) for s in example_input_shape)
    if not shape or shape[0] != 1:
        raise WorkloadError(f"torch import: example_input_shape {shape} must start with a "
                            "batch of 1, e.g. (1, 3, 224, 224) or (1, 128) for token ids")
    title = name or type(module).__name__
    if hasattr(_Importer, f"mod_{type(module).__name__}"):  # a mapped module as the root:
        module = torch.nn.Sequential(module)  # trace it as one call, not through its forward
    try:
        gm = torch.fx.symbolic_trace(module)
    except Exception as exc:  # noqa: BLE001 - any tracing failure is the user's model
        raise WorkloadError(
            f"torch import: torch.fx cannot trace '{title}' ({type(exc).__name__}: {exc}); "
            "remove data-dependent control flow or trace a submodule"
        ) from None
    if input_dtype is None:
        first_users = [u for n in gm.graph.nodes if n.op == "placeholder" for u in n.users]
        modules = dict(gm.named_modules())
        embeds = any(u.op == "call_module" and isinstance(modules.get(str(u.target)),
                                                          torch.nn.Embedding)
                     for u in first_users)
        input_dtype = torch.long if embeds else torch.float32
    example = torch.zeros(shape, dtype=input_dtype)
    module.eval()
    try:
        with torch.no_grad():
            ShapeProp(gm).propagate(example)
    except Exception as exc:  # noqa: BLE001
        raise WorkloadError(
            f"torch import: running '{title}' on an input of shape {shape} failed "
            f"({type(exc).__name__}: {exc}); check example_input_shape"
        ) from None
    return _Importer(gm, title).run()
