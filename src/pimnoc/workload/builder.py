"""A small helper for writing zoo models: shape inference as layers are added."""

from __future__ import annotations

from pimnoc.workload.ir import Layer, Workload


def conv_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """Output size of a convolution or pooling window along one axis (floor mode)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class GraphBuilder:
    """Append layers one by one; each call infers the output shape and returns the name."""

    def __init__(self, name: str, channels: int, hw: tuple[int, int]) -> None:
        self.name = name
        self.layers: list[Layer] = [Layer("input", "input", channels, channels, hw, hw)]
        self._shape: dict[str, tuple[int, tuple[int, int]]] = {"input": (channels, hw)}

    def shape(self, name: str) -> tuple[int, tuple[int, int]]:
        """(channels, (h, w)) of a layer's output."""
        return self._shape[name]

    def _add(self, layer: Layer) -> str:
        self.layers.append(layer)
        self._shape[layer.name] = (layer.cout, layer.out_hw)
        return layer.name

    def conv(self, name: str, src: str, cout: int, kernel: int, stride: int = 1,
             padding: int = 0, groups: int = 1, bias: bool = False, bn: bool = True,
             pre_bn: bool = False) -> str:
        """A 2D convolution; `bn` adds a following batch-norm, `pre_bn` a preceding one."""
        cin, (h, w) = self._shape[src]
        out = (conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding))
        norm = (2 * cout if bn else 0) + (2 * cin if pre_bn else 0)
        return self._add(Layer(name, "conv", cin, cout, (h, w), out, (kernel, kernel),
                               (stride, stride), (padding, padding), groups, (src,), bias, norm))

    def linear(self, name: str, src: str, cout: int, bias: bool = True) -> str:
        """A fully connected layer over the flattened input."""
        cin, (h, w) = self._shape[src]
        return self._add(Layer(name, "linear", cin * h * w, cout, (1, 1), (1, 1),
                               preds=(src,), bias=bias))

    def pool(self, name: str, src: str, kernel: int, stride: int, padding: int = 0,
             mode: str = "max", norm_params: int = 0) -> str:
        """A max or average pooling window."""
        cin, (h, w) = self._shape[src]
        out = (conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding))
        return self._add(Layer(name, "pool", cin, cin, (h, w), out, (kernel, kernel),
                               (stride, stride), (padding, padding), preds=(src,), mode=mode,
                               norm_params=norm_params))

    def global_pool(self, name: str, src: str, out_hw: tuple[int, int] = (1, 1),
                    norm_params: int = 0) -> str:
        """Adaptive average pooling to `out_hw`."""
        cin, (h, w) = self._shape[src]
        return self._add(Layer(name, "pool", cin, cin, (h, w), out_hw, (h, w), (1, 1),
                               preds=(src,), mode="adaptive_avg", norm_params=norm_params))

    def add(self, name: str, *srcs: str) -> str:
        """Element-wise sum (a residual connection)."""
        cin, hw = self._shape[srcs[0]]
        return self._add(Layer(name, "add", cin, cin, hw, hw, preds=tuple(srcs)))

    def concat(self, name: str, *srcs: str) -> str:
        """Channel concatenation (a dense connection)."""
        hw = self._shape[srcs[0]][1]
        channels = sum(self._shape[s][0] for s in srcs)
        return self._add(Layer(name, "concat", channels, channels, hw, hw, preds=tuple(srcs)))

    def build(self, **meta: object) -> Workload:
        """The finished workload."""
        return Workload(self.name, tuple(self.layers), dict(meta))

    def adaptive_pool(self, name: str, src: str, out_hw: tuple[int, int],
                      mode: str = "adaptive_avg", norm_params: int = 0) -> str:
        """Adaptive pooling to `out_hw`; kernel and stride are the largest window and its step."""
        cin, (h, w) = self._shape[src]
        kernel = (adaptive_window(h, out_hw[0]), adaptive_window(w, out_hw[1]))
        stride = (max(1, h // out_hw[0]), max(1, w // out_hw[1]))
        return self._add(Layer(name, "pool", cin, cin, (h, w), out_hw, kernel, stride,
                               preds=(src,), mode=mode, norm_params=norm_params))

    def mul(self, name: str, scale: str, src: str) -> str:
        """Channel-wise scaling of `src` by a broadcast `scale` tensor (squeeze-excitation)."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "mul", cin, cin, hw, hw, preds=(scale, src)))

    # Sequence and graph operators: a sequence of T tokens (or a graph of N nodes) has
    # hw = (T, 1), so `positions` counts tokens (nodes) and a position-wise linear layer
    # runs one MVM per token.

    def dense(self, name: str, src: str, cout: int, bias: bool = True) -> str:
        """A linear layer applied at every position (token or node) of `src`."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "linear", cin, cout, hw, hw, preds=(src,), bias=bias))

    def layernorm(self, name: str, src: str) -> str:
        """Layer normalisation over the channels of each position (weight and bias)."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "layernorm", cin, cin, hw, hw, preds=(src,),
                               norm_params=2 * cin))

    def softmax(self, name: str, src: str) -> str:
        """Softmax along each row of `src` (attention scores)."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "softmax", cin, cin, hw, hw, preds=(src,)))

    def matmul(self, name: str, a: str, b: str, cout: int, contraction: int, heads: int = 1,
               mode: str = "") -> str:
        """Product of two activations (QK^T, AV): `cout` sums of `contraction` terms each."""
        _, hw = self._shape[a]
        return self._add(Layer(name, "matmul", contraction, cout, hw, hw, groups=heads,
                               preds=(a, b), mode=mode))

    def embedding(self, name: str, src: str, cout: int, out_hw: tuple[int, int],
                  table_params: int) -> str:
        """Look-up (or addition) of embedding tables holding `table_params` parameters."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "embedding", cin, cout, hw, out_hw, preds=(src,),
                               extra_params=table_params))

    def select(self, name: str, src: str, out_hw: tuple[int, int] = (1, 1)) -> str:
        """Keep the first `out_hw` positions of `src` (a classifier's [CLS] token)."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "pool", cin, cin, hw, out_hw, preds=(src,),
                               mode="select"))

    def aggregate(self, name: str, src: str, mode: str = "sum", extra_params: int = 0) -> str:
        """Neighbourhood aggregation over a graph's edges (GNN message passing)."""
        cin, hw = self._shape[src]
        return self._add(Layer(name, "aggregate", cin, cin, hw, hw, preds=(src,), mode=mode,
                               extra_params=extra_params))


def adaptive_window(size: int, out: int) -> int:
    """Largest window of adaptive pooling from `size` to `out` along one axis."""
    return max(-((-(i + 1) * size) // out) - (i * size) // out for i in range(out))
