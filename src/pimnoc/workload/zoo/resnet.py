"""ResNet-18/34/50/101/152 as in torchvision (v1.5: the stride sits on the 3x3 conv)."""

from __future__ import annotations

from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS

STAGE_WIDTHS = (64, 128, 256, 512)


def _basic_block(g: GraphBuilder, prefix: str, src: str, planes: int, stride: int) -> str:
    """Two 3x3 convs plus the identity (or a 1x1 downsample) summed; expansion 1."""
    x = g.conv(f"{prefix}.conv1", src, planes, 3, stride, 1)
    x = g.conv(f"{prefix}.conv2", x, planes, 3, 1, 1)
    return g.add(f"{prefix}.add", x, _shortcut(g, prefix, src, planes, stride))


def _bottleneck(g: GraphBuilder, prefix: str, src: str, planes: int, stride: int) -> str:
    """1x1 reduce, 3x3 (strided), 1x1 expand to 4*planes, plus the shortcut."""
    x = g.conv(f"{prefix}.conv1", src, planes, 1)
    x = g.conv(f"{prefix}.conv2", x, planes, 3, stride, 1)
    x = g.conv(f"{prefix}.conv3", x, 4 * planes, 1)
    return g.add(f"{prefix}.add", x, _shortcut(g, prefix, src, 4 * planes, stride))


def _shortcut(g: GraphBuilder, prefix: str, src: str, cout: int, stride: int) -> str:
    """The identity, or a strided 1x1 conv + BN when the shape changes."""
    if stride == 1 and g.shape(src)[0] == cout:
        return src
    return g.conv(f"{prefix}.downsample.0", src, cout, 1, stride)


def _resnet(name: str, bottleneck: bool, blocks: tuple[int, int, int, int],
            input_hw: int, num_classes: int) -> Workload:
    """Stem, four stages of residual blocks, global pool and classifier."""
    g = GraphBuilder(name, 3, (input_hw, input_hw))
    x = g.conv("conv1", "input", 64, 7, 2, 3)
    x = g.pool("maxpool", x, 3, 2, 1, "max")
    block = _bottleneck if bottleneck else _basic_block
    for stage, (planes, count) in enumerate(zip(STAGE_WIDTHS, blocks, strict=True), start=1):
        for i in range(count):
            stride = 2 if stage > 1 and i == 0 else 1
            x = block(g, f"layer{stage}.{i}", x, planes, stride)
    x = g.global_pool("avgpool", x)
    g.linear("fc", x, num_classes)
    return g.build(family="resnet", input_hw=input_hw, num_classes=num_classes)


@MODELS.register("resnet18")
def resnet18(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-18 (He et al. 2016): basic blocks [2, 2, 2, 2]."""
    return _resnet("resnet18", False, (2, 2, 2, 2), input_hw, num_classes)


@MODELS.register("resnet34")
def resnet34(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-34: basic blocks [3, 4, 6, 3]."""
    return _resnet("resnet34", False, (3, 4, 6, 3), input_hw, num_classes)


@MODELS.register("resnet50")
def resnet50(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-50: bottleneck blocks [3, 4, 6, 3]."""
    return _resnet("resnet50", True, (3, 4, 6, 3), input_hw, num_classes)


@MODELS.register("resnet101")
def resnet101(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-101: bottleneck blocks [3, 4, 23, 3]."""
    return _resnet("resnet101", True, (3, 4, 23, 3), input_hw, num_classes)


@MODELS.register("resnet152")
def resnet152(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-152: bottleneck blocks [3, 8, 36, 3]."""
    return _resnet("resnet152", True, (3, 8, 36, 3), input_hw, num_classes)
