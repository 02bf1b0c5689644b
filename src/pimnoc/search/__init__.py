"""Placements that search over the mapped workload (traffic-aware greedy, thermally aware SFC).

They sit after mapping, traffic, the compute model and the thermal analysis, whose figures
they optimise, and before `evaluate`, which calls `map_and_place`. The registry fills here.
"""

from pimnoc.search import greedy, thermal_sfc
from pimnoc.search.placement import (
    PLACEMENT_SEARCHES,
    map_and_place,
    placement_names,
    start_order,
)

__all__ = ["PLACEMENT_SEARCHES", "greedy", "map_and_place", "placement_names", "start_order",
           "thermal_sfc"]
