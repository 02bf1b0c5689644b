"""Placements that search: start from an order, map, then reorder the mapped slots by a cost.

An order placement (`mapping.placement`) knows only the topology. A searched placement needs
the mapped workload (its traffic, its power) to judge a candidate, so it runs after mapping:
`map_and_place` maps with the search's start order, then replaces the order by the refined
one. Searches register in `PLACEMENT_SEARCHES` (filled by `pimnoc.search.__init__`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pimnoc.errors import unknown_name
from pimnoc.hardware.topology import Topology
from pimnoc.mapping.mapper import Mapping, map_workloads
from pimnoc.mapping.placement import PLACEMENTS
from pimnoc.registry import Registry
from pimnoc.workload.ir import Workload


@dataclass(frozen=True)
class PlacementSearch:
    """A searched placement: the order to map with, and the reordering of the mapped slots."""

    start: Callable[[Topology, int], np.ndarray]
    refine: Callable[[Mapping, int, dict[str, Any]], np.ndarray]


PLACEMENT_SEARCHES: Registry[PlacementSearch] = Registry("placement", "mapping.placement")


def placement_names() -> list[str]:
    """Every placement a run may name: order placements and searched ones."""
    return sorted(set(PLACEMENTS.names()) | set(PLACEMENT_SEARCHES.names()))


def start_order(topo: Topology, placement: str, seed: int = 0) -> np.ndarray:
    """The order of every node a placement maps with (a search's start order)."""
    if placement in PLACEMENT_SEARCHES:
        return PLACEMENT_SEARCHES.get(placement).start(topo, seed)
    if placement not in PLACEMENTS:
        raise unknown_name("mapping.placement", placement, placement_names())
    return PLACEMENTS.get(placement)(topo, seed)


def map_and_place(workloads: list[Workload], topo: Topology, pe, placement: str,
                  replication: str | int = "auto", seed: int = 0,
                  params: dict[str, Any] | None = None) -> Mapping:
    """Map `workloads` with any placement; a searched one then reorders the mapped slots."""
    mapping = map_workloads(workloads, topo, pe, start_order(topo, placement, seed),
                            replication, seed)
    if placement not in PLACEMENT_SEARCHES:
        return mapping
    refine = PLACEMENT_SEARCHES.get(placement).refine
    return replace(mapping, order=refine(mapping, seed, params or {}))
