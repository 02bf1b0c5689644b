"""Traffic of a mapped workload: flows (src node, dst node, bits per inference).

A layer's output tensor is a unit square in (position fraction, channel fraction); each
layer owns *pieces* of it (rectangles held at a node) and *needs* pieces of its input.
Flows for an edge u->v are the overlaps of u's output pieces with v's needs, times the
tensor's bits. Partial sums travel from a column tile's row tiles to its first row tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.mapping.mapper import Mapping
from pimnoc.numeric import argsort_stable, chain_roots
from pimnoc.traffic.hosted import hosted_pieces
from pimnoc.traffic.pieces import Pieces, merge, merge_parts_flat
from pimnoc.workload.ir import OP_CODES, LayerArrays

ACTIVATION, PARTIAL_SUM = 0, 1
DIGITAL_HOSTED = frozenset({"pool", "add", "mul", "softmax", "layernorm", "aggregate",
                            "matmul", "embedding"})


@dataclass(frozen=True, eq=False)
class DataKeys:
    """What flows' data are, numbered into `Flows.group` when first read.

    The first `keys.shape[0]` flows as they were made carry a data key (`data_groups`),
    every later one is data of its own; `order` puts the flows as made in the flows' order.
    """

    keys: np.ndarray
    order: np.ndarray

    def numbered(self) -> np.ndarray:
        """The group of each flow (in the flows' order)."""
        keyed = self.keys.shape[0]
        group = np.empty(self.order.size, dtype=np.int64)
        group[:keyed] = data_groups(self.keys)
        group[keyed:] = np.arange(keyed, self.order.size)
        return group[self.order]


class _Groups:
    """The `group` field of Flows: an array, or DataKeys numbered on the first read (only
    multicast networks read the groups; the others never pay for numbering them)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, flows: Flows | None, owner: type | None = None):
        if flows is None:
            return None  # the field's default
        value = flows.__dict__[self.slot]
        if isinstance(value, DataKeys):
            value = value.numbered()
            flows.__dict__[self.slot] = value
        return value

    def __set__(self, flows: Flows, value) -> None:
        flows.__dict__[self.slot] = value


@dataclass(frozen=True)
class Flows:
    """Point-to-point transfers of one inference; `kind` is ACTIVATION or PARTIAL_SUM.

    Flows with the same `group` carry the same bits from the same source node (one
    rectangle of a tensor to several destinations): a multicast network sends them once.
    `group` may be given as DataKeys, numbered when first read.
    """

    src: np.ndarray
    dst: np.ndarray
    bits: np.ndarray
    producer: np.ndarray
    consumer: np.ndarray
    kind: np.ndarray
    group: np.ndarray | DataKeys | None = _Groups()  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.__dict__.get("_group") is None:  # every flow its own data
            object.__setattr__(self, "group", np.arange(np.size(self.src)))

    @property
    def remote(self) -> np.ndarray:
        """Mask of flows that cross the network (source and destination differ)."""
        return self.src != self.dst


@dataclass(frozen=True)
class Segments:
    """Maximal runs of one layer's crossbars on one node within one (copy, column tile).

    Run `n` holds row tiles `[row_lo[n], row_hi[n])` of column tile `col_tile[n]` of copy
    `replica[n]`, on node `node[n]`.
    """

    node: np.ndarray
    replica: np.ndarray
    col_tile: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray


def layer_segments(mapping: Mapping, i: int) -> Segments:
    """Cut layer `i`'s crossbar stream at PE boundaries and at (copy, column tile) changes."""
    tiles = mapping.tiles[i]
    per_pe = mapping.pe.crossbars
    start, count = int(mapping.xbar_start[i]), int(mapping.xbar_count[i])
    is_cut = np.zeros(count, dtype=bool)
    is_cut[::tiles.row_tiles] = True
    is_cut[(per_pe - start % per_pe) % per_pe::per_pe] = True
    cuts = np.flatnonzero(is_cut)
    ends = np.append(cuts[1:], count)
    block, row_lo = np.divmod(cuts, tiles.row_tiles)
    replica, col_tile = np.divmod(block, tiles.col_tiles)
    node = mapping.order[(start + cuts) // per_pe]
    return Segments(node, replica, col_tile, row_lo, row_lo + (ends - cuts))


def _col_fraction(col_tile: np.ndarray, tiles, pe) -> tuple[np.ndarray, np.ndarray]:
    lo = col_tile * pe.crossbar_cols / tiles.cols
    hi = np.minimum((col_tile + 1) * pe.crossbar_cols, tiles.cols) / tiles.cols
    return lo, hi


def weighted_outputs(mapping: Mapping, i: int, seg: Segments | None = None) -> Pieces:
    """Output pieces of a weighted layer: each column tile of each copy, at its reducer."""
    seg = seg or layer_segments(mapping, i)
    r = int(mapping.replication[i])
    holder = seg.row_lo == 0
    c0, c1 = _col_fraction(seg.col_tile[holder], mapping.tiles[i], mapping.pe)
    k = seg.replica[holder]
    return merge(Pieces(seg.node[holder], k / r, (k + 1) / r, c0, c1))


def _interval_union(key: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Union of integer intervals [lo, hi) per key: (key, lo, hi) of the disjoint results."""
    order = np.lexsort((lo, key))
    key, lo, hi = key[order], lo[order], hi[order]
    new_key = np.concatenate([[True], key[1:] != key[:-1]])
    rank = np.cumsum(new_key) - 1
    span = int(hi.max(initial=0)) + 1
    reach = np.maximum.accumulate(hi + rank * span) - rank * span
    starts = new_key | np.concatenate([[True], lo[1:] > reach[:-1]])
    first = np.flatnonzero(starts)
    return key[first], lo[first], np.maximum.reduceat(hi, first)


def weighted_needs(mapping: Mapping, i: int, seg: Segments | None = None) -> Pieces:
    """Input pieces each node of a weighted layer needs (once per node, whatever its tiles)."""
    seg = seg or layer_segments(mapping, i)
    tiles, r, pe = mapping.tiles[i], int(mapping.replication[i]), mapping.pe
    if mapping.layers[i].groups == 1:
        key, lo, hi = _interval_union(seg.node * r + seg.replica, seg.row_lo, seg.row_hi)
        node, k = np.divmod(key, r)
        c0 = lo * pe.crossbar_rows / tiles.rows
        c1 = np.minimum(hi * pe.crossbar_rows, tiles.rows) / tiles.rows
    else:
        # Grouped convolutions read the input channels of the groups their outputs belong to.
        node, k = seg.node, seg.replica
        c0, c1 = _col_fraction(seg.col_tile, tiles, pe)
    return merge(Pieces(node, k / r, (k + 1) / r, c0, c1))


def _progressions(first: np.ndarray, step: np.ndarray, count: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(j, first[j] + k * step[j]) for every k < count[j], for each j in turn."""
    which = np.repeat(np.arange(count.size), count)
    k = np.arange(which.size) - np.repeat(np.cumsum(count) - count, count)
    return which, first[which] + step[which] * k


@dataclass(frozen=True)
class WeightedRuns:
    """The crossbar runs of every weighted layer at once (what `layer_segments` gives each)."""

    layers: np.ndarray  # the weighted layers, in order
    part: np.ndarray  # run -> position of its layer in `layers` (sorted)
    runs: Segments
    row_tiles: np.ndarray
    col_tiles: np.ndarray
    rows: np.ndarray  # weight rows of each layer
    cols: np.ndarray  # weight columns (cells) of each layer
    replication: np.ndarray
    groups: np.ndarray  # of each layer
    positions: np.ndarray  # output positions of each layer
    cout: np.ndarray  # output channels of each layer

    def of(self, j: int, bounds: np.ndarray) -> Segments:
        """The runs of the j-th weighted layer."""
        lo, hi = bounds[j], bounds[j + 1]
        r = self.runs
        return Segments(r.node[lo:hi], r.replica[lo:hi], r.col_tile[lo:hi], r.row_lo[lo:hi],
                        r.row_hi[lo:hi])


def _cut_runs(start: np.ndarray, count: np.ndarray, row_tiles: np.ndarray,
              col_tiles: np.ndarray, per_pe: int):
    """The runs of crossbar streams (layer j: `count[j]` crossbars from stream position
    `start[j]`): (layer, PE slot, copy, column tile, first row tile, end row tile) of each."""
    offset = np.cumsum(count) - count
    # cuts at the first row tile of each (copy, column tile), and where a PE's crossbars begin
    tile_part, tile_cut = _progressions(np.zeros_like(count), row_tiles, -(-count // row_tiles))
    pe_first = (per_pe - start % per_pe) % per_pe
    pe_part, pe_cut = _progressions(pe_first, np.full_like(count, per_pe),
                                    np.maximum(-(-(count - pe_first) // per_pe), 0))
    is_cut = np.zeros(int(count.sum()), dtype=bool)  # one flag per crossbar: no sort needed
    is_cut[offset[tile_part] + tile_cut] = True
    is_cut[offset[pe_part] + pe_cut] = True
    cuts = np.flatnonzero(is_cut)
    part = np.searchsorted(np.cumsum(count), cuts, side="right")
    local = cuts - offset[part]
    ends = np.append(cuts[1:], count.sum()) - offset[part]
    block, row_lo = np.divmod(local, row_tiles[part])
    replica, col_tile = np.divmod(block, col_tiles[part])
    return (part, (start[part] + local) // per_pe, replica, col_tile, row_lo,
            row_lo + (ends - local))


def weighted_runs(mapping: Mapping) -> WeightedRuns:
    """Cut every weighted layer's crossbar stream as `layer_segments` does, in one pass."""
    layers = np.flatnonzero(mapping.weighted).astype(np.int64, copy=False)
    shape = mapping.tile_shape[layers]
    row_tiles, col_tiles = shape[:, 2].copy(), shape[:, 3].copy()
    start = np.asarray(mapping.xbar_start, dtype=np.int64)[layers]
    count = np.asarray(mapping.xbar_count, dtype=np.int64)[layers]
    part, slot, replica, col_tile, row_lo, row_hi = _cut_runs(start, count, row_tiles,
                                                              col_tiles, mapping.pe.crossbars)
    arrays = mapping.arrays
    return WeightedRuns(layers, part, Segments(mapping.order[slot], replica, col_tile, row_lo,
                                                row_hi),
                        row_tiles, col_tiles, shape[:, 0].copy(), shape[:, 1].copy(),
                        np.asarray(mapping.replication, dtype=np.int64)[layers],
                        arrays.groups[layers], arrays.positions[layers], arrays.cout[layers])


def weighted_segments(mapping: Mapping) -> dict[int, Segments]:
    """Crossbar runs of every weighted layer."""
    w = weighted_runs(mapping)
    bounds = np.searchsorted(w.part, np.arange(w.layers.size + 1))
    return {int(i): w.of(j, bounds) for j, i in enumerate(w.layers)}


def weighted_pieces(mapping: Mapping, w: WeightedRuns
                    ) -> tuple[dict[int, Pieces], dict[int, Pieces]]:
    """`weighted_outputs` and `weighted_needs` of every weighted layer, in one pass."""
    outputs, out_bounds, needs, need_bounds = weighted_pieces_flat(mapping, w)
    return ({int(i): _rows(outputs, out_bounds[j], out_bounds[j + 1])
             for j, i in enumerate(w.layers)},
            {int(i): _rows(needs, need_bounds[j], need_bounds[j + 1])
             for j, i in enumerate(w.layers)})


def _rows(pieces: Pieces, lo: int, hi: int) -> Pieces:
    return Pieces(pieces.node[lo:hi], pieces.p0[lo:hi], pieces.p1[lo:hi], pieces.c0[lo:hi],
                  pieces.c1[lo:hi])


def _order_by(first: np.ndarray, second: np.ndarray, third: np.ndarray) -> np.ndarray:
    """`np.lexsort((third, second, first))` of non-negative integers: one stable sort of a
    combined key where it fits in 63 bits (the same permutation), else lexsort."""
    if first.size == 0:
        return np.zeros(0, dtype=np.int64)
    span2, span3 = int(second.max()) + 1, int(third.max()) + 1
    if (int(first.max()) + 1) * span2 * span3 >= 2**63 or min(
            int(first.min()), int(second.min()), int(third.min())) < 0:
        return np.lexsort((third, second, first))
    combined = first.astype(np.int64) * (span2 * span3)
    combined += second * span3
    combined += third
    return argsort_stable(combined)


def weighted_pieces_flat(mapping: Mapping, w: WeightedRuns
                         ) -> tuple[Pieces, np.ndarray, Pieces, np.ndarray]:
    """`weighted_pieces` as two tables (outputs, needs), each with the bounds of the rows of
    the j-th weighted layer (`w.layers[j]`)."""
    pe, seg, part = mapping.pe, w.runs, w.part
    outputs, out_bounds = _weighted_outputs(pe, w)
    grouped = (w.groups != 1)[part]
    needs, need_bounds = _assembled_needs(
        pe, w, _plain_union(w, ~grouped),
        (part[grouped], seg.node[grouped], seg.replica[grouped], seg.col_tile[grouped]))
    return outputs, out_bounds, needs, need_bounds


def _weighted_outputs(pe, w: WeightedRuns) -> tuple[Pieces, np.ndarray]:
    """Outputs: each column tile of each copy, at the node of its first row tile (merged),
    and the bounds of each layer's rows."""
    seg, part = w.runs, w.part
    holder = seg.row_lo == 0
    hp = part[holder]
    r = w.replication[hp]
    col_tile, k = seg.col_tile[holder], seg.replica[holder]
    c0 = col_tile * pe.crossbar_cols / w.cols[hp]
    c1 = np.minimum((col_tile + 1) * pe.crossbar_cols, w.cols[hp]) / w.cols[hp]
    return merge_parts_flat(Pieces(seg.node[holder], k / r, (k + 1) / r, c0, c1), hp,
                            w.layers.size)


def _plain_union(w: WeightedRuns, plain: np.ndarray):
    """The union of the row tiles of the `plain` runs on each (node, copy) of a layer:
    (layer, node, copy, first row tile, end row tile) of each, by layer, node and copy."""
    seg, part = w.runs, w.part
    r = w.replication[part[plain]]
    key = seg.node[plain] * r + seg.replica[plain]
    order = _order_by(part[plain], key, seg.row_lo[plain])
    key, pp = key[order], part[plain][order]
    lo, hi = seg.row_lo[plain][order], seg.row_hi[plain][order]
    new_key = np.empty(key.size, dtype=bool)
    new_key[:1] = True
    new_key[1:] = (key[1:] != key[:-1]) | (pp[1:] != pp[:-1])
    rank = np.cumsum(new_key) - 1
    span = int(hi.max(initial=0)) + 1
    reach = np.maximum.accumulate(hi + rank * span) - rank * span
    starts = new_key.copy()
    starts[1:] |= lo[1:] > reach[:-1]
    first = np.flatnonzero(starts)
    up = pp[first]
    unode, uk = np.divmod(key[first], w.replication[up])
    return up, unode, uk, lo[first], (np.maximum.reduceat(hi, first) if first.size else hi[:0])


def _assembled_needs(pe, w: WeightedRuns, plain: tuple, grouped: tuple
                     ) -> tuple[Pieces, np.ndarray]:
    """Needs: the plain layers' unions of row tiles (`_plain_union`) and the grouped
    layers' runs (layer, node, copy, column tile), layer by layer, merged; and the bounds
    of each layer's rows. Only `w`'s per-layer sizes are read."""
    up, unode, uk, ulo, uhi = plain
    gp, gnode, gk, gcol = grouped
    uc0 = ulo * pe.crossbar_rows / w.rows[up]
    uc1 = np.minimum(uhi * pe.crossbar_rows, w.rows[up]) / w.rows[up]
    gc0 = gcol * pe.crossbar_cols / w.cols[gp]
    gc1 = np.minimum((gcol + 1) * pe.crossbar_cols, w.cols[gp]) / w.cols[gp]
    rp, rg = w.replication[up], w.replication[gp]
    need_part = np.concatenate([up, gp])
    by_part = argsort_stable(need_part)
    needs = Pieces(*(np.concatenate(pair)[by_part] for pair in (
        (unode, gnode), (uk / rp, gk / rg), ((uk + 1) / rp, (gk + 1) / rg),
        (uc0, gc0), (uc1, gc1))))
    return merge_parts_flat(needs, need_part[by_part], w.layers.size)


@dataclass(frozen=True)
class WeightedTables:
    """`weighted_pieces_flat` (outputs and needs with the bounds of each weighted layer's
    rows) and `all_partial_sum_flows` (src, dst, bits, layer) of a mapping's runs."""

    outputs: Pieces
    out_bounds: np.ndarray
    needs: Pieces
    need_bounds: np.ndarray
    partial_sums: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def weighted_tables(mapping: Mapping) -> WeightedTables:
    """`WeightedTables` of `weighted_runs(mapping)`, worked out once per distinct stream.

    Networks whose weighted layers have the same crossbars, tiles, copies and sizes (copies
    of one network) cut their streams alike, PE slot for PE slot from their first slot: their
    runs, outputs, partial sums and unions of row tiles are those of one of them with its
    slots moved. So each distinct stream is worked out once with PE slots as nodes, and laid
    over its networks' slots. Merging compares nodes, which is comparing slots while no node
    holds two slots; the needs are then ordered by node as `weighted_pieces_flat` orders them.
    """
    pe, order = mapping.pe, mapping.order
    used = order[:int(np.asarray(mapping.network_slots).sum())]
    if used.size and (used.min() < 0 or np.bincount(used).max() > 1):
        # a node in two slots: merges would differ
        runs = weighted_runs(mapping)
        return WeightedTables(*weighted_pieces_flat(mapping, runs),
                              all_partial_sum_flows(mapping, runs))
    layers = np.flatnonzero(mapping.weighted).astype(np.int64, copy=False)
    arrays, per_pe = mapping.arrays, pe.crossbars
    networks = len(mapping.workloads)
    net = np.asarray(mapping.network_of, dtype=np.int64)[layers]
    first_slot = np.asarray(mapping.network_start_slot, dtype=np.int64)
    counts = np.bincount(net, minlength=networks)
    first = np.cumsum(counts) - counts  # each network's first weighted layer (in `layers`)
    shape = mapping.tile_shape[layers]
    sizes = np.column_stack([
        np.asarray(mapping.xbar_start, dtype=np.int64)[layers] - first_slot[net] * per_pe,
        np.asarray(mapping.xbar_count, dtype=np.int64)[layers], shape,
        np.asarray(mapping.replication, dtype=np.int64)[layers], arrays.groups[layers],
        arrays.positions[layers], arrays.cout[layers]])
    stream_of: dict[bytes, int] = {}
    stream = np.empty(networks, dtype=np.int64)
    for k, (lo, hi) in enumerate(zip(first.tolist(), (first + counts).tolist(), strict=True)):
        stream[k] = stream_of.setdefault(sizes[lo:hi].tobytes(), len(stream_of))
    representative = np.unique(stream, return_index=True)[1]
    parts: list[tuple] = [_stream_tables(pe, sizes[first[k]:first[k] + counts[k]])
                          for k in representative.tolist()]

    def laid(which: int):
        """Rows of kind `which` of every network's stream in turn: (columns, network)."""
        tables = [p[which] for p in parts]
        rows = np.array([t[0].size for t in tables], dtype=np.int64)
        columns = [np.concatenate(c) for c in zip(*tables, strict=True)]
        per_network = rows[stream]
        begin = np.cumsum(rows) - rows
        at = (np.repeat(begin[stream] - (np.cumsum(per_network) - per_network), per_network)
              + np.arange(int(per_network.sum())))
        return [c[at] for c in columns], np.repeat(np.arange(networks), per_network)

    w = WeightedRuns(layers, np.zeros(0, np.int64), Segments(*(np.zeros(0, np.int64),) * 5),
                     shape[:, 2].copy(), shape[:, 3].copy(), shape[:, 0].copy(),
                     shape[:, 1].copy(), sizes[:, 6].copy(), sizes[:, 7].copy(),
                     sizes[:, 8].copy(), sizes[:, 9].copy())
    (part, slot, p0, p1, c0, c1), on = laid(0)
    part += first[on]
    outputs = Pieces(order[slot + first_slot[on]], p0, p1, c0, c1)
    out_bounds = np.searchsorted(part, np.arange(layers.size + 1))
    (part, slot, to, bits), on = laid(1)
    part += first[on]
    partial_sums = (order[slot + first_slot[on]], order[to + first_slot[on]], bits, layers[part])
    (up, uslot, uk, ulo, uhi), on = laid(2)
    up += first[on]
    key = order[uslot + first_slot[on]] * w.replication[up] + uk
    by_node = _order_by(up, key, ulo)
    up, key, ulo, uhi = up[by_node], key[by_node], ulo[by_node], uhi[by_node]
    unode, uk = np.divmod(key, w.replication[up])
    (gp, gslot, gk, gcol), on = laid(3)
    gp += first[on]
    needs, need_bounds = _assembled_needs(pe, w, (up, unode, uk, ulo, uhi),
                                          (gp, order[gslot + first_slot[on]], gk, gcol))
    return WeightedTables(outputs, out_bounds, needs, need_bounds, partial_sums)


def _stream_tables(pe, sizes: np.ndarray) -> tuple:
    """One network's weighted layers (rows of `weighted_tables`' sizes) with PE slots for
    nodes: (outputs, partial sums, unions of row tiles, grouped runs), each as columns
    whose first is the layer (within the network)."""
    start, count, rows, cols, row_tiles, col_tiles, reps, groups, positions, cout = sizes.T
    part, slot, replica, col_tile, row_lo, row_hi = _cut_runs(start, count, row_tiles,
                                                              col_tiles, pe.crossbars)
    w = WeightedRuns(np.arange(count.size), part,
                     Segments(slot, replica, col_tile, row_lo, row_hi), row_tiles, col_tiles,
                     rows, cols, reps, groups, positions, cout)
    outputs, bounds = _weighted_outputs(pe, w)
    out_part = np.repeat(np.arange(count.size), np.diff(bounds))
    src, dst, bits, psum_part = _partial_sums(pe, w)
    grouped = (groups != 1)[part]
    return ((out_part, outputs.node, outputs.p0, outputs.p1, outputs.c0, outputs.c1),
            (psum_part, src, dst, bits), _plain_union(w, ~grouped),
            (part[grouped], slot[grouped], replica[grouped], col_tile[grouped]))


def layer_pieces(mapping: Mapping, segments: dict[int, Segments] | None = None
                 ) -> tuple[list[Pieces], list[Pieces | None]]:
    """Output pieces and input needs of every layer (needs None where no data is read)."""
    if segments is None:
        w_outputs, w_needs = weighted_pieces(mapping, weighted_runs(mapping))
    else:
        w_outputs = {i: weighted_outputs(mapping, i, seg) for i, seg in segments.items()}
        w_needs = {i: weighted_needs(mapping, i, seg) for i, seg in segments.items()}
    return _assemble_pieces(mapping, w_outputs, w_needs)


def _assemble_pieces(mapping: Mapping, w_outputs: dict[int, Pieces],
                     w_needs: dict[int, Pieces]) -> tuple[list[Pieces], list[Pieces | None]]:
    """Every layer's pieces, given those of the weighted layers."""
    outputs: list[Pieces] = []
    needs: list[Pieces | None] = []
    for i, layer in enumerate(mapping.layers):
        preds = mapping.preds[i]
        if layer.weighted:
            outputs.append(w_outputs[i])
            needs.append(w_needs[i])
        elif layer.op == "input" or not preds:
            node = mapping.network_first_node(int(mapping.network_of[i]))
            outputs.append(Pieces(np.array([node]), np.zeros(1), np.ones(1), np.zeros(1),
                                  np.ones(1)))
            needs.append(None)
        elif layer.op == "concat":
            bases, widths, offset = [], [], 0
            for u in preds:
                widths.append(mapping.layers[u].cout / layer.cout)
                bases.append(offset / layer.cout)
                offset += mapping.layers[u].cout
            outputs.append(Pieces.concatenated([outputs[u] for u in preds], bases, widths))
            needs.append(None)
            continue
        else:
            # Digital operators run on digital PEs, or where their first input is produced.
            output, need = hosted_pieces(mapping, i, outputs)
            outputs.append(output)
            needs.append(need)
        outputs[i] = outputs[i].produced_by(i)
    return outputs, needs


def _overlap_flows(src: Pieces, dst: Pieces, bits: float):
    p = np.clip(np.minimum(src.p1[:, None], dst.p1[None, :])
                - np.maximum(src.p0[:, None], dst.p0[None, :]), 0, None)
    c = np.clip(np.minimum(src.c1[:, None], dst.c1[None, :])
                - np.maximum(src.c0[:, None], dst.c0[None, :]), 0, None)
    frac = p * c
    a, b = np.nonzero(frac > 1e-15)
    return src.node[a], dst.node[b], frac[a, b] * bits, _data_keys(src, dst, a, b)


GRID = 2**40
"""Resolution at which rectangle corners are compared to tell the same data apart."""


def _data_keys(src: Pieces, dst: Pieces, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per overlap (piece a, need b): (origin layer, node, rectangle in the origin's output).

    Equal keys are the same bits sent from the same node, whichever edge sends them.
    """
    base, scale = src.c_base[a], src.c_scale[a]
    corners = np.stack([np.maximum(src.p0[a], dst.p0[b]), np.minimum(src.p1[a], dst.p1[b]),
                        (np.maximum(src.c0[a], dst.c0[b]) - base) / scale,
                        (np.minimum(src.c1[a], dst.c1[b]) - base) / scale], axis=1)
    return np.column_stack([src.origin[a], src.node[a], np.rint(corners * GRID)]
                           ).astype(np.int64)


def partial_sum_flows(mapping: Mapping, i: int, seg: Segments | None = None):
    """Partial sums from the row tiles of each column tile to the node of its first row tile."""
    tiles = mapping.tiles[i]
    if tiles.row_tiles <= 1:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    seg = seg or layer_segments(mapping, i)
    r = int(mapping.replication[i])
    block = seg.replica * tiles.col_tiles + seg.col_tile
    holders = seg.row_lo == 0
    holder_node = np.empty(r * tiles.col_tiles, dtype=seg.node.dtype)
    holder_node[block[holders]] = seg.node[holders]
    senders = ~holders
    c0, c1 = _col_fraction(seg.col_tile[senders], tiles, mapping.pe)
    layer = mapping.layers[i]
    bits = (layer.positions / r) * (c1 - c0) * layer.cout * mapping.pe.psum_bits
    return seg.node[senders], holder_node[block[senders]], bits


def all_partial_sum_flows(mapping: Mapping, w: WeightedRuns):
    """`partial_sum_flows` of every weighted layer at once: (src, dst, bits, layer of each).

    Each layer's flows come in the order `partial_sum_flows` gives them, layer after layer.
    """
    return _partial_sums(mapping.pe, w)


def _partial_sums(pe, w: WeightedRuns):
    """`all_partial_sum_flows` from the runs and the PE's sizes."""
    seg, part = w.runs, w.part
    blocks = w.replication * w.col_tiles
    block = (np.cumsum(blocks) - blocks)[part] + seg.replica * w.col_tiles[part] + seg.col_tile
    holders = seg.row_lo == 0
    holder_node = np.empty(int(blocks.sum()), dtype=seg.node.dtype)
    holder_node[block[holders]] = seg.node[holders]
    senders = np.flatnonzero(~holders & (w.row_tiles[part] > 1))
    sp = part[senders]
    col_tile, cols = seg.col_tile[senders], w.cols[sp]
    c0 = col_tile * pe.crossbar_cols / cols
    c1 = np.minimum((col_tile + 1) * pe.crossbar_cols, cols) / cols
    bits = (w.positions[sp] / w.replication[sp]) * (c1 - c0) * w.cout[sp] * pe.psum_bits
    return seg.node[senders], holder_node[block[senders]], bits, w.layers[sp]


PAIRS_PER_BATCH = 1_000_000
"""Most (output piece, need) pairs overlapped at once (bounds the memory of large designs)."""


def _overlap_many(edges: list[tuple[Pieces, Pieces, float]]):
    """`_overlap_flows` of many edges at once: (src, dst, bits, keys, edge of each flow)."""
    n_src = np.array([src.node.size for src, _need, _bits in edges], dtype=np.int64)
    n_need = np.array([need.node.size for _src, need, _bits in edges], dtype=np.int64)
    src = Pieces.concat([e[0] for e in edges])
    need = Pieces.concat([e[1] for e in edges])
    tensor_bits = np.array([e[2] for e in edges], dtype=np.float64)
    pairs = n_src * n_need
    edge = np.repeat(np.arange(len(edges)), pairs)
    k = np.arange(edge.size) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    a_local, b_local = np.divmod(k, n_need[edge])
    a = (np.cumsum(n_src) - n_src)[edge] + a_local
    b = (np.cumsum(n_need) - n_need)[edge] + b_local
    p = np.clip(np.minimum(src.p1[a], need.p1[b]) - np.maximum(src.p0[a], need.p0[b]), 0, None)
    c = np.clip(np.minimum(src.c1[a], need.c1[b]) - np.maximum(src.c0[a], need.c0[b]), 0, None)
    frac = p * c
    kept = np.flatnonzero(frac > 1e-15)
    a, b, edge = a[kept], b[kept], edge[kept]
    return (src.node[a], need.node[b], frac[kept] * tensor_bits[edge],
            _data_keys(src, need, a, b), edge)


def _batches(sizes: np.ndarray, limit: int) -> list[slice]:
    """Consecutive runs of items whose sizes add up to about `limit` (at most `limit` plus
    one item; at least one item each)."""
    if sizes.size == 0:
        return []
    ends = np.cumsum(sizes)
    cuts = np.unique(np.searchsorted(ends, np.arange(1, int(ends[-1]) // limit + 1) * limit,
                                     side="right") + 1)
    cuts = [0, *cuts[cuts < sizes.size].tolist(), int(sizes.size)]
    return [slice(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True) if hi > lo]


def _piece_overlaps(mapping: Mapping, runs: WeightedRuns):
    """The edges' overlaps from every layer's Pieces (any workload): (batches of (src, dst,
    bits, keys, (slot, producer, consumer) of each flow), direct flows, partial-sum slots,
    slots)."""
    w_outputs, w_needs = weighted_pieces(mapping, runs)
    outputs, needs = _assemble_pieces(mapping, w_outputs, w_needs)
    act_bits = mapping.pe.act_bits
    overlaps: list[tuple[Pieces, Pieces, float]] = []
    overlap_meta: list[tuple[int, int, int]] = []  # (slot, producer, consumer)
    direct: list[tuple[int, tuple, int, int, int]] = []  # (slot, (src, dst, bits), u, v, kind)
    psum_slot = np.zeros(mapping.num_layers, dtype=np.int64)
    slot = 0
    for v, layer in enumerate(mapping.layers):
        if needs[v] is not None:
            for j, u in enumerate(mapping.preds[v]):
                tensor_bits = float(mapping.layers[u].output_elements * act_bits)
                # One need for every input, or one per input (a tuple, see network/hosted.py);
                # a callable need (graph aggregation) computes its own flows.
                need = needs[v][j] if isinstance(needs[v], tuple) else needs[v]
                if callable(need):
                    direct.append((slot, tuple(need(outputs[u], tensor_bits)), u, v,
                                   ACTIVATION))
                else:
                    overlaps.append((outputs[u], need, tensor_bits))
                    overlap_meta.append((slot, u, v))
                slot += 1
        if layer.weighted:
            psum_slot[v] = slot
            slot += 1
    return _piece_batches(overlaps, overlap_meta), direct, psum_slot, slot


def _piece_batches(overlaps: list[tuple[Pieces, Pieces, float]],
                   overlap_meta: list[tuple[int, int, int]]):
    """`_overlap_many` of the edges, a batch of about PAIRS_PER_BATCH pairs at a time."""
    if not overlaps:
        return
    meta = np.array(overlap_meta, dtype=np.int64).reshape(-1, 3)
    sizes = np.array([src.node.size * need.node.size for src, need, _ in overlaps])
    for part in _batches(sizes, PAIRS_PER_BATCH):
        src, dst, bits, keys, edge = _overlap_many(overlaps[part])
        yield src, dst, bits, keys, meta[part][edge]


BY_PIECES_OPS = frozenset({"matmul", "aggregate"})
"""Operators whose needs are not their first input's pieces (whole positions of a matmul's
second operand, a graph's edges): workloads with them take the Pieces path."""


def _by_index(mapping: Mapping) -> bool:
    """Whether every layer's pieces are rows of the weighted layers' or of one table built
    from them: no operator on digital PEs and none in BY_PIECES_OPS (`_table_overlaps`)."""
    digital, arrays = mapping.digital, mapping.arrays
    hosted = _hosted(arrays)
    if np.isin(arrays.op[hosted], [OP_CODES[op] for op in BY_PIECES_OPS]).any():
        return False
    return digital is None or not any(digital.placed(i) for i in np.flatnonzero(hosted).tolist())


def _hosted(arrays: LayerArrays) -> np.ndarray:
    """Layers that run where their first input is produced, or on digital PEs: neither
    weighted, an input, a concatenation, nor without inputs."""
    return ~(arrays.weighted | arrays.is_input | arrays.is_concat
             | (arrays.pred_bounds[1:] == arrays.pred_bounds[:-1]))


@dataclass(frozen=True)
class LayerTable:
    """Every layer's output pieces and needs as row ranges of one table (`_assemble_pieces`
    without a Pieces object per layer).

    `rows` holds the weighted layers' outputs, the input pieces, the concatenations' pieces,
    then the weighted layers' needs. Layer i's output is rows `out_lo[i]:out_hi[i]` (an
    operator on its first input's PE shares that input's rows) and its need (every input's)
    rows `need_lo[i]:need_hi[i]`, or need_lo -1 if it reads nothing. A concatenation's rows
    carry their data's `origin`, `c_base` and `c_scale` (see Pieces); any other layer's
    output is its own data (origin i, base 0, scale 1).
    """

    rows: Pieces
    out_lo: np.ndarray
    out_hi: np.ndarray
    need_lo: np.ndarray
    need_hi: np.ndarray
    concat: np.ndarray  # bool per layer


def layer_table(mapping: Mapping, weighted: WeightedTables) -> LayerTable:
    """The LayerTable of a mapping that `_by_index` accepts."""
    w_out, w_out_bounds = weighted.outputs, weighted.out_bounds
    w_need, w_need_bounds = weighted.needs, weighted.need_bounds
    arrays = mapping.arrays
    n = arrays.size
    flat, bounds = arrays.pred_flat, arrays.pred_bounds
    weighted = arrays.weighted
    hosted = _hosted(arrays)
    source = ~weighted & (arrays.is_input | (bounds[1:] == bounds[:-1]))
    is_concat = ~(weighted | source | hosted)
    # each hosted operator's rows are those of the first layer up its first-input chain
    # that is not hosted (pointer jumping: the chain halves each step)
    root = np.arange(n, dtype=np.int64)
    root[hosted] = flat[bounds[:-1][hosted]]
    root = chain_roots(root)
    # nesting depth of concatenations: 1 + the deepest input's (a hosted layer its root's)
    cat = np.flatnonzero(is_concat)
    cat_count = bounds[cat + 1] - bounds[cat]
    cat_first = np.cumsum(cat_count) - cat_count
    cat_inputs = root[flat[np.repeat(bounds[cat] - cat_first, cat_count)
                           + np.arange(int(cat_count.sum()))]]
    level = np.zeros(n, dtype=np.int64)
    while cat.size:
        deeper = np.maximum.reduceat(level[cat_inputs], cat_first) + 1
        if np.array_equal(deeper, level[cat]):
            break
        level[cat] = deeper
    # rows: weighted outputs, then the inputs' and concatenations' in layer order
    size = np.zeros(n, dtype=np.int64)
    size[weighted] = np.diff(w_out_bounds)
    size[source] = 1
    for depth in np.unique(level[cat]).tolist():
        at = level[cat] == depth
        size[cat[at]] = np.add.reduceat(size[cat_inputs], cat_first)[at]
    own = np.where(source | is_concat, size, 0)
    base = int(w_out.node.size)
    lo = base + np.cumsum(own) - own
    cursor = base + int(own.sum())
    lo[weighted] = w_out_bounds[:-1]
    lo = lo[root]
    hi = lo + size[root]
    need_lo = np.full(n, -1, dtype=np.int64)
    need_hi = np.full(n, -1, dtype=np.int64)
    need_lo[weighted] = w_need_bounds[:-1] + cursor
    need_hi[weighted] = w_need_bounds[1:] + cursor
    need_lo[hosted], need_hi[hosted] = lo[hosted], hi[hosted]
    total = cursor + int(w_need.node.size)
    node = np.empty(total, dtype=np.int64)
    p0, p1, c0, c1 = (np.empty(total) for _ in range(4))
    origin = np.zeros(cursor, dtype=np.int64)
    c_base, c_scale = np.zeros(cursor), np.ones(cursor)
    for column, out_part, need_part in ((node, w_out.node, w_need.node), (p0, w_out.p0, w_need.p0),
                                        (p1, w_out.p1, w_need.p1), (c0, w_out.c0, w_need.c0),
                                        (c1, w_out.c1, w_need.c1)):
        column[:out_part.size] = out_part
        column[cursor:] = need_part
    inputs = np.flatnonzero(source)
    if inputs.size:
        at = lo[inputs]
        where = mapping.order[mapping.network_start_slot[mapping.network_of[inputs]]]
        node[at], p0[at], p1[at], c0[at], c1[at] = where, 0.0, 1.0, 0.0, 1.0
    for depth in np.unique(level[cat]).tolist():
        ids = cat[level[cat] == depth]
        _place_concats(arrays, ids, lo[ids], lo, hi, is_concat,
                       (node, p0, p1, c0, c1, origin, c_base, c_scale))
    return LayerTable(Pieces(node, p0, p1, c0, c1, origin, c_base, c_scale), lo, hi,
                      need_lo, need_hi, is_concat)


def _place_concats(arrays: LayerArrays, ids: np.ndarray, first_row: np.ndarray,
                   lo: np.ndarray, hi: np.ndarray, is_concat: np.ndarray,
                   columns: tuple) -> None:
    """Fill the rows (from `first_row`) of concatenations `ids` whose inputs' rows are all
    filled: each input's pieces placed in its channels (`Pieces.concatenated`), in one pass."""
    node, p0, p1, c0, c1, origin, c_base, c_scale = columns
    flat, bounds, cout = arrays.pred_flat, arrays.pred_bounds, arrays.cout
    counts = bounds[ids + 1] - bounds[ids]
    owner = np.repeat(np.arange(ids.size), counts)  # the concatenation of each input
    group_first = np.cumsum(counts) - counts
    pred = flat[np.repeat(bounds[ids] - group_first, counts) + np.arange(owner.size)]

    def before(values: np.ndarray) -> np.ndarray:
        """Sum of the values of the concatenation's earlier inputs."""
        exclusive = np.cumsum(values) - values
        return exclusive - exclusive[group_first][owner]

    sizes = hi[pred] - lo[pred]
    whole = cout[ids][owner]
    seg_base = before(cout[pred]) / whole  # channel offset / channels, as Python divides
    seg_width = cout[pred] / whole
    seg_to = first_row[owner] + before(sizes)
    within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    source = np.repeat(lo[pred], sizes) + within
    target = np.repeat(seg_to, sizes) + within
    b = np.repeat(seg_base, sizes)
    w = np.repeat(seg_width, sizes)
    labelled = np.repeat(is_concat[pred], sizes)  # a concatenation's rows carry their data
    node[target], p0[target], p1[target] = node[source], p0[source], p1[source]
    c0[target] = b + c0[source] * w
    c1[target] = b + c1[source] * w
    origin[target] = np.where(labelled, origin[source], np.repeat(pred, sizes))
    c_base[target] = b + np.where(labelled, c_base[source], 0.0) * w
    c_scale[target] = np.where(labelled, c_scale[source], 1.0) * w


def _table_overlaps(mapping: Mapping, weighted: WeightedTables):
    """`_piece_overlaps` from the LayerTable (workloads that `_by_index` accepts)."""
    table = layer_table(mapping, weighted)
    act_bits = mapping.pe.act_bits
    arrays = mapping.arrays
    flat, bounds = arrays.pred_flat, arrays.pred_bounds
    # slots in walk order: each input edge of a layer that reads, then its partial sums
    edges_of = np.where(table.need_lo >= 0, np.diff(bounds), 0)
    weighted = mapping.weighted
    per_layer = edges_of + weighted
    first = np.cumsum(per_layer) - per_layer
    consumer = np.repeat(np.arange(edges_of.size), edges_of)
    j = np.arange(consumer.size) - np.repeat(np.cumsum(edges_of) - edges_of, edges_of)
    meta = np.column_stack([first[consumer] + j, flat[bounds[consumer] + j], consumer])
    psum_slot = np.where(weighted, first + edges_of, 0)
    bits = (arrays.output_elements * act_bits).astype(np.float64)
    return _table_batches(table, meta, bits), [], psum_slot, int(per_layer.sum())


def _table_batches(table: LayerTable, meta: np.ndarray, tensor_bits: np.ndarray):
    """`_overlap_many` of the edges `meta` (slot, producer, consumer) from the table's rows,
    a batch of about PAIRS_PER_BATCH pairs at a time."""
    if meta.shape[0] == 0:
        return
    u, v = meta[:, 1], meta[:, 2]
    n_src = table.out_hi[u] - table.out_lo[u]
    n_need = table.need_hi[v] - table.need_lo[v]
    rows = table.rows
    for part in _batches(n_src * n_need, PAIRS_PER_BATCH):
        # pairs (a, b), a over the producer's rows, b over the consumer's need rows
        src_rows, need_rows = n_src[part], n_need[part]
        a_edge = np.repeat(np.arange(src_rows.size), src_rows)  # edge of each source row
        a_row = (np.repeat(table.out_lo[u[part]] - (np.cumsum(src_rows) - src_rows), src_rows)
                 + np.arange(a_edge.size))
        per_a = need_rows[a_edge]
        a = np.repeat(a_row, per_a)
        edge = np.repeat(a_edge, per_a)
        b = (np.repeat(table.need_lo[v[part]][a_edge] - (np.cumsum(per_a) - per_a), per_a)
             + np.arange(a.size))
        del a_edge, a_row, per_a
        p = np.minimum(rows.p1[a], rows.p1[b]) - np.maximum(rows.p0[a], rows.p0[b])
        # pairs apart along positions overlap by nothing (frac 0): drop them first
        along = np.flatnonzero(p > 0)
        a, b, edge, p = a[along], b[along], edge[along], p[along]
        # overlaps of no channel width (or below) give frac <= 0, as when clipped to 0
        c = np.minimum(rows.c1[a], rows.c1[b]) - np.maximum(rows.c0[a], rows.c0[b])
        frac = p * c
        del p, c, along
        kept = np.flatnonzero(frac > 1e-15)
        a, b, edge = a[kept], b[kept], edge[kept]
        producer = u[part][edge]
        labelled = table.concat[producer]
        origin = np.where(labelled, rows.origin[np.where(labelled, a, 0)], producer)
        base = np.where(labelled, rows.c_base[np.where(labelled, a, 0)], 0.0)
        scale = np.where(labelled, rows.c_scale[np.where(labelled, a, 0)], 1.0)
        corners = np.stack([np.maximum(rows.p0[a], rows.p0[b]),
                            np.minimum(rows.p1[a], rows.p1[b]),
                            (np.maximum(rows.c0[a], rows.c0[b]) - base) / scale,
                            (np.minimum(rows.c1[a], rows.c1[b]) - base) / scale], axis=1)
        src_node = rows.node[a]
        keys = np.empty((a.size, 6), dtype=np.int64)
        keys[:, 0], keys[:, 1] = origin, src_node
        keys[:, 2:] = np.rint(corners * GRID)  # float to int64, as astype casts
        yield (src_node, rows.node[b], frac[kept] * tensor_bits[producer], keys,
               meta[part][edge])


def workload_flows(mapping: Mapping) -> Flows:
    """All flows of one inference of every mapped network (local ones included).

    Flows come in the order of a walk over the layers (each input edge, then the layer's
    partial sums); the edges' overlaps are computed together, in batches.
    """
    if _by_index(mapping):
        weighted = weighted_tables(mapping)
        batches, direct, psum_slot, slot = _table_overlaps(mapping, weighted)
        partial_sums = weighted.partial_sums
    else:
        runs = weighted_runs(mapping)
        batches, direct, psum_slot, slot = _piece_overlaps(mapping, runs)
        partial_sums = all_partial_sum_flows(mapping, runs)
    if slot == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Flows(empty, empty, np.zeros(0), empty, empty, empty, empty)
    names = ("src", "dst", "bits", "producer", "consumer", "kind")
    cols: dict[str, list[np.ndarray]] = {k: [] for k in (*names, "key", "slot")}

    def add(columns: dict[str, np.ndarray]) -> None:
        for name, value in columns.items():
            cols[name].append(value)

    for src, dst, bits, keys, edge_meta in batches:
        add({"src": src, "dst": dst, "bits": bits, "producer": edge_meta[:, 1],
             "consumer": edge_meta[:, 2], "kind": np.full(src.size, ACTIVATION),
             "key": keys, "slot": edge_meta[:, 0]})
    src, dst, bits, layer_of = partial_sums
    add({"src": src, "dst": dst, "bits": bits, "producer": layer_of, "consumer": layer_of,
         "kind": np.full(src.size, PARTIAL_SUM), "slot": psum_slot[layer_of]})
    for at, (src, dst, bits), u, v, kind in direct:
        add({"src": src, "dst": dst, "bits": bits, "producer": np.full(src.size, u),
             "consumer": np.full(src.size, v), "kind": np.full(src.size, kind),
             "slot": np.full(src.size, at)})
    order = argsort_stable(_drained(cols.pop("slot")))
    position = np.empty_like(order)  # where each flow as made goes
    position[order] = np.arange(order.size)
    columns = [_drained(cols.pop(k), position) for k in names]
    # Only the overlaps carry a data key (they come first, before any other flow); every
    # other flow is data of its own. Group numbers only tell equal data apart.
    keys = cols.pop("key")
    return Flows(*columns, group=DataKeys(_drained(keys) if keys
                                          else np.zeros((0, 6), np.int64), order))


def _drained(parts: list[np.ndarray], position: np.ndarray | None = None) -> np.ndarray:
    """`np.concatenate(parts)`, emptying `parts` as it goes (each part freed once copied);
    with `position`, row j of the concatenation goes to row `position[j]` (the joined rows
    put in an order without a copy in between)."""
    joined = np.empty((sum(len(part) for part in parts), *parts[0].shape[1:]),
                      dtype=np.result_type(*parts))
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        if position is None:
            joined[at:at + len(part)] = part
        else:
            joined[position[at:at + len(part)]] = part
        at += len(part)
    return joined


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio (Fibonacci hashing)


def data_groups(keys: np.ndarray) -> np.ndarray:
    """A group number for each row of `keys`: equal rows share one, different rows differ.

    Rows are hashed to one 64-bit number and sorted by it (one integer sort instead of a sort
    of whole rows); the groups are then checked row by row against their first member, and on
    a hash collision the rows themselves are sorted.
    """
    rows = keys.shape[0]
    if rows == 0:
        return np.zeros(0, dtype=np.int64)
    digest = np.zeros(rows, dtype=np.uint64)
    bits = keys.view(np.uint64) if keys.dtype == np.int64 else keys.astype(np.uint64)
    for column in bits.T:  # int64 viewed as uint64: the bits astype gives, without a copy
        digest ^= column
        digest *= _HASH_MULTIPLIER
        digest ^= digest >> np.uint64(29)
    order = np.argsort(digest)
    sorted_digest = digest[order]
    del digest
    starts = np.empty(rows, dtype=bool)
    starts[0] = True
    np.not_equal(sorted_digest[1:], sorted_digest[:-1], out=starts[1:])
    del sorted_digest
    group = np.empty(rows, dtype=np.int64)
    group[order] = np.cumsum(starts) - 1
    first = order[starts][group]  # each row's group's first member
    del order, starts
    if all(np.array_equal(column, column[first]) for column in keys.T):
        return group
    return np.unique(np.ascontiguousarray(keys).view(
        np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))), return_inverse=True)[1].ravel()
