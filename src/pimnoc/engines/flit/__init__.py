"""Cycle-level flit simulator: VC routers, wormhole, credits; BookSim2 semantics, numba kernel."""

from pimnoc.engines.flit.engine import simulate, simulate_flows, sweep
from pimnoc.engines.flit.networks import kary_topology
from pimnoc.engines.flit.params import SimParams, SimResult

__all__ = ["SimParams", "SimResult", "kary_topology", "simulate", "simulate_flows", "sweep"]
