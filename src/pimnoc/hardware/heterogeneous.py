"""Heterogeneous designs: turn a share of a topology's PE nodes into digital PE nodes.

A digital node keeps its router, position and links; only its kind changes (DIGITAL), so
every topology builder and routing works unchanged. Where the digital nodes go is a named
strategy (`design.digital.placement`):
- `interleaved`: in every chiplet (or die, or tier), spread evenly along its Hilbert curve,
  so that each ReRAM PE has a digital PE a few hops away;
- `column`: the last columns of every chiplet (or die, or tier);
- `chiplet`: whole chiplets of a 2.5D system, spread evenly along the chiplet Hilbert curve;
- `tier`: whole tiers of a 3D stack (HeTraX-style SM tiers), those next to the heat sink
  (tier 0 up), where their higher power density is easiest to cool (assumption).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.hardware.sfc import hilbert_order
from pimnoc.hardware.topology import DIGITAL, PE, Topology
from pimnoc.registry import Registry

DigitalPlacementFn = Callable[[Topology, float], np.ndarray]
DIGITAL_PLACEMENTS: Registry[DigitalPlacementFn] = Registry(
    "digital PE placement", "design.digital.placement")


def _pe_groups(topo: Topology) -> np.ndarray:
    """PE nodes as a (groups, rows*cols) array, row-major inside each group."""
    per_group = topo.meta["pe_rows"] * topo.meta["pe_cols"]
    pes = np.flatnonzero(topo.node_kind == PE)
    return pes.reshape(-1, per_group)


def _spread(count: int, total: int) -> np.ndarray:
    """`count` indices evenly spread over `total` positions (centred in their shares)."""
    return np.floor((np.arange(count) + 0.5) * total / count).astype(np.int64)


@DIGITAL_PLACEMENTS.register("interleaved")
def interleaved(topo: Topology, fraction: float) -> np.ndarray:
    """In every PE group, every 1/fraction-th PE along the group's Hilbert curve."""
    groups = _pe_groups(topo)
    rows, cols = topo.meta["pe_rows"], topo.meta["pe_cols"]
    count = max(1, round(fraction * rows * cols))
    picked = hilbert_order(rows, cols)[_spread(count, rows * cols)]
    return groups[:, picked].ravel()


@DIGITAL_PLACEMENTS.register("column")
def column(topo: Topology, fraction: float) -> np.ndarray:
    """The last ceil(fraction * cols) columns of every PE group."""
    groups = _pe_groups(topo)
    rows, cols = topo.meta["pe_rows"], topo.meta["pe_cols"]
    width = max(1, math.ceil(fraction * cols - 1e-9))
    local = np.arange(rows * cols).reshape(rows, cols)[:, cols - width:].ravel()
    return groups[:, local].ravel()


@DIGITAL_PLACEMENTS.register("chiplet")
def chiplet(topo: Topology, fraction: float) -> np.ndarray:
    """Whole chiplets, evenly spread along the chiplet grid's Hilbert curve (2.5D)."""
    rows, cols = topo.meta.get("chiplet_rows", 1), topo.meta.get("chiplet_cols", 1)
    if topo.meta.get("integration") != "2.5d" or rows * cols < 2:
        raise ConfigError(
            "design.digital.placement: 'chiplet' needs a 2.5D design of several chiplets; "
            "use 'interleaved' or 'column', or set design.integration: 2.5d"
        )
    count = max(1, round(fraction * rows * cols))
    chips = hilbert_order(rows, cols)[_spread(count, rows * cols)]
    return _pe_groups(topo)[np.sort(chips)].ravel()


@DIGITAL_PLACEMENTS.register("tier")
def tier(topo: Topology, fraction: float) -> np.ndarray:
    """Whole tiers of a 3D stack: the round(fraction * tiers) tiers next to the heat sink."""
    tiers = int(topo.node_tier.max(initial=0)) + 1
    if tiers < 2:
        raise ConfigError(
            "design.digital.placement: 'tier' needs a 3D design of several tiers "
            "(design.integration: 3d, design.tiers >= 2); use 'interleaved' or 'column'"
        )
    count = max(1, round(fraction * tiers))
    pes = np.flatnonzero(topo.node_kind == PE)
    return pes[topo.node_tier[pes] < count]


def with_digital(topo: Topology, fraction: float, placement: str) -> Topology:
    """A copy of `topo` whose chosen PE nodes are digital PEs (kind DIGITAL)."""
    if not 0.0 < fraction < 1.0:
        raise ConfigError(
            f"design.digital.fraction: {fraction} must be between 0 and 1 (exclusive); "
            "e.g. 0.25 makes a quarter of the PEs digital"
        )
    chosen = np.unique(DIGITAL_PLACEMENTS.get(placement)(topo, fraction))
    pes = np.flatnonzero(topo.node_kind == PE)
    if chosen.size >= pes.size:
        raise ConfigError(
            f"design.digital.fraction: {fraction} with placement '{placement}' leaves no "
            "ReRAM PE; use a smaller fraction"
        )
    kind = topo.node_kind.copy()
    kind[chosen] = DIGITAL
    meta = {**topo.meta, "digital_nodes": chosen, "digital_placement": placement}
    return replace(topo, name=f"{topo.name}+digital", node_kind=kind, meta=meta)
