"""Steady-state thermal model: analytic 1D check, energy balance, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.analysis.thermal import (
    HeatSink,
    Stack,
    ThermalError,
    build_model,
    power_map,
    solve_steady,
    stack_2d,
    stack_2p5d,
    stack_3d,
)
from pimnoc.errors import ConfigError, PimnocError

DIE = 10e-3


def series_rise(stack: Stack, tier_power_w: np.ndarray) -> np.ndarray:
    """1D series-resistance solution: temperature rise of each tier's mid-plane, K.

    With uniform power over the footprint and adiabatic sides, heat flows straight down;
    tier a and tier b share the path from the lower of the two to ambient, so
    theta_a = sum_b P_b * R(min(a, b)), R(m) = R_sink + sum_{l<m} t_l/(k_l A) + t_m/(2 k_m A).
    """
    area = stack.width_m * stack.height_m
    r_layer = np.array([lay.thickness_m / (lay.material.k_vertical * area) for lay in stack.layers])
    below = np.concatenate([[0.0], np.cumsum(r_layer)])
    r_to_ambient = stack.heat_sink.resistance_k_per_w + below[:-1] + r_layer / 2
    r_tier = r_to_ambient[list(stack.active_layers)]
    n = len(r_tier)
    shared = r_tier[np.minimum.outer(np.arange(n), np.arange(n))]
    return shared @ tier_power_w


@pytest.mark.parametrize(
    "stack",
    # the die-sized package (isothermal sink): heat flows straight down; the package larger
    # than the die is checked against HotSpot in test_hotspot_package.py
    [stack_2d(DIE, DIE, package=None), stack_3d(4, DIE, DIE, "tsv", package=None),
     stack_3d(3, DIE, DIE, "miv", package=None)],
    ids=["2d", "tsv4", "miv3"],
)
def test_uniform_power_matches_1d_series_solution(stack: Stack) -> None:
    tier_power = np.linspace(20.0, 5.0, stack.n_tiers)
    nx = ny = 16
    power = np.repeat(tier_power, nx * ny).reshape(stack.n_tiers, ny, nx) / (nx * ny)
    result = solve_steady(stack, power)
    expected = series_rise(stack, tier_power)
    rise = result.tier_temperatures_k - stack.ambient_k
    # every cell of a tier equals the 1D solution (adiabatic sides, uniform power)
    rel = np.abs(rise - expected[:, None, None]) / expected[:, None, None]
    assert rel.max() < 0.01
    assert np.ptp(result.tier_temperatures_k, axis=(1, 2)).max() < 1e-6


def random_stack(kind: int) -> Stack:
    """One of several stack flavours, including a far-side heat path."""
    if kind == 0:
        return stack_2d(DIE, 8e-3)
    if kind == 1:
        return stack_3d(3, DIE, DIE, "tsv")
    if kind == 2:
        return stack_3d(2, DIE, DIE, "miv")
    if kind == 3:
        chiplets = [(1e-3, 1e-3, 4e-3, 4e-3), (6e-3, 1e-3, 3e-3, 7e-3)]
        return stack_2p5d(chiplets, DIE, DIE)
    base = stack_3d(2, DIE, DIE, "tsv")
    return Stack(base.width_m, base.height_m, base.layers, base.heat_sink, 300.0, 50.0)


@settings(max_examples=25, deadline=None)
@given(kind=st.integers(0, 4), seed=st.integers(0, 2**31 - 1), scale=st.floats(0.01, 100.0))
def test_energy_balance_for_random_power_maps(kind: int, seed: int, scale: float) -> None:
    stack = random_stack(kind)
    rng = np.random.default_rng(seed)
    power = rng.random((stack.n_tiers, 8, 8)) ** 3 * scale / 64
    result = solve_steady(stack, power)
    assert result.total_power_w == pytest.approx(power.sum(), rel=1e-12)
    assert result.energy_balance_error < 0.01
    assert result.peak_temperature_k >= result.sink_temperature_k >= stack.ambient_k
    assert np.all(result.layer_temperatures_k >= stack.ambient_k - 1e-9)


def test_heat_out_is_computed_not_copied() -> None:
    stack = stack_2d(DIE, DIE)
    model = build_model(stack, 8, 8)
    power = np.full((1, 8, 8), 0.5)
    theta = model.steady_factor().solve(model.power_vector(power))
    assert model.heat_out_w(theta) == pytest.approx(32.0, rel=1e-9)
    assert model.heat_out_w(0.5 * theta) == pytest.approx(16.0, rel=1e-9)


def uniform(stack: Stack, watts_per_tier: float, n: int = 16) -> np.ndarray:
    """Uniform power maps with `watts_per_tier` on every tier."""
    return np.full((stack.n_tiers, n, n), watts_per_tier / n**2)


@pytest.mark.parametrize("vertical", ["tsv", "miv"])
def test_more_tiers_is_hotter(vertical: str) -> None:
    peaks = [
        solve_steady(stack_3d(n, DIE, DIE, vertical), uniform(stack_3d(n, DIE, DIE), 10.0))
        .peak_temperature_k
        for n in (1, 2, 4)
    ]
    assert peaks[0] < peaks[1] < peaks[2]


def test_more_power_is_hotter() -> None:
    stack = stack_3d(2, DIE, DIE)
    rng = np.random.default_rng(1)
    base = rng.random((2, 16, 16))
    low = solve_steady(stack, base).peak_temperature_k
    high = solve_steady(stack, base * 1.5).peak_temperature_k
    bump = base.copy()
    bump[1, 3, 3] += 2.0
    assert low < high
    assert low < solve_steady(stack, bump).peak_temperature_k


@pytest.mark.parametrize("vertical", ["tsv", "miv"])
def test_heat_sink_side_tier_is_coolest(vertical: str) -> None:
    stack = stack_3d(4, DIE, DIE, vertical)
    result = solve_steady(stack, uniform(stack, 15.0))
    peaks, means = result.tier_peak_k, result.tier_mean_k
    assert np.all(np.diff(peaks) > 0) and np.all(np.diff(means) > 0)
    assert peaks.argmin() == 0


def test_monolithic_couples_tiers_tighter_than_tsv() -> None:
    tsv, miv = stack_3d(4, DIE, DIE, "tsv"), stack_3d(4, DIE, DIE, "miv")
    spread_tsv = np.ptp(solve_steady(tsv, uniform(tsv, 15.0)).tier_mean_k)
    spread_miv = np.ptp(solve_steady(miv, uniform(miv, 15.0)).tier_mean_k)
    assert spread_miv < spread_tsv


def test_hotspot_is_local_and_grid_converges() -> None:
    stack = stack_2d(DIE, DIE)
    peaks = []
    for n in (16, 32, 64):
        xy = [[2.5e-3, 2.5e-3]]
        pm = power_map(xy, [0], [5.0], stack, n, n, node_size_m=2e-3)
        result = solve_steady(stack, pm)
        tier = result.tier_temperatures_k[0]
        # the hot corner is hotter than the far corner
        assert tier[n // 4, n // 4] > tier[-1, -1] + 1.0
        peaks.append(result.peak_temperature_k - stack.ambient_k)
    assert abs(peaks[2] - peaks[1]) / peaks[2] < 0.05
    assert abs(peaks[2] - peaks[1]) < abs(peaks[1] - peaks[0]) + 1e-9


def test_2p5d_chiplets_hotter_than_gaps() -> None:
    chiplets = [(1e-3, 1e-3, 3e-3, 3e-3), (6e-3, 6e-3, 3e-3, 3e-3)]
    stack = stack_2p5d(chiplets, DIE, DIE)
    assert stack.n_tiers == 1
    pm = power_map([[2.5e-3, 2.5e-3], [7.5e-3, 7.5e-3]], [0, 0], [8.0, 8.0], stack, 20, 20,
                   node_size_m=3e-3)
    result = solve_steady(stack, pm)
    tier = result.tier_temperatures_k[0]
    assert tier[5, 5] > tier[5, 15] + 1.0  # chiplet centre vs empty interposer corner
    assert result.energy_balance_error < 1e-9


def test_better_heat_sink_is_cooler() -> None:
    hot = stack_2d(DIE, DIE, heat_sink=HeatSink(r_convec_k_per_w=0.5))
    cool = stack_2d(DIE, DIE)
    p = uniform(cool, 30.0)
    assert solve_steady(cool, p).peak_temperature_k < solve_steady(hot, p).peak_temperature_k


def test_errors_name_the_key() -> None:
    stack = stack_3d(2, DIE, DIE)
    with pytest.raises(ThermalError, match="power_w"):
        solve_steady(stack, np.ones((3, 8, 8)))
    with pytest.raises(ThermalError, match="power_w"):
        solve_steady(stack, -np.ones((2, 8, 8)))
    with pytest.raises(ConfigError, match="vertical"):
        stack_3d(2, DIE, DIE, "wire")
    with pytest.raises(PimnocError, match="chiplets"):
        stack_2p5d([(8e-3, 8e-3, 5e-3, 5e-3)], DIE, DIE)
