"""Cycle-level flit simulator: VC routers, wormhole, credits; BookSim2 semantics, numba kernel."""

from pimnoc.network.cycle.engine import simulate, simulate_flows, sweep
from pimnoc.network.cycle.networks import kary_topology
from pimnoc.network.cycle.params import SimParams, SimResult

__all__ = ["SimParams", "SimResult", "kary_topology", "simulate", "simulate_flows", "sweep"]
