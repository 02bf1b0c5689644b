"""Double butterfly and ButterDonut NoIs (row links plus butterfly links between columns)."""

from __future__ import annotations

from pimnoc.hardware.topologies._common import (
    require_connected,
    require_size,
    straight_lengths,
    unique_edges,
)
from pimnoc.hardware.topologies.folded_torus import folded_ring
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph


def butterfly_stage(col: int, stages: int) -> int:
    """Butterfly stage of the link column pair (col, col+1): 0, 1, 0, 2, 0, 1, 0, 3, ...

    The ruler sequence (trailing one bits of col) is symmetric about the middle column, so
    the left half is a butterfly and the right half its mirror image: a double butterfly.
    Stages beyond the rows' bit width wrap around.
    """
    ones = 0
    while col & 1:
        ones += 1
        col >>= 1
    return ones % stages


def butterfly_edges(rows: int, cols: int) -> list[tuple[int, int]]:
    """Links (r, c) - (r xor 2^s, c + 1) for each column pair; none where the partner row
    falls outside a non-power-of-two grid."""
    stages = max(1, (rows - 1).bit_length())
    edges = []
    for c in range(cols - 1):
        flip = 1 << butterfly_stage(c, stages)
        for r in range(rows):
            partner = r ^ flip
            if partner < rows:
                edges.append((r * cols + c, partner * cols + c + 1))
    return edges


def _butterfly_noi(name: str, rows: int, cols: int, row_links: list[tuple[int, int]]) -> NoiGraph:
    require_size(name, rows, cols, 2, 2)
    edges = list(unique_edges(row_links + butterfly_edges(rows, cols)))
    require_connected(name, rows * cols, edges)
    return NoiGraph(name, rows, cols, tuple(edges), routing="escape",
                    lengths=straight_lengths(edges, cols))


@NOI_TOPOLOGIES.register("double_butterfly")
def double_butterfly_noi(rows: int, cols: int) -> NoiGraph:
    """Double butterfly NoI: mesh links along each row plus butterfly links between columns.

    Kannan, Enright Jerger, Loh, "Enabling Interposer-based Disintegration of Multi-core
    Processors", MICRO 2015. Generalised to any grid: the column pair (c, c+1) carries the
    butterfly stage of the ruler sequence (flipping row bit s), mirrored about the middle
    column; rows of a non-power-of-two grid without a partner keep only their row links.
    """
    row_links = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    return _butterfly_noi("double_butterfly", rows, cols, row_links)


@NOI_TOPOLOGIES.register("butterdonut")
def butterdonut_noi(rows: int, cols: int) -> NoiGraph:
    """ButterDonut NoI: folded-torus rings along each row plus the double butterfly's links.

    Kannan, Enright Jerger, Loh, MICRO 2015 (the hybrid of the double butterfly and the
    folded torus in the x dimension). Generalised to any grid as double_butterfly.
    """
    ring = folded_ring(cols)
    row_links = [(r * cols + ring[i], r * cols + ring[(i + 1) % cols])
                 for r in range(rows) for i in range(cols if cols > 2 else cols - 1)]
    return _butterfly_noi("butterdonut", rows, cols, row_links)
