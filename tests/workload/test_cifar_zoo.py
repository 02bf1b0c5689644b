"""The CIFAR zoo against independently built torch modules and published totals."""

from __future__ import annotations

import pytest

from pimnoc.workload.zoo import build_model

torch = pytest.importorskip("torch")
nn = torch.nn

PUBLISHED_PARAMS_M = {"resnet20": 0.27, "resnet32": 0.46, "resnet56": 0.85,
                      "resnet110": 1.7}  # He et al. 2016, Table 6 (option A shortcuts)


class Basic(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = (nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)))

    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))


def torch_resnet(widths: tuple[int, ...], blocks: int, stem: int) -> nn.Module:
    layers = [nn.Conv2d(3, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU()]
    cin = stem
    for stage, width in enumerate(widths):
        for i in range(blocks):
            layers.append(Basic(cin, width, 2 if stage > 0 and i == 0 else 1))
            cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10))


def torch_vgg8() -> nn.Module:
    layers, cin = [], 3
    for width in (128, 128, 0, 256, 256, 0, 512, 512, 0):
        if width == 0:
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(cin, width, 3, 1, 1, bias=False), nn.ReLU()]
            cin = width
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(8192, 1024, bias=False), nn.ReLU(),
                         nn.Linear(1024, 10, bias=False))


def torch_vgg8_mnsim() -> nn.Module:
    """MNSIM-2.0's vgg8 (MNSIM/Interface/network.py:407-427, commit ca39ccb)."""
    layers, cin = [], 3
    for width in (128, 128, 0, 256, 256, 0, 512, 512, 0):
        if width == 0:
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(cin, width, 3, 1, 1, bias=False), nn.ReLU()]
            cin = width
    return nn.Sequential(*layers, nn.Conv2d(512, 1024, 3, 1, 0, bias=False), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 10, bias=False))


def torch_counts(module: nn.Module) -> tuple[int, int]:
    """(parameters, MACs of convs and linears) of a module on one 3x32x32 input."""
    macs = []

    def hook(layer, inputs, output):
        if isinstance(layer, nn.Conv2d):
            per_out = layer.in_channels // layer.groups * layer.kernel_size[0] \
                * layer.kernel_size[1]
            macs.append(output.numel() * per_out)
        else:
            macs.append(layer.in_features * layer.out_features)

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, nn.Conv2d | nn.Linear)]
    with torch.no_grad():
        module.eval()(torch.zeros(1, 3, 32, 32))
    for h in handles:
        h.remove()
    return sum(p.numel() for p in module.parameters()), sum(macs)


CASES = {
    "resnet20": lambda: torch_resnet((16, 32, 64), 3, 16),
    "resnet32": lambda: torch_resnet((16, 32, 64), 5, 16),
    "resnet56": lambda: torch_resnet((16, 32, 64), 9, 16),
    "resnet110": lambda: torch_resnet((16, 32, 64), 18, 16),
    "resnet18_cifar": lambda: torch_resnet((64, 128, 256, 512), 2, 64),
    "vgg8_cifar": torch_vgg8,
    "vgg8_mnsim": torch_vgg8_mnsim,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_params_and_macs_equal_a_torch_build_of_the_same_network(name):
    workload = build_model(name, 32)
    params, macs = torch_counts(CASES[name]())
    assert workload.params == params
    assert workload.macs == macs


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMS_M))
def test_resnet_params_round_to_the_published_totals(name):
    # option B's two projections: 16x32 + 32x64 weights and 2 x (32 + 64) batch-norm values
    option_a = build_model(name, 32).params - (16 * 32 + 32 * 64) - 2 * (32 + 64)
    digits = 1 if name == "resnet110" else 2
    assert round(option_a / 1e6, digits) == PUBLISHED_PARAMS_M[name]


def test_cifar_resnet18_is_the_usual_half_gigamac_network():
    assert build_model("resnet18_cifar", 32).macs == pytest.approx(0.556e9, rel=0.01)
    assert build_model("resnet18", 32).macs < 0.1e9  # the ImageNet stem at 32 x 32


def test_a_run_without_input_hw_takes_the_models_own_size():
    from pimnoc.config import parse_run
    from pimnoc.evaluate import workloads_of

    run = {"workload": {"networks": [{"model": "resnet20"}, {"model": "resnet18"}]},
           "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4}}}
    cifar, imagenet = workloads_of(parse_run(run))
    assert cifar.layers[0].in_hw == (32, 32)
    assert imagenet.layers[0].in_hw == (224, 224)
