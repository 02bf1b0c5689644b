"""The workload IR: layers with shapes and the dataflow edges between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from pimnoc.errors import WorkloadError

WEIGHTED_OPS = frozenset({"conv", "linear"})
"""Operators whose weights are static and live in ReRAM crossbars."""

DYNAMIC_OPS = frozenset({"matmul"})
"""Operators multiplying two activations (weights change per input): digital PEs."""

KNOWN_OPS = frozenset(
    {"input", "conv", "linear", "add", "concat", "pool", "matmul", "softmax", "layernorm",
     "embedding", "aggregate", "mul"}
)

OP_NAMES = tuple(sorted(KNOWN_OPS))
"""Operator of each code in `LayerArrays.op`."""
OP_CODES = {op: code for code, op in enumerate(OP_NAMES)}


def unique_name(wanted: str, taken, separator: str = "_") -> str:
    """`wanted`, or `wanted` + separator + a counter if `taken` already holds that name."""
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted}{separator}{n}"
    return name


@dataclass(frozen=True)
class Layer:
    """One operator; `preds` name the layers whose outputs it reads (the dataflow edges).

    Shapes: `cin`/`cout` are channels (a linear layer's in/out features), `in_hw`/`out_hw`
    spatial sizes (a sequence is `(tokens, 1)`). `norm_params` counts parameters of a fused
    normalisation (batch-norm weight and bias) so totals match the framework's. For `matmul`
    (two activations), `cin` is the contraction length and `groups` the attention heads.
    Derived sizes (`weighted`, `positions`, `macs`, ...) are worked out once per layer and
    kept (cached properties: the fields are frozen); a renamed copy keeps them.
    """

    name: str
    op: str
    cin: int
    cout: int
    in_hw: tuple[int, int] = (1, 1)
    out_hw: tuple[int, int] = (1, 1)
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    preds: tuple[str, ...] = ()
    bias: bool = False
    norm_params: int = 0
    mode: str = ""
    extra_params: int = 0

    @cached_property
    def weighted(self) -> bool:
        """True if the layer's weights are mapped to crossbars."""
        return self.op in WEIGHTED_OPS

    @cached_property
    def positions(self) -> int:
        """Output positions (pixels or tokens): how many MVMs one inference needs."""
        return self.out_hw[0] * self.out_hw[1]

    @cached_property
    def weight_rows(self) -> int:
        """Rows of the unrolled weight matrix: Kx*Ky*Cin/groups."""
        if not self.weighted:
            return 0
        return self.kernel[0] * self.kernel[1] * self.cin // self.groups

    @cached_property
    def weights(self) -> int:
        """Number of weights (excluding bias)."""
        if self.op == "conv":
            return self.weight_rows * self.cout
        if self.op == "linear":
            return self.cin * self.cout
        return 0

    @cached_property
    def params(self) -> int:
        """Trainable parameters: weights, bias, fused normalisation and any extra tables."""
        return self.weights + (self.cout if self.bias else 0) + self.norm_params + self.extra_params

    @cached_property
    def macs(self) -> int:
        """Multiply-accumulates of one inference (weighted and dynamic operators)."""
        if self.weighted:
            return self.weights * self.positions
        if self.op in DYNAMIC_OPS:
            return self.output_elements * self.cin
        return 0

    @cached_property
    def output_elements(self) -> int:
        """Elements of the output tensor."""
        return self.cout * self.positions

    def with_names(self, name: str, preds: tuple[str, ...]) -> Layer:
        """This layer under another name and with renamed inputs (a field copy, no checks)."""
        layer = object.__new__(Layer)
        object.__setattr__(layer, "__dict__", {**self.__dict__, "name": name, "preds": preds})
        return layer

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form used by `pimnoc zoo NAME --json`."""
        return {
            "name": self.name,
            "op": self.op,
            "cin": self.cin,
            "cout": self.cout,
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "groups": self.groups,
            "in_hw": list(self.in_hw),
            "out_hw": list(self.out_hw),
            "preds": list(self.preds),
            "params": self.params,
            "macs": self.macs,
        }


@dataclass(frozen=True)
class Workload:
    """A DNN as a DAG of layers in topological order."""

    name: str
    layers: tuple[Layer, ...]
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for layer in self.layers:
            if layer.op not in KNOWN_OPS:
                raise WorkloadError(
                    f"{self.name}: layer '{layer.name}' has unknown op '{layer.op}'"
                )
            if layer.name in seen:
                raise WorkloadError(f"{self.name}: duplicate layer name '{layer.name}'")
            for pred in layer.preds:
                if pred not in seen:
                    raise WorkloadError(
                        f"{self.name}: layer '{layer.name}' reads '{pred}', which is not an "
                        "earlier layer (layers must be in topological order)"
                    )
            seen.add(layer.name)

    @cached_property
    def index(self) -> dict[str, int]:
        """Layer name to position."""
        return {layer.name: i for i, layer in enumerate(self.layers)}

    def layer(self, name: str) -> Layer:
        """The layer called `name`."""
        return self.layers[self.index[name]]

    @cached_property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """Dataflow edges as (producer index, consumer index)."""
        return tuple(
            (self.index[pred], i) for i, layer in enumerate(self.layers) for pred in layer.preds
        )

    @cached_property
    def successors(self) -> tuple[tuple[int, ...], ...]:
        """For each layer, the indices of the layers reading its output."""
        succ: list[list[int]] = [[] for _ in self.layers]
        for u, v in self.edges:
            succ[u].append(v)
        return tuple(tuple(s) for s in succ)

    @property
    def params(self) -> int:
        """Total parameters."""
        return sum(layer.params for layer in self.layers)

    @property
    def macs(self) -> int:
        """Total multiply-accumulates of the weighted and dynamic (matmul) layers."""
        return sum(layer.macs for layer in self.layers)

    @property
    def weighted_layers(self) -> list[Layer]:
        """The layers mapped to crossbars."""
        return [layer for layer in self.layers if layer.weighted]

    @cached_property
    def arrays(self) -> LayerArrays:
        """Each layer's sizes and inputs as arrays (shared by renamed copies)."""
        layers = self.layers
        n = len(layers)

        def column(values, dtype=np.int64) -> np.ndarray:
            return np.fromiter(values, dtype=dtype, count=n)

        index = self.index
        counts = column(len(layer.preds) for layer in layers)
        bounds = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        flat = np.fromiter((index[p] for layer in layers for p in layer.preds), dtype=np.int64,
                           count=int(bounds[-1]))
        op = column((OP_CODES[layer.op] for layer in layers), np.int8)
        return LayerArrays(
            weighted=column((layer.weighted for layer in layers), bool),
            op=op, is_input=op == OP_CODES["input"], is_concat=op == OP_CODES["concat"],
            positions=column(layer.positions for layer in layers),
            cout=column(layer.cout for layer in layers),
            groups=column(layer.groups for layer in layers),
            output_elements=column(layer.output_elements for layer in layers),
            macs=column(layer.macs for layer in layers),
            params=column(layer.params for layer in layers),
            pred_flat=flat, pred_bounds=bounds)

    def renamed(self, prefix: str) -> Workload:
        """A copy whose layer names carry `prefix` (to run several networks at once).

        The copy is valid as the original is, so it is not checked again; its layers keep
        the original's derived sizes and it shares the original's `arrays`.
        """
        arrays = self.arrays  # works out every layer's derived sizes first (each cached
        # property the arrays read), for the copies to keep
        add = prefix.__add__
        layers = tuple(layer.with_names(add(layer.name), tuple(map(add, layer.preds)))
                       for layer in self.layers)
        workload = object.__new__(Workload)
        workload.__dict__.update(name=self.name, layers=layers, meta=dict(self.meta),
                                 arrays=arrays)
        return workload

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form: name, layers and totals."""
        return {
            "name": self.name,
            "layers": [layer.to_dict() for layer in self.layers],
            "totals": {"params": self.params, "macs": self.macs,
                       "weighted_layers": len(self.weighted_layers)},
        }


@dataclass(frozen=True, eq=False)
class LayerArrays:
    """Per-layer sizes of one or several workloads as arrays, layer after layer.

    `pred_flat[pred_bounds[i]:pred_bounds[i + 1]]` are layer i's inputs (indices into the
    same layers).
    """

    weighted: np.ndarray  # bool: weights on crossbars (Layer.weighted)
    op: np.ndarray  # int8: the operator's index in OP_NAMES
    is_input: np.ndarray  # bool: op "input"
    is_concat: np.ndarray  # bool: op "concat"
    positions: np.ndarray  # int64, Layer.positions
    cout: np.ndarray  # int64
    groups: np.ndarray  # int64
    output_elements: np.ndarray  # int64, Layer.output_elements
    macs: np.ndarray  # int64, Layer.macs
    params: np.ndarray  # int64, Layer.params
    pred_flat: np.ndarray  # int64
    pred_bounds: np.ndarray  # int64, layers + 1

    @property
    def size(self) -> int:
        """Number of layers."""
        return int(self.weighted.size)

    @staticmethod
    def joined(parts: list[LayerArrays]) -> LayerArrays:
        """The arrays of several workloads' layers laid end to end (inputs re-indexed)."""
        if len(parts) == 1:
            return parts[0]
        sizes = np.array([p.size for p in parts], dtype=np.int64)
        first = np.cumsum(sizes) - sizes
        preds = np.array([p.pred_flat.size for p in parts], dtype=np.int64)
        flat = np.concatenate([p.pred_flat for p in parts]) + np.repeat(first, preds)
        bounds = np.zeros(int(sizes.sum()) + 1, dtype=np.int64)
        bounds[1:] = (np.concatenate([p.pred_bounds[1:] for p in parts])
                      + np.repeat(np.cumsum(preds) - preds, sizes))
        columns = ("weighted", "op", "is_input", "is_concat", "positions", "cout", "groups",
                   "output_elements", "macs", "params")
        return LayerArrays(**{name: np.concatenate([getattr(p, name) for p in parts])
                              for name in columns}, pred_flat=flat, pred_bounds=bounds)
