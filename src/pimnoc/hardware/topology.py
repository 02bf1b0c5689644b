"""Topology: routers (nodes) with physical positions and the directed links between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

LINK_KINDS: tuple[str, ...] = ("onchip", "interposer", "ubump", "tsv", "miv")
"""Link kinds; `link_kind` holds indices into this tuple."""

NODE_KINDS: tuple[str, ...] = ("pe", "noi_router", "io", "digital")
"""Node kinds; `node_kind` holds indices into this tuple. Only `pe` and `digital` hold compute."""

PE, NOI_ROUTER, IO, DIGITAL = range(4)
ONCHIP, INTERPOSER, UBUMP, TSV, MIV = range(5)


@dataclass(frozen=True, eq=False)
class Topology:
    """A network of routers with one terminal each (PE nodes) or none (interposer routers).

    Links are directed; a physical bidirectional link appears as two directed links.
    `node_coord` is the logical grid coordinate (x, y, z) used by dimension-order routing
    within a node's group (a die, a chiplet, or the interposer network); `link_dim` and
    `link_dir` give the dimension (-1: none) and direction (+1/-1) of each link in that grid;
    `group_dims` gives each group's grid size for torus wrap-around.
    """

    name: str
    node_xy_mm: np.ndarray
    node_tier: np.ndarray
    node_chiplet: np.ndarray
    node_kind: np.ndarray
    node_coord: np.ndarray
    node_group: np.ndarray
    link_src: np.ndarray
    link_dst: np.ndarray
    link_kind: np.ndarray
    link_length_mm: np.ndarray
    link_latency_cycles: np.ndarray
    link_dim: np.ndarray
    link_dir: np.ndarray
    link_dateline: np.ndarray
    group_dims: np.ndarray
    group_wraps: np.ndarray
    routing: str = "dor"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        """Number of routers."""
        return int(self.node_xy_mm.shape[0])

    @property
    def num_directed_links(self) -> int:
        """Number of directed links (channels)."""
        return int(self.link_src.shape[0])

    @property
    def num_links(self) -> int:
        """Number of physical (bidirectional) links."""
        return self.num_directed_links // 2

    @cached_property
    def compute_nodes(self) -> np.ndarray:
        """Indices of nodes that hold a PE (ReRAM or digital), in node order."""
        return np.flatnonzero((self.node_kind == PE) | (self.node_kind == DIGITAL))

    @property
    def wire_length_mm(self) -> float:
        """Total physical wire length of all links (each bidirectional link counted once)."""
        return float(self.link_length_mm.sum() / 2.0)

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Network ports per router (excluding the local terminal port)."""
        return np.bincount(self.link_src, minlength=self.num_nodes)

    @cached_property
    def router_ports(self) -> np.ndarray:
        """Ports per router: network ports plus one local port where a PE is attached."""
        local = ((self.node_kind == PE) | (self.node_kind == DIGITAL)).astype(int)
        return self.out_degree + local

    def links_of_kind(self, kind: int) -> np.ndarray:
        """Boolean mask of directed links of one kind."""
        return self.link_kind == kind

    def summary(self) -> dict[str, Any]:
        """Counts for reports: nodes, physical links by kind, wire length, router ports."""
        by_kind = {
            name: int(np.count_nonzero(self.link_kind == i) // 2)
            for i, name in enumerate(LINK_KINDS)
            if np.any(self.link_kind == i)
        }
        return {
            "topology": self.name,
            "nodes": self.num_nodes,
            "links": self.num_links,
            "links_by_kind": by_kind,
            "wire_length_mm": self.wire_length_mm,
            "router_ports": int(self.router_ports.sum()),
        }


_LINK_FIELDS = (("link_src", np.int64), ("link_dst", np.int64), ("link_kind", np.int64),
                ("link_length_mm", np.float64), ("link_latency_cycles", np.int64),
                ("link_dim", np.int64), ("link_dir", np.int64), ("link_dateline", np.bool_))


@dataclass
class LinkList:
    """A growable list of bidirectional links used while building a topology.

    Kept as chunks of arrays (a whole grid's links are added at once), in the order added.
    """

    _chunks: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    _pending: list[tuple] = field(default_factory=list)

    def add(self, a: int, b: int, kind: int, length_mm: float, latency: int,
            dim: int = -1, direction: int = 1, dateline: bool = False) -> None:
        """Add the link a<->b as two directed links (a->b in `direction`, b->a opposite)."""
        self._pending.append((a, b, kind, length_mm, latency, dim, direction, dateline))
        self._pending.append((b, a, kind, length_mm, latency, dim, -direction, dateline))

    def _flush(self) -> None:
        if self._pending:
            columns = zip(*self._pending, strict=True)
            self._chunks.append(tuple(np.asarray(column, dtype=dtype) for column, (_name, dtype)
                                      in zip(columns, _LINK_FIELDS, strict=True)))
            self._pending = []

    def add_many(self, a: np.ndarray, b: np.ndarray, kind: int, length_mm: np.ndarray,
                 latency: np.ndarray, dim: int | np.ndarray = -1,
                 direction: int | np.ndarray = 1, dateline: np.ndarray | None = None) -> None:
        """`add` of the links a[i]<->b[i] in turn, at once (`dim`, `direction`: one for all
        or one per link)."""
        self._flush()
        n = np.size(a)
        a, b = np.asarray(a, dtype=np.int64).ravel(), np.asarray(b, dtype=np.int64).ravel()
        direction = np.broadcast_to(np.asarray(direction, dtype=np.int64), (n,))
        self._chunks.append((
            np.stack([a, b], axis=1).ravel(), np.stack([b, a], axis=1).ravel(),
            np.full(2 * n, kind, dtype=np.int64),
            np.repeat(np.broadcast_to(np.asarray(length_mm, dtype=np.float64), (n,)), 2),
            np.repeat(np.broadcast_to(np.asarray(latency, dtype=np.int64), (n,)), 2),
            np.repeat(np.broadcast_to(np.asarray(dim, dtype=np.int64), (n,)), 2),
            np.stack([direction, -direction], axis=1).ravel(),
            np.repeat(np.zeros(n, dtype=bool) if dateline is None
                      else np.asarray(dateline, dtype=bool), 2)))

    def extend(self, arrays: dict[str, np.ndarray]) -> None:
        """Append directed links given as Topology keyword arrays (what `arrays` returns)."""
        self._flush()
        self._chunks.append(tuple(np.asarray(arrays[name], dtype=dtype)
                                  for name, dtype in _LINK_FIELDS))

    def __len__(self) -> int:
        """Directed links so far."""
        return sum(chunk[0].size for chunk in self._chunks) + len(self._pending)

    def arrays(self) -> dict[str, np.ndarray]:
        """The links as Topology keyword arrays."""
        self._flush()
        return {name: (np.concatenate([chunk[k] for chunk in self._chunks]) if self._chunks
                       else np.zeros(0, dtype=dtype))
                for k, (name, dtype) in enumerate(_LINK_FIELDS)}
