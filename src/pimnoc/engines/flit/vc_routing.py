"""What the flit simulator adds to a routing table: dateline VC classes and half-way ties.

Dateline classes (Dally & Seitz, "Deadlock-free message routing in multiprocessor
interconnection networks", IEEE TC 1987): on a ring with a dateline link, a packet's run of
hops along the ring uses VC class 1 if the run crosses the dateline and class 0 otherwise,
so neither class holds a cyclic channel dependency for minimal (at most half-way) runs.
BookSim's torus routing decides the class the same way, when the packet enters the ring.
"""

from __future__ import annotations

import numpy as np

from pimnoc.hardware.topology import Topology

DATELINE_ROUTINGS = frozenset({"dor", "hierarchical"})


def ring_links(topo: Topology) -> np.ndarray:
    """Mask of directed links that belong to a wrapped ring (a torus dimension)."""
    dim = topo.link_dim
    group = topo.node_group[topo.link_src]
    wraps = np.asarray(topo.group_wraps, dtype=bool)
    ok = dim >= 0
    mask = np.zeros(topo.num_directed_links, dtype=bool)
    mask[ok] = wraps[group[ok], dim[ok]]
    return mask


def uses_dateline_classes(topo: Topology, algorithm: str, mode: str) -> bool:
    """Whether ring links split their VCs into two dateline classes."""
    if mode == "none":
        return False
    has_dateline = bool(np.any(topo.link_dateline & ring_links(topo)))
    if mode == "dateline":
        return has_dateline
    return has_dateline and algorithm in DATELINE_ROUTINGS


def tie_alternatives(topo: Topology, table: np.ndarray) -> np.ndarray | None:
    """alt[r, d]: the other minimal first link where a ring is entered exactly half-way.

    Dimension-order routing on a ring of even size k has two minimal directions for a
    destination k/2 away; the table takes one, `alt` names the other (-1 elsewhere). None if
    the topology has no such ring.
    """
    wraps = np.asarray(topo.group_wraps, dtype=bool)
    dims = np.asarray(topo.group_dims)
    even_ring = wraps & (dims % 2 == 0) & (dims > 2)
    if not np.any(even_ring):
        return None
    n = topo.num_nodes
    ports = np.full((n, 3, 2), -1, dtype=np.int64)
    has_dim = topo.link_dim >= 0
    idx = np.flatnonzero(has_dim)
    ports[topo.link_src[idx], topo.link_dim[idx], (topo.link_dir[idx] < 0).astype(int)] = idx
    cur, dst = np.divmod(np.arange(n * n), n)
    group = topo.node_group
    same = (group[cur] == group[dst]) & (cur != dst)
    cur, dst = cur[same], dst[same]
    diff = topo.node_coord[dst] - topo.node_coord[cur]
    first = np.argmax(diff != 0, axis=1)
    rows = np.arange(cur.size)
    g = group[cur]
    size = dims[g, first]
    half = even_ring[g, first] & (np.mod(diff[rows, first], size) == size // 2)
    cur, dst, first = cur[half], dst[half], first[half]
    chosen = table[cur, dst]
    ok = chosen >= 0
    cur, dst, first, chosen = cur[ok], dst[ok], first[ok], chosen[ok]
    other = ports[cur, first, (topo.link_dir[chosen] > 0).astype(int)]
    alt = np.full((n, n), -1, dtype=np.int64)
    alt[cur, dst] = other
    return alt if np.any(alt >= 0) else None
