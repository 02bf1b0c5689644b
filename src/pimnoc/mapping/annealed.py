"""The `annealed` placement: a node order found by `pimnoc.dse.anneal` for one topology.

A placement function sees only the topology and a seed, but annealing needs the workload's
traffic; so the optimiser registers the order it found here (per topology and seed, in this
process) and the mapper picks it up through the ordinary PLACEMENTS registry.
"""

from __future__ import annotations

import hashlib

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.hardware.topology import Topology
from pimnoc.mapping.placement import PLACEMENTS

_ORDERS: dict[tuple[str, int], np.ndarray] = {}


def topology_key(topo: Topology) -> str:
    """A fingerprint of a topology's nodes and links (equal designs give equal keys)."""
    digest = hashlib.sha1(topo.name.encode())
    for array in (topo.node_kind, topo.link_src, topo.link_dst, topo.link_kind):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def register_order(topo: Topology, seed: int, order: np.ndarray) -> None:
    """Make `order` (a permutation of the compute nodes) the annealed placement for `seed`."""
    order = np.asarray(order, dtype=np.int64)
    if order.shape != topo.compute_nodes.shape or \
            not np.array_equal(np.sort(order), np.sort(topo.compute_nodes)):
        raise ValueError("an annealed order must be a permutation of the compute nodes")
    _ORDERS[(topology_key(topo), int(seed))] = order.copy()


def forget_orders() -> None:
    """Drop every registered order."""
    _ORDERS.clear()


@PLACEMENTS.register("annealed")
def annealed(topo: Topology, seed: int = 0) -> np.ndarray:
    """The order the annealing placement optimiser registered for this topology and seed."""
    order = _ORDERS.get((topology_key(topo), int(seed)))
    if order is None:
        raise ConfigError(
            "mapping.placement: 'annealed' has no order for this design and mapping.seed "
            f"{seed}; it is produced by `pimnoc sweep` with search: {{strategy: anneal}} "
            "(or pimnoc.dse.anneal.anneal_placement); use another placement for a plain run"
        )
    return order.copy()
