"""Map one or several workloads onto a topology: crossbar tiles, replication, PE nodes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from itertools import chain

import numpy as np

from pimnoc.errors import CapacityError
from pimnoc.gc_pause import collector_paused
from pimnoc.hardware.digital import DigitalTech
from pimnoc.hardware.tech import PeTech
from pimnoc.hardware.topologies.noi import faulty_chiplets
from pimnoc.hardware.topology import DIGITAL, PE, Topology
from pimnoc.mapping.digital import DigitalPlacement, place_digital
from pimnoc.mapping.partition import LayerTiles, replication_of, tile_layer
from pimnoc.mapping.placement import placement_order
from pimnoc.numeric import argsort_stable
from pimnoc.workload.ir import Layer, LayerArrays, Workload


@dataclass(frozen=True, eq=False)
class Mapping:
    """Every layer of every network with its crossbars laid along the placement order.

    Crossbars of a network form one stream along `order` (the placement's node sequence):
    crossbar `s` of the stream sits on node `order[s // pe.crossbars]`. Each network starts
    on a fresh PE, so concurrent networks never share a PE. A layer's copies are laid
    replica by replica, each column tile by column tile, each a run of row tiles.
    """

    topology: Topology
    pe: PeTech
    workloads: tuple[Workload, ...]
    layers: tuple[Layer, ...]
    network_of: np.ndarray
    preds: tuple[tuple[int, ...], ...]
    tiles: tuple[LayerTiles, ...]
    replication: np.ndarray
    xbar_start: np.ndarray
    xbar_count: np.ndarray
    network_start_slot: np.ndarray
    network_slots: np.ndarray
    order: np.ndarray
    digital: DigitalPlacement | None = None  # operators on digital PEs (heterogeneous designs)

    @property
    def num_layers(self) -> int:
        """Layers over all networks."""
        return len(self.layers)

    def crossbar_nodes(self, i: int) -> np.ndarray:
        """Node of each crossbar of weighted layer `i`, in stream order."""
        slots = (self.xbar_start[i] + np.arange(self.xbar_count[i])) // self.pe.crossbars
        return self.order[slots]

    @cached_property
    def layer_node_crossbars(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each layer, (nodes, crossbar counts) it occupies (empty for unweighted layers)."""
        nodes, counts, bounds = self.node_crossbars
        edges = bounds.tolist()
        return [(nodes[lo:hi], counts[lo:hi]) for lo, hi in zip(edges[:-1], edges[1:],
                                                                 strict=True)]

    @cached_property
    def node_crossbars(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`layer_node_crossbars` as one table: (nodes, crossbar counts, where each layer's
        rows begin (layers + 1 bounds))."""
        per_pe = self.pe.crossbars
        start = np.asarray(self.xbar_start, dtype=np.int64)
        end = start + np.asarray(self.xbar_count, dtype=np.int64)
        used = end > start
        first = start // per_pe
        spans = np.where(used, (end - 1) // per_pe - first + 1, 0)
        bounds = np.concatenate([[0], np.cumsum(spans)])
        layer = np.repeat(np.arange(spans.size), spans)
        slots = first[layer] + np.arange(layer.size) - bounds[:-1][layer]
        counts = (np.minimum((slots + 1) * per_pe, end[layer])
                  - np.maximum(slots * per_pe, start[layer]))
        nodes = self.order[slots]
        # stable: a layer's PEs by node, in stream order (one sort of layer x nodes + node)
        by_node = argsort_stable(layer * max(1, self.topology.num_nodes) + nodes)
        return nodes[by_node], counts[by_node], bounds

    @cached_property
    def pred_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Every layer's inputs end to end, and where each layer's begin (layers + 1 bounds)."""
        counts = np.fromiter(map(len, self.preds), dtype=np.int64, count=len(self.preds))
        bounds = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        flat = np.fromiter(chain.from_iterable(self.preds), dtype=np.int64, count=int(bounds[-1]))
        return flat, bounds

    @cached_property
    def arrays(self) -> LayerArrays:
        """Every layer's sizes and inputs as arrays (the networks' `Workload.arrays` joined)."""
        return LayerArrays.joined([w.arrays for w in self.workloads])

    @cached_property
    def tile_shape(self) -> np.ndarray:
        """(rows, cols, row_tiles, col_tiles) of each layer's tiles (`tiles` as one array)."""
        return np.array([(t.rows, t.cols, t.row_tiles, t.col_tiles) for t in self.tiles],
                        dtype=np.int64).reshape(-1, 4)

    @property
    def weighted(self) -> np.ndarray:
        """Whether each layer's weights sit on crossbars."""
        return self.arrays.weighted

    @cached_property
    def successors(self) -> tuple[tuple[int, ...], ...]:
        """Consumers of each layer (global indices)."""
        succ: list[list[int]] = [[] for _ in self.layers]
        for v, preds in enumerate(self.preds):
            for u in preds:
                succ[u].append(v)
        return tuple(tuple(s) for s in succ)

    def network_first_node(self, net: int) -> int:
        """The first node of a network's PE range (where its input arrives)."""
        return int(self.order[self.network_start_slot[net]])

    @property
    def pes_used(self) -> int:
        """PEs holding at least one crossbar."""
        return int(self.network_slots.sum())


def map_workloads(workloads: list[Workload], topo: Topology, pe: PeTech,
                  placement: str | np.ndarray, replication: str | int = "auto",
                  seed: int = 0) -> Mapping:
    """Partition, replicate and place `workloads` (run concurrently) on `topo`.

    `placement` is an order placement's name (`mapping.placement`) or a node order.
    """
    order = (placement_order(topo, placement, seed) if isinstance(placement, str)
             else np.asarray(placement))
    order = order[topo.node_kind[order] == PE]  # crossbars go on ReRAM PEs only
    dead = faulty_chiplets(topo.meta)
    if dead:  # defective chiplets (design.noi.faulty) hold no work
        order = order[~np.isin(topo.node_chiplet[order], dead)]
    many = len(workloads) > 1
    with collector_paused():  # hundreds of thousands of new objects, none of them garbage
        named, layers, preds, tile_list, shape_parts = _joined(workloads, pe)
    tiles = tuple(tile_list)
    arrays = LayerArrays.joined([w.arrays for w in named])
    sizes = np.array([len(w.layers) for w in named], dtype=np.int64)
    net_of = np.repeat(np.arange(len(workloads)), sizes)
    weighted = np.flatnonzero(arrays.weighted)
    pes_available = int(order.size)
    tile_shape = (np.concatenate(shape_parts) if shape_parts
                  else np.zeros((0, 4), dtype=np.int64))
    per_copy = tile_shape[:, 2] * tile_shape[:, 3]  # LayerTiles.crossbars
    network_crossbars = np.bincount(net_of, weights=per_copy, minlength=len(workloads))
    pes_needed = int(np.maximum(1, -(-network_crossbars.astype(np.int64) // pe.crossbars)).sum())
    if pes_needed > pes_available:
        many_note = " (each network starts on a PE of its own)" if many else ""
        raise CapacityError(
            f"design: the workload needs {int(per_copy.sum())} crossbars, {pes_needed} PEs of "
            f"{pe.crossbars} crossbars{many_note}, but the design has {pes_available} PEs; "
            "add chiplets or PEs (design.chiplets / design.pes) or crossbars per PE "
            "(design.pe.crossbars)")
    # one PE per network of slack for rounding each network to whole PEs; never below one copy
    budget = max(max(0, pes_available - len(workloads)) * pe.crossbars, int(per_copy.sum()))
    reps = np.zeros(len(layers), dtype=np.int64)
    reps[weighted] = replication_of(arrays.positions[weighted], per_copy[weighted], replication,
                                    budget, pes_available, pe)
    xbar_count = per_copy * reps
    # each network's crossbars in one stream from a fresh PE, its layers in order
    counts = np.bincount(net_of, weights=xbar_count, minlength=len(workloads)).astype(np.int64)
    slots = np.maximum(1, -(-counts // pe.crossbars))
    start_slot = np.cumsum(slots) - slots
    within = np.cumsum(xbar_count) - xbar_count  # crossbars before each layer, all networks
    xbar_start = (start_slot * pe.crossbars - (np.cumsum(counts) - counts))[net_of] + within
    cursor = int(slots.sum())
    if cursor > pes_available:
        raise CapacityError(
            f"design: the networks need {cursor} PEs but the design has {pes_available}; "
            "add chiplets or PEs (design.chiplets / design.pes)"
        )
    mapping = Mapping(topo, pe, tuple(named), tuple(layers), net_of, tuple(preds), tiles, reps,
                      xbar_start, xbar_count, start_slot, slots, order)
    mapping.__dict__["arrays"] = arrays  # the cached properties, already worked out
    mapping.__dict__["tile_shape"] = tile_shape
    return mapping


def _joined(workloads: list[Workload], pe: PeTech):
    """The networks renamed apart (if several), and their layers, inputs (global indices),
    tiles and tile shapes end to end."""
    many = len(workloads) > 1
    named = [w.renamed(f"{k}:{w.name}/") if many else w for k, w in enumerate(workloads)]
    layers: list[Layer] = []
    preds: list[tuple[int, ...]] = []
    tile_list: list[LayerTiles] = []
    shape_parts: list[np.ndarray] = []
    # copies of one network (the same Workload object) share its inputs and tiles, worked
    # out once; a renamed copy has the same layers in the same order
    shared: dict[int, tuple[list[tuple[int, ...]], list[LayerTiles], np.ndarray]] = {}
    for w, original in zip(named, workloads, strict=True):
        if id(original) not in shared:
            local_tiles = [tile_layer(layer, pe) for layer in original.layers]
            shared[id(original)] = (
                [tuple(original.index[p] for p in layer.preds) for layer in original.layers],
                local_tiles,
                np.array([(t.rows, t.cols, t.row_tiles, t.col_tiles) for t in local_tiles],
                         dtype=np.int64).reshape(-1, 4))
        local_preds, local_tiles, local_shape = shared[id(original)]
        base = len(layers)
        add = base.__add__
        preds.extend([tuple(map(add, inputs)) for inputs in local_preds])
        layers.extend(w.layers)
        tile_list.extend(local_tiles)
        shape_parts.append(local_shape)
    return named, layers, preds, tile_list, shape_parts


def attach_digital(mapping: Mapping, order: np.ndarray, tech: DigitalTech | None) -> Mapping:
    """`mapping` with its digital operators laid over the topology's digital PEs, if any.

    `order` is the placement's order of every node (digital PEs included).
    """
    topo = mapping.topology
    if tech is None or not np.any(topo.node_kind == DIGITAL):
        return mapping
    nodes = order[topo.node_kind[order] == DIGITAL]
    # Keep the digital PEs interleaved with the ReRAM PEs in use (those past the end of the
    # crossbar stream would pull traffic away from it), unless none would be left.
    used = mapping.order[:int(mapping.network_slots.sum())]
    position = np.empty(topo.num_nodes, dtype=np.int64)
    position[order] = np.arange(order.size)
    within = nodes[position[nodes] <= position[used].max(initial=-1)]
    nodes = within if within.size else nodes
    metas = [mapping.workloads[k].meta for k in mapping.network_of]
    digital = place_digital(mapping.layers, mapping.preds, metas, nodes, tech,
                            mapping.pe.act_bits)
    return replace(mapping, digital=digital)
