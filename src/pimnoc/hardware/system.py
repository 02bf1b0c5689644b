"""Compose a whole system topology: a die (2D), or chiplets joined by an interposer (2.5D)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pimnoc.errors import ConfigError, suggest
from pimnoc.hardware.topologies import NOC_TOPOLOGIES, NOI_TOPOLOGIES
from pimnoc.hardware.topologies.grid import GridLinkSpec
from pimnoc.hardware.topology import INTERPOSER, NOI_ROUTER, ONCHIP, PE, UBUMP, LinkList, Topology
from pimnoc.registry import Registry


@dataclass(frozen=True)
class SystemSpec:
    """What the topology builders need to know of a design (sizes, names, physical pitches)."""

    integration: str
    pe_rows: int
    pe_cols: int
    chiplet_rows: int = 1
    chiplet_cols: int = 1
    tiers: int = 1
    noc: str = "mesh"
    noi: str = "mesh"
    noi_params: tuple[tuple[str, Any], ...] = ()
    vertical: str = "tsv"
    pe_pitch_mm: float = 0.6
    chiplet_gap_mm: float = 0.5
    onchip_cycles_per_mm: float = 0.0
    interposer_cycles_per_mm: float = 0.25
    vertical_length_mm: float = 0.05
    boundary: str = "center"
    ports_per_chiplet: int = 1
    d2d_latency_cycles: int = 0


SystemBuilder = Callable[[SystemSpec], Topology]
INTEGRATIONS: Registry[SystemBuilder] = Registry("integration", "design.integration")


def _grid_positions(rows: int, cols: int, pitch: float, origin=(0.0, 0.0)) -> np.ndarray:
    ys, xs = np.divmod(np.arange(rows * cols), cols)
    return np.column_stack([origin[0] + (xs + 0.5) * pitch, origin[1] + (ys + 0.5) * pitch])


def _grid_coords(rows: int, cols: int, tiers: int = 1) -> np.ndarray:
    zs, rest = np.divmod(np.arange(tiers * rows * cols), rows * cols)
    ys, xs = np.divmod(rest, cols)
    return np.column_stack([xs, ys, zs])


@INTEGRATIONS.register("2d")
def build_die(spec: SystemSpec) -> Topology:
    """A single die of `pe_rows x pe_cols` PE nodes joined by the on-die network."""
    n = spec.pe_rows * spec.pe_cols
    ids = np.arange(n).reshape(1, spec.pe_rows, spec.pe_cols)
    links = LinkList()
    wrap = NOC_TOPOLOGIES.get(spec.noc)(
        links, ids, GridLinkSpec(spec.pe_pitch_mm, ONCHIP, spec.onchip_cycles_per_mm)
    )
    return Topology(
        name=f"{spec.noc}-{spec.pe_rows}x{spec.pe_cols}",
        node_xy_mm=_grid_positions(spec.pe_rows, spec.pe_cols, spec.pe_pitch_mm),
        node_tier=np.zeros(n, dtype=np.int64),
        node_chiplet=np.zeros(n, dtype=np.int64),
        node_kind=np.full(n, PE, dtype=np.int64),
        node_coord=_grid_coords(spec.pe_rows, spec.pe_cols),
        node_group=np.zeros(n, dtype=np.int64),
        group_dims=np.array([[spec.pe_cols, spec.pe_rows, 1]]),
        group_wraps=np.array([wrap]),
        routing="dor",
        meta={"integration": "2d", "chiplet_rows": 1, "chiplet_cols": 1,
              "pe_rows": spec.pe_rows, "pe_cols": spec.pe_cols, "tiers": 1,
              "die_w_mm": spec.pe_cols * spec.pe_pitch_mm,
              "die_h_mm": spec.pe_rows * spec.pe_pitch_mm},
        **links.arrays(),
    )


def call_builder(builder: Callable, key: str, name: str, rows: int, cols: int,
                 params: dict[str, Any]):
    """Call a topology builder, turning unknown parameters into a ConfigError naming them."""
    accepted = inspect.signature(builder).parameters
    unknown = [p for p in params if p not in accepted]
    if unknown:
        allowed = [p for p in accepted if p not in ("rows", "cols")]
        raise ConfigError(
            f"{key}.{unknown[0]}: '{name}' takes no parameter '{unknown[0]}'"
            f"{suggest(unknown[0], allowed)}; its parameters: {', '.join(allowed) or 'none'}"
        )
    return builder(rows, cols, **params)


def boundary_pe(pe_rows: int, pe_cols: int, where: str) -> int:
    """Index (within a chiplet) of the PE whose router connects to the interposer."""
    if where == "center":
        return (pe_rows // 2) * pe_cols + pe_cols // 2
    if where == "corner":
        return 0
    raise ConfigError(f"design.noi.boundary: unknown '{where}'; choose 'center' or 'corner'")


def boundary_ports(pe_rows: int, pe_cols: int, ports: int, where: str) -> np.ndarray:
    """Indices (within a chiplet) of the PEs whose routers connect to the interposer.

    One port sits where `design.noi.boundary` says; several are spread evenly around the
    chiplet's edge, starting at the middle of its west side (2: west and east, 4: west,
    north, east, south).
    """
    if ports == 1:
        return np.array([boundary_pe(pe_rows, pe_cols, where)])
    ring = [(r, 0) for r in range(pe_rows - 1, -1, -1)] + \
        [(0, c) for c in range(1, pe_cols)] + \
        [(r, pe_cols - 1) for r in range(1, pe_rows)] + \
        [(pe_rows - 1, c) for c in range(pe_cols - 2, 0, -1)]
    ring = list(dict.fromkeys(ring))  # a 1-wide chiplet visits some cells twice
    if ports > len(ring):
        raise ConfigError(
            f"design.noi.ports_per_chiplet: {ports} ports do not fit on the edge of a "
            f"{pe_rows}x{pe_cols}-PE chiplet ({len(ring)} edge PEs); use at most {len(ring)}")
    start = (pe_rows - 1) - pe_rows // 2  # the middle of the west side
    picks = [ring[(start + round(i * len(ring) / ports)) % len(ring)] for i in range(ports)]
    return np.array([r * pe_cols + c for r, c in picks])


def nearest_port(pe_rows: int, pe_cols: int, ports: np.ndarray) -> np.ndarray:
    """For each PE of a chiplet, the index of the nearest boundary port (Manhattan; ties low)."""
    rows, cols = np.divmod(np.arange(pe_rows * pe_cols), pe_cols)
    port_r, port_c = np.divmod(ports, pe_cols)
    dist = np.abs(rows[:, None] - port_r) + np.abs(cols[:, None] - port_c)
    return np.argmin(dist, axis=1)


def _chiplet_networks(links: LinkList, noc_builder, noc_spec: GridLinkSpec, n_chiplets: int,
                      pe_rows: int, pe_cols: int) -> list:
    """Each chiplet's on-die network, chiplet after chiplet; the wraps of each.

    The builder runs on the first two chiplets; if the second's links are the first's with
    the node ids shifted (as for every grid builder) the rest are copies shifted likewise.
    """
    per_chip = pe_rows * pe_cols
    built, wraps = [], []
    for chip in range(min(n_chiplets, 2)):
        own = LinkList()
        ids = chip * per_chip + np.arange(per_chip).reshape(1, pe_rows, pe_cols)
        wraps.append(noc_builder(own, ids, noc_spec))
        built.append(own.arrays())
    first = built[0]
    shifted = len(built) < 2 or all(
        np.array_equal(built[1][k], first[k] + (per_chip if k in ("link_src", "link_dst") else 0))
        for k in first) and wraps[1] == wraps[0]
    if not shifted:  # a builder that does not repeat: every chiplet built on its own
        for chip in range(n_chiplets):
            if chip >= 2:
                own = LinkList()
                ids = chip * per_chip + np.arange(per_chip).reshape(1, pe_rows, pe_cols)
                wraps.append(noc_builder(own, ids, noc_spec))
                built.append(own.arrays())
            links.extend(built[chip])
        return wraps
    offset = (np.arange(n_chiplets, dtype=np.int64) * per_chip)[:, None]
    links.extend({k: (v[None, :] + offset).ravel() if k in ("link_src", "link_dst")
                  else np.tile(v, n_chiplets) for k, v in first.items()})
    return wraps[:1] * n_chiplets


@INTEGRATIONS.register("2.5d")
def build_chiplets(spec: SystemSpec) -> Topology:
    """Chiplets, each a grid of PEs on its own NoC, joined by an interposer network (NoI).

    Each chiplet has one boundary router (a PE router) tied by a micro-bump link to an
    interposer router below it; the interposer routers form the NoI.
    """
    rows, cols = spec.chiplet_rows, spec.chiplet_cols
    n_chiplets = rows * cols
    per_chip = spec.pe_rows * spec.pe_cols
    n_pe = n_chiplets * per_chip
    chip_w = spec.pe_cols * spec.pe_pitch_mm
    chip_h = spec.pe_rows * spec.pe_pitch_mm
    pitch_x, pitch_y = chip_w + spec.chiplet_gap_mm, chip_h + spec.chiplet_gap_mm
    noi = call_builder(NOI_TOPOLOGIES.get(spec.noi), "design.noi", spec.noi, rows, cols,
                       dict(spec.noi_params))

    links = LinkList()
    noc_spec = GridLinkSpec(spec.pe_pitch_mm, ONCHIP, spec.onchip_cycles_per_mm)
    noc_builder = NOC_TOPOLOGIES.get(spec.noc)
    xy = np.zeros((n_pe + n_chiplets, 2))
    wraps = _chiplet_networks(links, noc_builder, noc_spec, n_chiplets, spec.pe_rows,
                              spec.pe_cols)
    local_xy = _grid_positions(spec.pe_rows, spec.pe_cols, spec.pe_pitch_mm)
    chip_row, chip_col = np.divmod(np.arange(n_chiplets), cols)
    origin = np.column_stack([chip_col * pitch_x, chip_row * pitch_y])
    xy[:n_pe] = (origin[:, None, :] + local_xy[None, :, :]).reshape(-1, 2)

    local_ports = boundary_ports(spec.pe_rows, spec.pe_cols, spec.ports_per_chiplet,
                                 spec.boundary)
    ports = np.arange(n_chiplets)[:, None] * per_chip + local_ports[None, :]
    boundary = ports[:, 0]
    noi_nodes = n_pe + np.arange(n_chiplets)
    if spec.ports_per_chiplet == 1:
        xy[noi_nodes] = xy[boundary]
    else:  # the interposer router sits below the chiplet's centre (assumption)
        xy[noi_nodes] = np.column_stack([(np.arange(n_chiplets) % cols) * pitch_x + chip_w / 2,
                                         (np.arange(n_chiplets) // cols) * pitch_y + chip_h / 2])
    links.add_many(ports.ravel(), np.repeat(noi_nodes, ports.shape[1]), UBUMP,
                   spec.vertical_length_mm, 1)

    grid_xy = np.column_stack([np.arange(n_chiplets) % cols, np.arange(n_chiplets) // cols])
    edges = np.asarray(noi.edges, dtype=np.int64).reshape(-1, 2)
    a, b = edges[:, 0], edges[:, 1]
    # Interposer wires run Manhattan between router sites (assumption), unless the NoI
    # gives its own length in pitches (scaled by the pitch along the link's direction).
    length = np.abs(xy[noi_nodes[a]] - xy[noi_nodes[b]]).sum(axis=1)
    if noi.lengths is not None:
        span = grid_xy[b] - grid_xy[a]
        along = (np.hypot(span[:, 0] * pitch_x, span[:, 1] * pitch_y)
                 / np.maximum(np.hypot(span[:, 0], span[:, 1]), 1e-12))
        length = np.asarray(noi.lengths, dtype=np.float64) * np.where(
            np.any(span != 0, axis=1), along, pitch_x)
    latency = np.maximum(1, np.ceil(length * spec.interposer_cycles_per_mm - 1e-9)
                         .astype(np.int64)) + spec.d2d_latency_cycles
    dims = (np.asarray(noi.dims, dtype=np.int64).reshape(-1, 2) if noi.dims is not None
            else np.tile(np.array([-1, 1], dtype=np.int64), (edges.shape[0], 1)))
    links.add_many(noi_nodes[a], noi_nodes[b], INTERPOSER, length, latency, dims[:, 0],
                   dims[:, 1], None if noi.dateline is None else np.asarray(noi.dateline))

    node_kind = np.concatenate([np.full(n_pe, PE), np.full(n_chiplets, NOI_ROUTER)])
    node_chiplet = np.concatenate([np.repeat(np.arange(n_chiplets), per_chip),
                                   np.arange(n_chiplets)])
    pe_coord = np.tile(_grid_coords(spec.pe_rows, spec.pe_cols), (n_chiplets, 1))
    logical = np.asarray(noi.coords, dtype=np.int64) if noi.coords is not None else grid_xy
    noi_coord = np.column_stack([logical, np.zeros(n_chiplets, dtype=np.int64)])
    node_group = np.concatenate([np.repeat(np.arange(n_chiplets), per_chip),
                                 np.full(n_chiplets, n_chiplets)])
    noi_dims = [int(logical[:, 0].max()) + 1, int(logical[:, 1].max()) + 1, 1]
    group_dims = np.array([[spec.pe_cols, spec.pe_rows, 1]] * n_chiplets + [noi_dims])
    group_wraps = np.array(wraps + [(noi.wrap[0], noi.wrap[1], False)])
    return Topology(
        name=f"{noi.name}-noi-{rows}x{cols}",
        node_xy_mm=xy,
        node_tier=np.zeros(n_pe + n_chiplets, dtype=np.int64),
        node_chiplet=node_chiplet,
        node_kind=node_kind,
        node_coord=np.vstack([pe_coord, noi_coord]),
        node_group=node_group,
        group_dims=group_dims,
        group_wraps=group_wraps,
        routing="hierarchical",
        meta={"integration": "2.5d", "chiplet_rows": rows, "chiplet_cols": cols,
              "pe_rows": spec.pe_rows, "pe_cols": spec.pe_cols, "tiers": 1,
              "boundary_nodes": boundary, "boundary_ports": ports,
              "port_of_pe": np.tile(nearest_port(spec.pe_rows, spec.pe_cols, local_ports),
                                    n_chiplets),
              # several ports: the route's phases (to the interposer, from it) take separate
              # virtual-channel classes, as the deadlock check assumes (routing.py)
              "phase_classes": spec.ports_per_chiplet > 1,
              "noi_nodes": noi_nodes, "noi": noi,
              "noi_routing": noi.routing, "chiplet_w_mm": chip_w, "chiplet_h_mm": chip_h,
              "die_w_mm": cols * pitch_x - spec.chiplet_gap_mm,
              "die_h_mm": rows * pitch_y - spec.chiplet_gap_mm},
        **links.arrays(),
    )


def build_system(spec: SystemSpec) -> Topology:
    """Build the topology for `spec.integration` (registered builders: 2d, 2.5d, ...)."""
    return INTEGRATIONS.get(spec.integration)(spec)
