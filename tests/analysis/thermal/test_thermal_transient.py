"""Transient (implicit Euler) and leakage fixed point."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.analysis.thermal import (
    ThermalRunawayError,
    leakage_power,
    solve_steady,
    solve_steady_with_leakage,
    solve_transient,
    stack_2d,
    stack_3d,
)

DIE = 10e-3


def test_transient_converges_to_steady_state() -> None:
    stack = stack_3d(2, DIE, DIE)
    rng = np.random.default_rng(3)
    power = rng.random((2, 8, 8)) * 0.3
    steady = solve_steady(stack, power)
    run = solve_transient(stack, power, dt_s=5.0, steps=120, nx=8, ny=8)
    assert run.times_s[-1] == pytest.approx(600.0)
    assert np.abs(run.final.tier_temperatures_k - steady.tier_temperatures_k).max() < 0.01
    assert run.final.energy_balance_error < 1e-3
    # heating from ambient under constant power rises monotonically
    assert np.all(np.diff(run.peak_temperature_k) >= -1e-9)
    assert run.peak_temperature_k[0] == pytest.approx(stack.ambient_k)


def test_transient_starts_from_steady_and_cools_when_power_stops() -> None:
    stack = stack_2d(DIE, DIE)
    power = np.full((1, 8, 8), 0.5)
    steady = solve_steady(stack, power)
    hold = solve_transient(stack, power, 0.01, 5, nx=8, ny=8, initial=steady)
    assert np.abs(hold.tier_temperatures_k - steady.tier_temperatures_k[None]).max() < 1e-6
    off = solve_transient(stack, lambda t: np.zeros((1, 8, 8)), 1.0, 10, nx=8, ny=8,
                          initial=steady)
    assert np.all(np.diff(off.peak_temperature_k) < 0)


def test_transient_power_sequence_and_fast_die_response() -> None:
    stack = stack_2d(DIE, DIE)
    steps = 20
    seq = np.zeros((steps, 1, 8, 8))
    seq[10:] = 0.5
    run = solve_transient(stack, seq, 1e-3, steps, nx=8, ny=8)
    assert run.peak_temperature_k[10] == pytest.approx(stack.ambient_k)
    assert run.peak_temperature_k[-1] > stack.ambient_k + 0.5  # the die heats within ms


def test_leakage_fixed_point_is_consistent() -> None:
    stack = stack_3d(2, DIE, DIE)
    dyn = np.full((2, 8, 8), 20.0 / 128)
    leak_ref = np.full((2, 8, 8), 5.0 / 128)
    out = solve_steady_with_leakage(stack, dyn, leak_ref, tol_k=1e-6)
    assert out.iterations > 1
    # at the fixed point the leakage equals the model at the solved temperatures
    expected = leakage_power(leak_ref, out.thermal.tier_temperatures_k)
    assert np.allclose(out.leakage_power_w, expected, rtol=1e-5)
    no_leak = solve_steady(stack, dyn)
    assert out.thermal.peak_temperature_k > no_leak.peak_temperature_k
    assert out.thermal.energy_balance_error < 1e-9


def test_leakage_runaway_raises() -> None:
    stack = stack_2d(DIE, DIE)
    dyn = np.full((1, 8, 8), 0.5)
    with pytest.raises(ThermalRunawayError, match="runaway"):
        solve_steady_with_leakage(stack, dyn, np.full((1, 8, 8), 2.0), beta_per_k=0.05)
