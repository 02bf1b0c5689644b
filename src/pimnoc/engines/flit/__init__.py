"""Cycle-level flit simulator: VC routers, wormhole, credits; BookSim2 semantics, numba kernel."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pimnoc.engines.flit.params import SimParams, SimResult

if TYPE_CHECKING:
    from pimnoc.engines.flit.engine import simulate, simulate_flows, sweep
    from pimnoc.engines.flit.networks import kary_topology

__all__ = ["SimParams", "SimResult", "kary_topology", "simulate", "simulate_flows", "sweep"]

# The simulator's numba kernels load on first use, so that importing the package (its
# parameters, the analytical engine's key check) does not import numba: `pimnoc run` with the
# analytical engine starts without it.
_LAZY = {"simulate": "engine", "simulate_flows": "engine", "sweep": "engine",
         "kary_topology": "networks"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"pimnoc.engines.flit.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
