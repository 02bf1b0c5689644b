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

ACTIVATION, PARTIAL_SUM = 0, 1
DIGITAL_HOSTED = frozenset({"pool", "add", "mul", "softmax", "layernorm", "aggregate",
                            "matmul", "embedding"})


@dataclass(frozen=True)
class Pieces:
    """Rectangles of a tensor in (position, channel) fractions, each held at a node."""

    node: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    c0: np.ndarray
    c1: np.ndarray

    @property
    def area(self) -> np.ndarray:
        """Fraction of the tensor each piece covers."""
        return (self.p1 - self.p0) * (self.c1 - self.c0)

    @staticmethod
    def concat(parts: list[Pieces]) -> Pieces:
        """All pieces of several lists."""
        return Pieces(*(np.concatenate([getattr(p, f) for p in parts])
                        for f in ("node", "p0", "p1", "c0", "c1")))


@dataclass(frozen=True)
class Flows:
    """Point-to-point transfers of one inference; `kind` is ACTIVATION or PARTIAL_SUM."""

    src: np.ndarray
    dst: np.ndarray
    bits: np.ndarray
    producer: np.ndarray
    consumer: np.ndarray
    kind: np.ndarray

    @property
    def remote(self) -> np.ndarray:
        """Mask of flows that cross the network (source and destination differ)."""
        return self.src != self.dst


def _merge_along(pieces: Pieces, along: str) -> Pieces:
    """Merge rectangles on the same node that are contiguous along `along` ('p' or 'c')."""
    if pieces.node.size <= 1:
        return pieces
    a0, a1 = (pieces.p0, pieces.p1) if along == "p" else (pieces.c0, pieces.c1)
    b0, b1 = (pieces.c0, pieces.c1) if along == "p" else (pieces.p0, pieces.p1)
    order = np.lexsort((a0, b1, b0, pieces.node))
    node, a0, a1, b0, b1 = (x[order] for x in (pieces.node, a0, a1, b0, b1))
    same = (node[1:] == node[:-1]) & (b0[1:] == b0[:-1]) & (b1[1:] == b1[:-1])
    touching = np.isclose(a0[1:], a1[:-1], rtol=0, atol=1e-12)
    group = np.concatenate([[0], np.cumsum(~(same & touching))])
    first = np.flatnonzero(np.diff(np.concatenate([[-1], group])))
    last = np.append(first[1:] - 1, group.size - 1)
    merged_a0, merged_a1 = a0[first], a1[last]
    if along == "p":
        return Pieces(node[first], merged_a0, merged_a1, b0[first], b1[first])
    return Pieces(node[first], b0[first], b1[first], merged_a0, merged_a1)


def merge(pieces: Pieces) -> Pieces:
    """Merge contiguous rectangles on the same node (positions first, then channels)."""
    return _merge_along(_merge_along(pieces, "p"), "c")


def _crossbar_coordinates(mapping: Mapping, i: int):
    tiles, r = mapping.tiles[i], int(mapping.replication[i])
    s = np.arange(mapping.xbar_count[i])
    replica, within = np.divmod(s, tiles.crossbars)
    col_tile, row_tile = np.divmod(within, tiles.row_tiles)
    return mapping.crossbar_nodes(i), replica, col_tile, row_tile, r, tiles


def _col_fraction(col_tile: np.ndarray, tiles, pe) -> tuple[np.ndarray, np.ndarray]:
    lo = col_tile * pe.crossbar_cols / tiles.cols
    hi = np.minimum((col_tile + 1) * pe.crossbar_cols, tiles.cols) / tiles.cols
    return lo, hi


def weighted_outputs(mapping: Mapping, i: int) -> Pieces:
    """Output pieces of a weighted layer: each column tile of each copy, at its reducer."""
    nodes, replica, col_tile, row_tile, r, tiles = _crossbar_coordinates(mapping, i)
    holder = row_tile == 0
    c0, c1 = _col_fraction(col_tile[holder], tiles, mapping.pe)
    k = replica[holder]
    return merge(Pieces(nodes[holder], k / r, (k + 1) / r, c0, c1))


def weighted_needs(mapping: Mapping, i: int) -> Pieces:
    """Input pieces each node of a weighted layer needs (once per node, whatever its tiles)."""
    nodes, replica, col_tile, row_tile, r, tiles = _crossbar_coordinates(mapping, i)
    layer = mapping.layers[i]
    if layer.groups == 1:
        key = np.unique(np.column_stack([nodes, replica, row_tile]), axis=0)
        rows, rt = tiles.rows, key[:, 2]
        c0 = rt * mapping.pe.crossbar_rows / rows
        c1 = np.minimum((rt + 1) * mapping.pe.crossbar_rows, rows) / rows
    else:
        # Grouped convolutions read the input channels of the groups their outputs belong to.
        key = np.unique(np.column_stack([nodes, replica, col_tile]), axis=0)
        c0, c1 = _col_fraction(key[:, 2], tiles, mapping.pe)
    k = key[:, 1]
    return merge(Pieces(key[:, 0], k / r, (k + 1) / r, c0, c1))


def layer_pieces(mapping: Mapping) -> tuple[list[Pieces], list[Pieces | None]]:
    """Output pieces and input needs of every layer (needs None where no data is read)."""
    outputs: list[Pieces] = []
    needs: list[Pieces | None] = []
    for i, layer in enumerate(mapping.layers):
        preds = mapping.preds[i]
        if layer.weighted:
            outputs.append(weighted_outputs(mapping, i))
            needs.append(weighted_needs(mapping, i))
        elif layer.op == "input" or not preds:
            node = mapping.network_first_node(int(mapping.network_of[i]))
            outputs.append(Pieces(np.array([node]), np.zeros(1), np.ones(1), np.zeros(1),
                                  np.ones(1)))
            needs.append(None)
        elif layer.op == "concat":
            parts, offset = [], 0
            for u in preds:
                src = outputs[u]
                width = mapping.layers[u].cout / layer.cout
                base = offset / layer.cout
                parts.append(Pieces(src.node, src.p0, src.p1, base + src.c0 * width,
                                    base + src.c1 * width))
                offset += mapping.layers[u].cout
            outputs.append(Pieces.concat(parts))
            needs.append(None)
        else:
            # Digital operators run where their first input is produced.
            outputs.append(outputs[preds[0]])
            needs.append(outputs[preds[0]])
    return outputs, needs


def _overlap_flows(src: Pieces, dst: Pieces, bits: float):
    p = np.clip(np.minimum(src.p1[:, None], dst.p1[None, :])
                - np.maximum(src.p0[:, None], dst.p0[None, :]), 0, None)
    c = np.clip(np.minimum(src.c1[:, None], dst.c1[None, :])
                - np.maximum(src.c0[:, None], dst.c0[None, :]), 0, None)
    frac = p * c
    a, b = np.nonzero(frac > 1e-15)
    return src.node[a], dst.node[b], frac[a, b] * bits


def partial_sum_flows(mapping: Mapping, i: int):
    """Partial sums from the row tiles of each column tile to the node of its first row tile."""
    nodes, replica, col_tile, row_tile, r, tiles = _crossbar_coordinates(mapping, i)
    if tiles.row_tiles <= 1:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    block = replica * tiles.col_tiles + col_tile
    holder_node = nodes[row_tile == 0][np.argsort(block[row_tile == 0])]
    key = np.unique(np.column_stack([nodes, block]), axis=0)
    senders = key[holder_node[key[:, 1]] != key[:, 0]]
    c0, c1 = _col_fraction(senders[:, 1] % tiles.col_tiles, tiles, mapping.pe)
    layer = mapping.layers[i]
    bits = (layer.positions / r) * (c1 - c0) * layer.cout * mapping.pe.psum_bits
    return senders[:, 0], holder_node[senders[:, 1]], bits


def workload_flows(mapping: Mapping) -> Flows:
    """All flows of one inference of every mapped network (local ones included)."""
    outputs, needs = layer_pieces(mapping)
    act_bits = mapping.pe.act_bits
    cols: dict[str, list[np.ndarray]] = {k: [] for k in
                                         ("src", "dst", "bits", "producer", "consumer", "kind")}

    def emit(src, dst, bits, u, v, kind):
        cols["src"].append(src)
        cols["dst"].append(dst)
        cols["bits"].append(bits)
        cols["producer"].append(np.full(src.size, u))
        cols["consumer"].append(np.full(src.size, v))
        cols["kind"].append(np.full(src.size, kind))

    for v, layer in enumerate(mapping.layers):
        if needs[v] is not None:
            for u in mapping.preds[v]:
                tensor_bits = float(mapping.layers[u].output_elements * act_bits)
                emit(*_overlap_flows(outputs[u], needs[v], tensor_bits), u, v, ACTIVATION)
        if layer.weighted:
            emit(*partial_sum_flows(mapping, v), v, v, PARTIAL_SUM)
    if not cols["src"]:
        empty = np.zeros(0, dtype=np.int64)
        return Flows(empty, empty, np.zeros(0), empty, empty, empty)
    return Flows(*(np.concatenate(cols[k]) for k in
                   ("src", "dst", "bits", "producer", "consumer", "kind")))
