"""Design-space exploration: spaces, searchers, executors, the SQLite store, Pareto fronts."""

from __future__ import annotations

import pimnoc.mapping.annealed  # noqa: F401  (registers the `annealed` placement)
from pimnoc.dse.executors import make_executor
from pimnoc.dse.pareto import pareto_indices, pareto_mask
from pimnoc.dse.space import Space, load_space, parse_space
from pimnoc.dse.store import Store
from pimnoc.dse.sweep import run_sweep

__all__ = ["Space", "Store", "load_space", "make_executor", "pareto_indices", "pareto_mask",
           "parse_space", "run_sweep"]
