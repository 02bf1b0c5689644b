"""Grid networks on a die or chiplet: 2D mesh and torus (wrap-around links with datelines)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pimnoc.hardware.topology import ONCHIP, LinkList
from pimnoc.registry import Registry


@dataclass(frozen=True)
class GridLinkSpec:
    """Physical link parameters for a grid of routers at a fixed pitch."""

    pitch_mm: float
    kind: int = ONCHIP
    cycles_per_mm: float = 0.0
    min_cycles: int = 1

    def latency(self, length_mm: float) -> int:
        """Link traversal cycles for a wire of `length_mm`."""
        return max(self.min_cycles, int(np.ceil(length_mm * self.cycles_per_mm - 1e-9)))


NocBuilder = Callable[[LinkList, np.ndarray, GridLinkSpec], tuple[bool, bool, bool]]
NOC_TOPOLOGIES: Registry[NocBuilder] = Registry("on-die network", "design.noc.topology")


def add_grid_links(links: LinkList, node_ids: np.ndarray, spec: GridLinkSpec,
                   wrap: tuple[bool, bool, bool]) -> None:
    """Add nearest-neighbour links along x, y (and z) of `node_ids[z, y, x]`; wrap for tori."""
    tiers, rows, cols = node_ids.shape
    step = spec.latency(spec.pitch_mm)
    for dim, size in ((0, cols), (1, rows)):  # vertical links: 3D builders know their kind
        lines = node_ids if dim == 0 else node_ids.transpose(0, 2, 1)  # [z, line, i]
        a, b = lines[:, :, :-1], lines[:, :, 1:]
        length = np.full(a.shape, spec.pitch_mm)
        latency = np.full(a.shape, step)
        dateline = np.zeros(a.shape, dtype=bool)
        if wrap[dim] and size > 2:
            # The wrap link runs back across the row: length (size-1) pitches on a die.
            wrap_mm = spec.pitch_mm * (size - 1)
            a = np.concatenate([a, lines[:, :, -1:]], axis=2)
            b = np.concatenate([b, lines[:, :, :1]], axis=2)
            length = np.concatenate([length, np.full(a.shape[:2] + (1,), wrap_mm)], axis=2)
            latency = np.concatenate([latency, np.full(a.shape[:2] + (1,),
                                                       spec.latency(wrap_mm))], axis=2)
            dateline = np.concatenate([dateline, np.ones(a.shape[:2] + (1,), dtype=bool)],
                                      axis=2)
        links.add_many(a.ravel(), b.ravel(), spec.kind, length.ravel(), latency.ravel(), dim,
                       +1, dateline.ravel())


@NOC_TOPOLOGIES.register("mesh")
def mesh(links: LinkList, node_ids: np.ndarray, spec: GridLinkSpec) -> tuple[bool, bool, bool]:
    """2D mesh: links between grid neighbours; dimension-order routing is deadlock-free."""
    add_grid_links(links, node_ids, spec, (False, False, False))
    return (False, False, False)


@NOC_TOPOLOGIES.register("torus")
def torus(links: LinkList, node_ids: np.ndarray, spec: GridLinkSpec) -> tuple[bool, bool, bool]:
    """2D torus: a mesh plus wrap-around links (datelines split the rings into two VC classes)."""
    wrap = (node_ids.shape[2] > 2, node_ids.shape[1] > 2, False)
    add_grid_links(links, node_ids, spec, wrap)
    return wrap
