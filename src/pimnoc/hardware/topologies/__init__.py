"""Topology builders: on-die networks (NoC) and networks on interposer (NoI), by name.

Importing the NoI family modules registers them in NOI_TOPOLOGIES.
"""

from pimnoc.hardware.topologies import (
    butterfly,
    floret,
    folded_torus,
    hexamesh,
    kite,
    sfc_cube,
    small_world,
)
from pimnoc.hardware.topologies.grid import NOC_TOPOLOGIES
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph

__all__ = ["NOC_TOPOLOGIES", "NOI_TOPOLOGIES", "NoiGraph", "butterfly", "floret",
           "folded_torus", "hexamesh", "kite", "sfc_cube", "small_world"]
