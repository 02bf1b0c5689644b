"""Steady-state, transient (implicit Euler) and leakage-coupled temperature solutions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pimnoc.analysis.thermal.errors import ThermalError, ThermalRunawayError
from pimnoc.analysis.thermal.grid import (
    DEFAULT_NX,
    DEFAULT_NY,
    ThermalModel,
    build_model,
    check_power,
)
from pimnoc.analysis.thermal.stack import Stack

# Leakage temperature coefficient: the average gate leakage currents tabulated by Liao,
# He and Lepak ("Temperature and supply voltage aware performance and power modeling at
# microarchitecture level", IEEE TCAD 2005) at 60/80/100 C give exp-fits of
# 0.008-0.0097 /K (1.05 V and 0.95 V); we take the middle.
LEAKAGE_BETA_PER_K = 0.009
# Temperature at which reference leakage powers are quoted.  # assumption: room temperature
LEAKAGE_T_REF_K = 300.0
# Above this any leakage iteration is declared a runaway.  # assumption: far past any
# junction limit (CHIPSIM's ReRAM chiplet limit is 330 K)
RUNAWAY_LIMIT_K = 600.0

PowerInput = np.ndarray | Sequence[np.ndarray] | Callable[[float], np.ndarray]


@dataclass(frozen=True, eq=False)
class ThermalResult:
    """Temperatures (K) of every grid layer and tier, with the heat balance."""

    layer_names: tuple[str, ...]
    layer_temperatures_k: np.ndarray  # (layers, ny, nx), layer 0 at the heat sink
    tier_temperatures_k: np.ndarray  # (tiers, ny, nx), tier 0 nearest the heat sink
    sink_temperature_k: float
    ambient_k: float
    peak_temperature_k: float
    total_power_w: float
    heat_flow_out_w: float  # from the boundary fluxes of the solution
    sink_nodes_k: np.ndarray | None = None  # the sink node and any package nodes after it

    @property
    def tier_peak_k(self) -> np.ndarray:
        """Hottest cell of each tier, K."""
        return self.tier_temperatures_k.max(axis=(1, 2))

    @property
    def tier_mean_k(self) -> np.ndarray:
        """Mean temperature of each tier, K."""
        return self.tier_temperatures_k.mean(axis=(1, 2))

    @property
    def energy_balance_error(self) -> float:
        """|heat out - power in| / power in (0 when no power)."""
        if self.total_power_w == 0:
            return abs(self.heat_flow_out_w)
        return abs(self.heat_flow_out_w - self.total_power_w) / self.total_power_w


@dataclass(frozen=True, eq=False)
class TransientResult:
    """Tier temperatures over time from an implicit-Euler run."""

    times_s: np.ndarray  # (steps + 1,)
    tier_temperatures_k: np.ndarray  # (steps + 1, tiers, ny, nx)
    peak_temperature_k: np.ndarray  # (steps + 1,)
    sink_temperature_k: np.ndarray  # (steps + 1,)
    final: ThermalResult


@dataclass(frozen=True, eq=False)
class LeakageResult:
    """A steady state with temperature-dependent leakage at its fixed point."""

    thermal: ThermalResult
    leakage_power_w: np.ndarray  # (tiers, ny, nx) at the fixed point
    iterations: int


def _result(model: ThermalModel, theta: np.ndarray, power_vec: np.ndarray) -> ThermalResult:
    """Package a solution vector theta (K over ambient) as a ThermalResult."""
    stack = model.stack
    ambient = stack.ambient_k
    layers = ambient + theta[: model.sink_index].reshape(model.n_layers, model.ny, model.nx)
    tiers = layers[list(stack.active_layers)]
    return ThermalResult(
        layer_names=tuple(layer.name for layer in stack.layers),
        layer_temperatures_k=layers,
        tier_temperatures_k=tiers,
        sink_temperature_k=float(ambient + theta[model.sink_index]),
        ambient_k=ambient,
        peak_temperature_k=float(layers.max()),
        total_power_w=float(power_vec.sum()),
        heat_flow_out_w=model.heat_out_w(theta),
        sink_nodes_k=ambient + theta[model.sink_index :],
    )


def solve_steady(
    stack: Stack, power_w: np.ndarray, *, nx: int | None = None, ny: int | None = None
) -> ThermalResult:
    """Steady-state temperatures for a per-tier power map (tiers, ny, nx) in W.

    The grid size defaults to the power map's own (ny, nx).
    """
    arr = np.asarray(power_w, dtype=float)
    ny = ny or (arr.shape[-2] if arr.ndim >= 2 else DEFAULT_NY)
    nx = nx or (arr.shape[-1] if arr.ndim >= 2 else DEFAULT_NX)
    model = build_model(stack, nx, ny)
    power_vec = model.power_vector(arr)
    theta = model.steady_factor().solve(power_vec)
    return _result(model, theta, power_vec)


def _power_at(power: PowerInput, step: int, time_s: float, steps: int) -> np.ndarray:
    """The power map applied during step `step` (ending at `time_s`)."""
    if callable(power):
        return np.asarray(power(time_s), dtype=float)
    if isinstance(power, np.ndarray) and power.ndim == 4:
        return power[step]
    if isinstance(power, np.ndarray):
        return power
    return np.asarray(power[step], dtype=float)


def solve_transient(
    stack: Stack,
    power: PowerInput,
    dt_s: float,
    steps: int,
    *,
    nx: int = DEFAULT_NX,
    ny: int = DEFAULT_NY,
    initial: ThermalResult | float | None = None,
) -> TransientResult:
    """Implicit-Euler transient from `initial` (default: ambient everywhere).

    `power` is a constant map (tiers, ny, nx), a sequence/array of `steps` maps, or a
    function of time (s, the end of each step) returning a map. `initial` may be a
    ThermalResult on the same grid (its sink temperature is used too) or one uniform
    temperature in K.
    """
    if not dt_s > 0 or steps < 1:
        raise ThermalError("thermal.transient: dt_s must be > 0 and steps >= 1")
    if not callable(power) and not isinstance(power, np.ndarray):
        if len(power) != steps:
            raise ThermalError(
                f"thermal.transient.power: {len(power)} maps for {steps} steps; "
                "give one map per step, one constant map, or a function of time"
            )
    if isinstance(power, np.ndarray) and power.ndim == 4 and power.shape[0] != steps:
        raise ThermalError(
            f"thermal.transient.power: {power.shape[0]} maps for {steps} steps; "
            "give one map per step"
        )
    model = build_model(stack, nx, ny)
    theta = np.zeros(model.n_nodes)
    if isinstance(initial, ThermalResult):
        if initial.layer_temperatures_k.shape != (model.n_layers, ny, nx):
            raise ThermalError("thermal.transient.initial: the result is on another grid")
        theta[: model.sink_index] = initial.layer_temperatures_k.ravel() - stack.ambient_k
        nodes = initial.sink_nodes_k
        if nodes is not None and nodes.size == model.n_nodes - model.sink_index:
            theta[model.sink_index :] = nodes - stack.ambient_k
        else:
            theta[model.sink_index :] = initial.sink_temperature_k - stack.ambient_k
    elif initial is not None:
        theta[:] = float(initial) - stack.ambient_k
    factor = model.transient_factor(dt_s)
    c_over_dt = model.capacitance_j_per_k / dt_s
    active = list(stack.active_layers)
    ambient = stack.ambient_k

    def tiers_of(th: np.ndarray) -> np.ndarray:
        return th[: model.sink_index].reshape(model.n_layers, ny, nx)[active] + ambient

    tier_hist = np.empty((steps + 1, stack.n_tiers, ny, nx))
    peak = np.empty(steps + 1)
    sink = np.empty(steps + 1)
    tier_hist[0] = tiers_of(theta)
    peak[0] = ambient + theta[: model.sink_index].max()
    sink[0] = ambient + theta[model.sink_index]
    power_vec = np.zeros(model.n_nodes)
    for step in range(steps):  # time stepping is inherently sequential; each step is one solve
        power_vec = model.power_vector(_power_at(power, step, (step + 1) * dt_s, steps))
        theta = factor.solve(c_over_dt * theta + power_vec)
        tier_hist[step + 1] = tiers_of(theta)
        peak[step + 1] = ambient + theta[: model.sink_index].max()
        sink[step + 1] = ambient + theta[model.sink_index]
    return TransientResult(
        times_s=np.arange(steps + 1) * dt_s,
        tier_temperatures_k=tier_hist,
        peak_temperature_k=peak,
        sink_temperature_k=sink,
        final=_result(model, theta, power_vec),
    )


def leakage_power(
    leakage_ref_w: np.ndarray,
    temperature_k: np.ndarray,
    beta_per_k: float = LEAKAGE_BETA_PER_K,
    t_ref_k: float = LEAKAGE_T_REF_K,
) -> np.ndarray:
    """Leakage at temperature T: leak_ref * exp(beta * (T - T_ref))."""
    return leakage_ref_w * np.exp(beta_per_k * (temperature_k - t_ref_k))


def solve_steady_with_leakage(
    stack: Stack,
    dynamic_power_w: np.ndarray,
    leakage_ref_w: np.ndarray,
    *,
    beta_per_k: float = LEAKAGE_BETA_PER_K,
    t_ref_k: float = LEAKAGE_T_REF_K,
    tol_k: float = 1e-3,
    max_iter: int = 100,
    runaway_limit_k: float = RUNAWAY_LIMIT_K,
) -> LeakageResult:
    """Steady state where each cell's leakage depends on its own temperature (fixed point).

    Starts from ambient (leakage underestimated), so the iterates rise monotonically to the
    lowest fixed point; G is factorised once and reused. Raises ThermalRunawayError if the
    temperature passes `runaway_limit_k` or the iteration has not settled to `tol_k`
    within `max_iter` iterations.
    """
    dyn = np.asarray(dynamic_power_w, dtype=float)
    model = build_model(stack, dyn.shape[-1], dyn.shape[-2])
    dyn = check_power(dyn, stack, model.nx, model.ny)
    leak_ref = check_power(np.broadcast_to(leakage_ref_w, dyn.shape), stack, model.nx, model.ny)
    if beta_per_k < 0:
        raise ThermalError("thermal.leakage.beta_per_k must be >= 0 (1/K)")
    factor = model.steady_factor()
    tiers_t = np.full(dyn.shape, stack.ambient_k)
    active = list(stack.active_layers)
    for iteration in range(1, max_iter + 1):
        leak = leakage_power(leak_ref, tiers_t, beta_per_k, t_ref_k)
        power_vec = model.power_vector(dyn + leak)
        theta = factor.solve(power_vec)
        layers = stack.ambient_k + theta[: model.sink_index].reshape(
            model.n_layers, model.ny, model.nx
        )
        new_tiers = layers[active]
        if not np.all(np.isfinite(layers)) or layers.max() > runaway_limit_k:
            raise ThermalRunawayError(
                f"thermal.leakage: thermal runaway (peak above {runaway_limit_k:.0f} K after "
                f"{iteration} iterations); lower leakage_ref_w or beta_per_k, or cool better "
                "(heat_sink.r_convec_k_per_w)"
            )
        change = float(np.abs(new_tiers - tiers_t).max())
        tiers_t = new_tiers
        if change < tol_k:
            final_leak = leakage_power(leak_ref, tiers_t, beta_per_k, t_ref_k)
            return LeakageResult(_result(model, theta, power_vec), final_leak, iteration)
    raise ThermalRunawayError(
        f"thermal.leakage: no fixed point within {max_iter} iterations (last change "
        f"{change:.3g} K > tol_k {tol_k} K): likely thermal runaway; lower leakage_ref_w or "
        "beta_per_k, improve the heat sink, or raise max_iter"
    )
