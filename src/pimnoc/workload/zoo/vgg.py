"""VGG-16/19 as in torchvision (configurations D and E, no batch-norm)."""

from __future__ import annotations

from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS

POOL = 0
"""Marks a 2x2 max-pool in a configuration list."""

CONFIGS: dict[str, tuple[int, ...]] = {
    "vgg16": (64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL,
              512, 512, 512, POOL, 512, 512, 512, POOL),
    "vgg19": (64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL,
              512, 512, 512, 512, POOL, 512, 512, 512, 512, POOL),
}


def _vgg(name: str, input_hw: int, num_classes: int) -> Workload:
    """3x3 conv stacks, adaptive pool to 7x7 and a three-layer classifier."""
    g = GraphBuilder(name, 3, (input_hw, input_hw))
    x = "input"
    index = 0  # torchvision's `features` index: conv, ReLU (fused) or pool
    for width in CONFIGS[name]:
        if width == POOL:
            x = g.pool(f"features.{index}", x, 2, 2, 0, "max")
            index += 1
        else:
            x = g.conv(f"features.{index}", x, width, 3, 1, 1, bias=True, bn=False)
            index += 2
    x = g.adaptive_pool("avgpool", x, (7, 7))
    x = g.linear("classifier.0", x, 4096)
    x = g.linear("classifier.3", x, 4096)
    g.linear("classifier.6", x, num_classes)
    return g.build(family="vgg", input_hw=input_hw, num_classes=num_classes)


@MODELS.register("vgg16")
def vgg16(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """VGG-16 (Simonyan & Zisserman 2015), configuration D."""
    return _vgg("vgg16", input_hw, num_classes)


@MODELS.register("vgg19")
def vgg19(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """VGG-19, configuration E."""
    return _vgg("vgg19", input_hw, num_classes)
