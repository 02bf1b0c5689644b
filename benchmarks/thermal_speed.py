"""Speed of a steady-state thermal solve: 4-tier TSV stack, 10 x 10 PEs per tier, default grid.

Prints JSON: seconds for a cold solve (grid assembly + LU factorisation + solve), a warm
solve (cached factors, as in leakage iterations or a sweep over power maps), the grid,
and the peak temperature. Target: cold solve < 2 s.

PE power: 0.1 W per 1 mm x 1 mm PE, +-50 % uniform spread  # assumption, benchmark load only
"""

from __future__ import annotations

import json
import time

import numpy as np

from pimnoc.analysis.thermal import (
    DEFAULT_NX,
    DEFAULT_NY,
    build_model,
    power_map,
    solve_steady,
    stack_3d,
)

TIERS = 4
PES_PER_SIDE = 10
PE_PITCH_M = 1e-3
PE_POWER_W = 0.1


def main() -> None:
    """Run the benchmark and print JSON."""
    side = PES_PER_SIDE * PE_PITCH_M
    stack = stack_3d(TIERS, side, side, "tsv")
    centres = (np.arange(PES_PER_SIDE) + 0.5) * PE_PITCH_M
    xs, ys = np.meshgrid(centres, centres)
    xy = np.tile(np.column_stack([xs.ravel(), ys.ravel()]), (TIERS, 1))
    tier = np.repeat(np.arange(TIERS), PES_PER_SIDE**2)
    rng = np.random.default_rng(0)
    power = PE_POWER_W * rng.uniform(0.5, 1.5, len(tier))

    start = time.perf_counter()
    pmap = power_map(xy, tier, power, stack, DEFAULT_NX, DEFAULT_NY, node_size_m=PE_PITCH_M)
    result = solve_steady(stack, pmap)
    cold = time.perf_counter() - start

    start = time.perf_counter()
    solve_steady(stack, pmap * 1.1)
    warm = time.perf_counter() - start

    model = build_model(stack, DEFAULT_NX, DEFAULT_NY)
    print(
        json.dumps(
            {
                "benchmark": "thermal_steady_4tier_10x10",
                "seconds_cold": round(cold, 4),
                "seconds_warm": round(warm, 4),
                "target_seconds": 2.0,
                "grid_nx": DEFAULT_NX,
                "grid_ny": DEFAULT_NY,
                "grid_layers": model.n_layers,
                "unknowns": model.n_nodes,
                "tiers": TIERS,
                "pes": int(len(tier)),
                "total_power_w": round(result.total_power_w, 3),
                "heat_flow_out_w": round(result.heat_flow_out_w, 3),
                "peak_temperature_k": round(result.peak_temperature_k, 3),
                "tier_peak_k": [round(float(t), 3) for t in result.tier_peak_k],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
