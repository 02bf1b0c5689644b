"""CIFAR networks as the ReRAM literature uses them (32 x 32 inputs, 10 classes).

- ResNet-20/32/56/110: He et al., "Deep Residual Learning for Image Recognition",
  CVPR 2016, section 4.2: a 3x3 conv of 16, three stages of n basic blocks of 16, 32 and
  64 channels (6n + 2 layers), global average pool, a 10-way classifier. Where the shape
  changes the shortcut is a strided 1x1 projection with batch-norm (the paper's option B;
  its option A pads with zeros and has no weights, so the totals here are 2,560 weights
  (plus their batch-norms) above the paper's 0.27M / 0.46M / 0.85M / 1.7M).
- ResNet-18 for CIFAR: torchvision's ResNet-18 with a 3x3, stride-1 stem of 64 channels and
  no max-pool (the usual CIFAR variant, e.g. kuangliu/pytorch-cifar; ~0.56 G MACs).
- VGG-8: the CIFAR network of DNN+NeuroSim (Peng et al., IEDM 2019): 3x3 convs 128, 128,
  pool, 256, 256, pool, 512, 512, pool, then 8192 -> 1024 -> 10; no bias, no batch-norm.
- VGG-8 as MNSIM-2.0 defines it (`vgg8_mnsim`; MNSIM/Interface/network.py:407-427 at commit
  ca39ccb): the same six convs and three pools, then a 3x3 conv of 1024 without padding
  (4x4 -> 2x2), a 2x2 max-pool and a 1024 -> 10 classifier.
"""

from __future__ import annotations

from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS
from pimnoc.workload.zoo.resnet import STAGE_WIDTHS, _basic_block

CIFAR_STAGE_WIDTHS = (16, 32, 64)


def _cifar_resnet(name: str, blocks_per_stage: int, input_hw: int,
                  num_classes: int) -> Workload:
    """He et al.'s CIFAR ResNet with `blocks_per_stage` = n (depth 6n + 2)."""
    g = GraphBuilder(name, 3, (input_hw, input_hw))
    x = g.conv("conv1", "input", CIFAR_STAGE_WIDTHS[0], 3, 1, 1)
    for stage, planes in enumerate(CIFAR_STAGE_WIDTHS, start=1):
        for i in range(blocks_per_stage):
            stride = 2 if stage > 1 and i == 0 else 1
            x = _basic_block(g, f"layer{stage}.{i}", x, planes, stride)
    x = g.global_pool("avgpool", x)
    g.linear("fc", x, num_classes)
    return g.build(family="resnet_cifar", input_hw=input_hw, num_classes=num_classes)


@MODELS.register("resnet20")
def resnet20(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """ResNet-20 for CIFAR (He et al. 2016): n = 3."""
    return _cifar_resnet("resnet20", 3, input_hw, num_classes)


@MODELS.register("resnet32")
def resnet32(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """ResNet-32 for CIFAR: n = 5."""
    return _cifar_resnet("resnet32", 5, input_hw, num_classes)


@MODELS.register("resnet56")
def resnet56(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """ResNet-56 for CIFAR: n = 9."""
    return _cifar_resnet("resnet56", 9, input_hw, num_classes)


@MODELS.register("resnet110")
def resnet110(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """ResNet-110 for CIFAR: n = 18."""
    return _cifar_resnet("resnet110", 18, input_hw, num_classes)


@MODELS.register("resnet18_cifar")
def resnet18_cifar(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """ResNet-18 with a 3x3 stride-1 stem and no max-pool (CIFAR)."""
    g = GraphBuilder("resnet18_cifar", 3, (input_hw, input_hw))
    x = g.conv("conv1", "input", STAGE_WIDTHS[0], 3, 1, 1)
    for stage, planes in enumerate(STAGE_WIDTHS, start=1):
        for i in range(2):
            stride = 2 if stage > 1 and i == 0 else 1
            x = _basic_block(g, f"layer{stage}.{i}", x, planes, stride)
    x = g.global_pool("avgpool", x)
    g.linear("fc", x, num_classes)
    return g.build(family="resnet_cifar", input_hw=input_hw, num_classes=num_classes)


VGG8_CONVS = (128, 128, 0, 256, 256, 0, 512, 512, 0)
"""VGG-8's features (DNN+NeuroSim / MNSIM-2.0); 0 marks a 2x2 max-pool."""


@MODELS.register("vgg8_cifar")
def vgg8_cifar(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """VGG-8 for CIFAR as DNN+NeuroSim defines it."""
    g = GraphBuilder("vgg8_cifar", 3, (input_hw, input_hw))
    x = "input"
    for index, width in enumerate(VGG8_CONVS):
        if width == 0:
            x = g.pool(f"features.{index}", x, 2, 2, 0, "max")
        else:
            x = g.conv(f"features.{index}", x, width, 3, 1, 1, bias=False, bn=False)
    x = g.linear("classifier.0", x, 1024, bias=False)
    g.linear("classifier.1", x, num_classes, bias=False)
    return g.build(family="vgg_cifar", input_hw=input_hw, num_classes=num_classes)


@MODELS.register("vgg8_mnsim")
def vgg8_mnsim(input_hw: int = 32, num_classes: int = 10) -> Workload:
    """VGG-8 for CIFAR as MNSIM-2.0 defines it (a 3x3 conv of 1024 and a pool before the
    classifier)."""
    g = GraphBuilder("vgg8_mnsim", 3, (input_hw, input_hw))
    x = "input"
    for index, width in enumerate(VGG8_CONVS):
        if width == 0:
            x = g.pool(f"features.{index}", x, 2, 2, 0, "max")
        else:
            x = g.conv(f"features.{index}", x, width, 3, 1, 1, bias=False, bn=False)
    x = g.conv("features.9", x, 1024, 3, 1, 0, bias=False, bn=False)
    x = g.pool("features.10", x, 2, 2, 0, "max")
    g.linear("classifier", x, num_classes, bias=False)
    return g.build(family="vgg_cifar", input_hw=input_hw, num_classes=num_classes)
