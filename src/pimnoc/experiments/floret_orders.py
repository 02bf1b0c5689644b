"""How far Floret vs the mesh depends on where each network of a mix lands.

The order in which a mix lists its networks decides which chiplets each one gets, so which
layer boundaries fall on chiplet boundaries and which channel saturates. Evaluating Floret
(sfc) and the mesh (row_major) under several seeded orders of the same mix shows the spread
of the comparison instead of one draw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from pimnoc.evaluate import evaluate
from pimnoc.experiments.compare import with_changes

ProgressFn = Callable[[int, int, str], None]

TIE = 0.001
"""Relative changes within +-0.1 % are counted as ties, not as wins (a reporting threshold)."""


def network_orders(count: int, networks: int, seed: int = 0) -> list[tuple[int, ...]]:
    """The listed order first, then distinct seeded permutations (as many as exist)."""
    rng = np.random.default_rng(seed)
    orders = [tuple(range(networks))]
    limit = int(np.prod(np.arange(1, networks + 1)))
    attempts = 0
    while len(orders) < min(count, limit) and attempts < 100 * count:
        attempts += 1
        perm = tuple(int(i) for i in rng.permutation(networks))
        if perm not in orders:
            orders.append(perm)
    return orders[:count]


def order_sensitivity(cases: Sequence, count: int, design: Callable, seed: int = 0,
                      progress: ProgressFn | None = None,
                      load: float | None = None) -> list[dict[str, Any]]:
    """Floret (sfc) / mesh (row_major) - 1 of latency and energy for each order of each case.

    With `load`, both run at `load` x the lower of their maximum throughputs.
    """
    plans = [(case, order) for case in cases
             for order in network_orders(count, len(case.networks), seed)]
    rows = []
    for i, (case, order) in enumerate(plans):
        if progress is not None:
            progress(i, len(plans), f"orders: {case.chiplets} chiplets, {case.mix}")
        shuffled = replace(case, networks=tuple(case.networks[j] for j in order))
        specs = (design(shuffled, "mesh", "row_major"), design(shuffled, "floret", "sfc"))
        mesh, floret = (evaluate(spec, detail=False) for spec in specs)
        if load:
            rate = {"rate_ips": load * min(mesh.throughput_ips, floret.throughput_ips)}
            mesh, floret = (evaluate(with_changes(spec, simulation=rate), detail=False)
                            for spec in specs)
        rows.append({
            "chiplets": case.chiplets, "mix": case.mix, "order": list(shuffled.networks),
            "latency_change": floret.latency_s / mesh.latency_s - 1.0,
            "energy_change": floret.energy_j["total"] / mesh.energy_j["total"] - 1.0,
        })
    if progress is not None:
        progress(len(plans), len(plans), "orders: done")
    return rows


def summarise_orders(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per case: mean, lowest and highest change; orders where Floret is lower, tied, higher."""
    out = []
    for key in dict.fromkeys((r["chiplets"], r["mix"]) for r in rows):
        mine = [r for r in rows if (r["chiplets"], r["mix"]) == key]
        entry: dict[str, Any] = {"chiplets": key[0], "mix": key[1], "orders": len(mine)}
        for metric in ("latency_change", "energy_change"):
            values = np.array([r[metric] for r in mine])
            entry[metric] = {"mean": float(values.mean()), "min": float(values.min()),
                             "max": float(values.max()),
                             "floret_lower": int(np.count_nonzero(values < -TIE)),
                             "tied": int(np.count_nonzero(np.abs(values) <= TIE)),
                             "floret_higher": int(np.count_nonzero(values > TIE))}
        out.append(entry)
    return out
