"""DenseNet-121/169 as in torchvision (growth 32, bottleneck 4x, compression 0.5)."""

from __future__ import annotations

from pimnoc.workload.builder import GraphBuilder
from pimnoc.workload.ir import Workload
from pimnoc.workload.zoo.base import MODELS

GROWTH_RATE = 32
BN_SIZE = 4
INIT_FEATURES = 64


def _dense_block(g: GraphBuilder, prefix: str, src: str, num_layers: int) -> str:
    """Dense layers, each reading the concatenation of the block input and all earlier layers."""
    # Each layer is BN-ReLU-conv1x1 (to 4*growth), BN-ReLU-conv3x3 (to growth); the first BN
    # is conv1's `pre_bn`, the second its `bn`. Layer 1 reads the block input directly (a
    # one-tensor concatenation is a no-op); the block output concatenates everything.
    features = [src]
    for i in range(1, num_layers + 1):
        name = f"{prefix}.denselayer{i}"
        x = features[0] if i == 1 else g.concat(f"{name}.concat", *features)
        x = g.conv(f"{name}.conv1", x, BN_SIZE * GROWTH_RATE, 1, pre_bn=True)
        x = g.conv(f"{name}.conv2", x, GROWTH_RATE, 3, 1, 1, bn=False)
        features.append(x)
    return g.concat(f"{prefix}.concat", *features)


def _densenet(name: str, blocks: tuple[int, ...], input_hw: int, num_classes: int) -> Workload:
    """Stem, dense blocks joined by halving transitions, norm5 + pool, classifier."""
    g = GraphBuilder(name, 3, (input_hw, input_hw))
    x = g.conv("features.conv0", "input", INIT_FEATURES, 7, 2, 3)
    x = g.pool("features.pool0", x, 3, 2, 1, "max")
    for b, num_layers in enumerate(blocks, start=1):
        x = _dense_block(g, f"features.denseblock{b}", x, num_layers)
        if b < len(blocks):
            prefix = f"features.transition{b}"
            x = g.conv(f"{prefix}.conv", x, g.shape(x)[0] // 2, 1, bn=False, pre_bn=True)
            x = g.pool(f"{prefix}.pool", x, 2, 2, 0, "avg")
    # features.norm5 (BN + ReLU) is fused into the global pool that follows it.
    x = g.global_pool("avgpool", x, norm_params=2 * g.shape(x)[0])
    g.linear("classifier", x, num_classes)
    return g.build(family="densenet", input_hw=input_hw, num_classes=num_classes)


@MODELS.register("densenet121")
def densenet121(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """DenseNet-121 (Huang et al. 2017): blocks [6, 12, 24, 16]."""
    return _densenet("densenet121", (6, 12, 24, 16), input_hw, num_classes)


@MODELS.register("densenet169")
def densenet169(input_hw: int = 224, num_classes: int = 1000) -> Workload:
    """DenseNet-169: blocks [6, 12, 32, 32]."""
    return _densenet("densenet169", (6, 12, 32, 32), input_hw, num_classes)
