"""Placements that search over the mapped workload (traffic-aware greedy, thermally aware SFC).

They sit after mapping, traffic, the compute model and the thermal analysis, whose figures
they optimise, and before `evaluate`, which calls `map_and_place`. The registry fills here;
`thermal_sfc`, which needs the thermal model, is imported by the first run that asks for it.
"""

from pimnoc.search import greedy
from pimnoc.search.placement import (
    PLACEMENT_SEARCHES,
    map_and_place,
    placement_names,
    start_order,
)

PLACEMENT_SEARCHES.defer("thermal_sfc", "pimnoc.search.thermal_sfc")

__all__ = ["PLACEMENT_SEARCHES", "greedy", "map_and_place", "placement_names", "start_order"]
