"""Topology builders: on-die networks (NoC) and networks on interposer (NoI), by name."""

from pimnoc.network.topologies.grid import NOC_TOPOLOGIES
from pimnoc.network.topologies.noi import NOI_TOPOLOGIES, NoiGraph

__all__ = ["NOC_TOPOLOGIES", "NOI_TOPOLOGIES", "NoiGraph"]
