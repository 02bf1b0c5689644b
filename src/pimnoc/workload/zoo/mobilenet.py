"""MobileNet-V2 and MobileNet-V3-Large as in torchvision (width multiplier 1.0)."""

from __future__ import annotations

from dataclasses import dataclass

from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels to a multiple of `divisor`, never below 90% of `value` (MobileNet rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


V2_SETTINGS: tuple[tuple[int, int, int, int], ...] = (
    # expansion t, output channels c, repeats n, first stride s
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def _v2_block(g: GraphBuilder, prefix: str, src: str, cout: int, stride: int,
              expand: int) -> str:
    """Inverted residual: [1x1 expand], 3x3 depthwise, 1x1 linear projection, [residual add]."""
    cin = g.shape(src)[0]
    hidden = round(cin * expand)
    x, index = src, 0
    if expand != 1:
        x = g.conv(f"{prefix}.conv.{index}.0", x, hidden, 1)
        index += 1
    x = g.conv(f"{prefix}.conv.{index}.0", x, hidden, 3, stride, 1, groups=hidden)
    x = g.conv(f"{prefix}.conv.{index + 1}", x, cout, 1)  # its BN is conv.{index + 2}
    if stride == 1 and cin == cout:
        x = g.add(f"{prefix}.add", x, src)
    return x


@MODELS.register("mobilenet_v2")
def mobilenet_v2(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """MobileNet-V2 (Sandler et al. 2018)."""
    g = GraphBuilder("mobilenet_v2", 3, (input_hw, input_hw))
    x = g.conv("features.0.0", "input", make_divisible(32), 3, 2, 1)
    index = 1
    for expand, channels, repeats, first_stride in V2_SETTINGS:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            x = _v2_block(g, f"features.{index}", x, make_divisible(channels), stride, expand)
            index += 1
    x = g.conv(f"features.{index}.0", x, make_divisible(1280), 1)
    x = g.global_pool("avgpool", x)
    g.linear("classifier.1", x, num_classes)
    return g.build(family="mobilenet", input_hw=input_hw, num_classes=num_classes)


@dataclass(frozen=True)
class BneckConfig:
    """One MobileNet-V3 bottleneck: kernel, expanded and output channels, SE, stride."""

    kernel: int
    expanded: int
    out: int
    use_se: bool
    stride: int


V3_LARGE: tuple[BneckConfig, ...] = (
    BneckConfig(3, 16, 16, False, 1),
    BneckConfig(3, 64, 24, False, 2),
    BneckConfig(3, 72, 24, False, 1),
    BneckConfig(5, 72, 40, True, 2),
    BneckConfig(5, 120, 40, True, 1),
    BneckConfig(5, 120, 40, True, 1),
    BneckConfig(3, 240, 80, False, 2),
    BneckConfig(3, 200, 80, False, 1),
    BneckConfig(3, 184, 80, False, 1),
    BneckConfig(3, 184, 80, False, 1),
    BneckConfig(3, 480, 112, True, 1),
    BneckConfig(3, 672, 112, True, 1),
    BneckConfig(5, 672, 160, True, 2),
    BneckConfig(5, 960, 160, True, 1),
    BneckConfig(5, 960, 160, True, 1),
)


def _squeeze_excitation(g: GraphBuilder, prefix: str, src: str) -> str:
    """Global pool, 1x1 conv squeeze (ReLU), 1x1 conv excite (hard-sigmoid), scale `src`."""
    channels = g.shape(src)[0]
    squeezed = make_divisible(channels // 4)
    s = g.global_pool(f"{prefix}.avgpool", src)
    s = g.conv(f"{prefix}.fc1", s, squeezed, 1, bias=True, bn=False)
    s = g.conv(f"{prefix}.fc2", s, channels, 1, bias=True, bn=False)
    return g.mul(f"{prefix}.mul", s, src)


def _v3_block(g: GraphBuilder, prefix: str, src: str, cfg: BneckConfig) -> str:
    """[1x1 expand], kxk depthwise, [squeeze-excitation], 1x1 projection, [residual add]."""
    cin = g.shape(src)[0]
    x, index = src, 0
    if cfg.expanded != cin:
        x = g.conv(f"{prefix}.block.{index}.0", x, cfg.expanded, 1)
        index += 1
    x = g.conv(f"{prefix}.block.{index}.0", x, cfg.expanded, cfg.kernel, cfg.stride,
               (cfg.kernel - 1) // 2, groups=cfg.expanded)
    index += 1
    if cfg.use_se:
        x = _squeeze_excitation(g, f"{prefix}.block.{index}", x)
        index += 1
    x = g.conv(f"{prefix}.block.{index}.0", x, cfg.out, 1)
    if cfg.stride == 1 and cin == cfg.out:
        x = g.add(f"{prefix}.add", x, src)
    return x


@MODELS.register("mobilenet_v3_large")
def mobilenet_v3_large(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """MobileNet-V3-Large (Howard et al. 2019); Hardswish/ReLU fused into the convs."""
    g = GraphBuilder("mobilenet_v3_large", 3, (input_hw, input_hw))
    x = g.conv("features.0.0", "input", 16, 3, 2, 1)
    for index, cfg in enumerate(V3_LARGE, start=1):
        x = _v3_block(g, f"features.{index}", x, cfg)
    last = len(V3_LARGE) + 1
    x = g.conv(f"features.{last}.0", x, 6 * V3_LARGE[-1].out, 1)
    x = g.global_pool("avgpool", x)
    x = g.linear("classifier.0", x, 1280)
    g.linear("classifier.3", x, num_classes)
    return g.build(family="mobilenet", input_hw=input_hw, num_classes=num_classes)
