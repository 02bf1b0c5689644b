"""The package (spreader and sink larger than the die) against HotSpot run here.

Reference: tests/data/hotspot_package_reference.json, HotSpot (uvahotspot/HotSpot, the
commit recorded there) built with `make` and run in its grid mode (32 x 32) with its
default configuration on a 1 cm^2 die: uniform 10, 25 and 50 W, and 40 W / 10 W on the
two halves; and on a 4 mm x 4 mm die at 3.5 W. pimnoc is given HotSpot's layers (150 um
silicon that dissipates, 20 um TIM, 1 mm spreader of 30 mm, 6.9 mm sink of 60 mm,
0.1 K/W). Reached: every cell's rise above ambient within 2 % of HotSpot's, the mean rise
within 1 %; the remaining difference is where the die's node sits (its middle here, its
face in HotSpot).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from support import DATA_DIR

from pimnoc.analysis.thermal import HeatSink, Stack, solve_steady
from pimnoc.analysis.thermal.materials import SPREADER_CU, TIM, Material
from pimnoc.analysis.thermal.stack import Layer, Package, stack_2d

REFERENCE = json.loads((DATA_DIR / "hotspot_package_reference.json").read_text())
HOTSPOT_SILICON = Material("hotspot_silicon", 130.0, 1630300.0)  # HotSpot k_chip, p_chip
N = 32


def hotspot_stack(package: Package | None, side_m: float = 0.01) -> Stack:
    sink = [Layer("sink", SPREADER_CU, 6.9e-3)] if package else []
    layers = (*sink, Layer("spreader", SPREADER_CU, 1e-3), Layer("tim", TIM, 20e-6),
              Layer("die", HOTSPOT_SILICON, 150e-6, active=True))
    return Stack(side_m, side_m, layers, HeatSink(), REFERENCE["ambient_k"], package=package)


def power(case: dict) -> np.ndarray:
    p = np.zeros((1, N, N))
    if "die" in case["power_w"]:
        p[:] = case["power_w"]["die"] / (N * N)
    else:  # left and right halves (x < 5 mm, x >= 5 mm)
        p[0, :, : N // 2] = case["power_w"]["left"] / (N * N / 2)
        p[0, :, N // 2 :] = case["power_w"]["right"] / (N * N / 2)
    return p


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: c["name"])
def test_package_matches_hotspot_within_2_percent_per_cell(case):
    ambient = REFERENCE["ambient_k"]
    stack = hotspot_stack(Package(), case["die_side_m"])
    die = solve_steady(stack, power(case)).tier_temperatures_k[0]
    hotspot = np.array(case["die_grid_k"]).reshape(N, N)
    rise, reference = die - ambient, hotspot - ambient
    assert np.abs(rise / reference - 1).max() < 0.02
    assert rise.mean() == pytest.approx(reference.mean(), rel=0.01)


def test_without_the_package_the_rise_is_about_a_fifth_low():
    case = next(c for c in REFERENCE["cases"] if c["name"] == "uniform_50w")
    ambient = REFERENCE["ambient_k"]
    old = solve_steady(hotspot_stack(None), power(case)).tier_temperatures_k[0]
    ratio = (old.mean() - ambient) / (case["die_mean_k"] - ambient)
    assert 0.7 < ratio < 0.85  # the die-sized package misses the spreading resistance


def test_default_stacks_carry_hotspots_package_and_conserve_energy():
    stack = stack_2d(0.01, 0.01)
    assert stack.package == Package() and stack.layers[0].name == "sink"
    result = solve_steady(stack, np.full((1, N, N), 50.0 / (N * N)))
    assert result.energy_balance_error < 1e-9
    big = stack_2d(0.04, 0.04)  # a 4 cm die: the spreader grows to 1.25x the die
    assert big.package.spreader_side_m == pytest.approx(0.05)
    assert stack_2d(0.05, 0.05).package is None  # 6.25 cm would not fit on the 6 cm sink
