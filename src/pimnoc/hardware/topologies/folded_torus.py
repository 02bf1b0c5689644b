"""Folded torus NoI: torus rings laid out with interleaved nodes so no wire spans the grid."""

from __future__ import annotations

from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph


def folded_ring(k: int) -> list[int]:
    """Grid positions of a folded ring of k nodes in ring order: 0, 2, 4, ..., 5, 3, 1."""
    return list(range(0, k, 2)) + list(range(k - 1 - (k % 2 == 1), 0, -2))


@NOI_TOPOLOGIES.register("folded_torus")
def folded_torus_noi(rows: int, cols: int) -> NoiGraph:
    """2D folded torus NoI (Dally & Towles, "Principles and Practices of Interconnection
    Networks", 2004, sec. 5.3; used on interposers by Kannan et al., MICRO 2015).

    Each row and column ring visits every other chiplet outwards and the rest on the way
    back, so ring links span two chiplet pitches (one at the two ends). Logical ring
    coordinates give dimension-order routing with dateline virtual channels.
    """
    wrap = (cols > 2, rows > 2)
    col_ring, row_ring = folded_ring(cols), folded_ring(rows)
    col_pos = {p: i for i, p in enumerate(col_ring)}
    row_pos = {p: i for i, p in enumerate(row_ring)}
    edges, dims, dateline = [], [], []
    for r in range(rows):
        for i in range(cols - 1 + wrap[0]):
            a, b = col_ring[i], col_ring[(i + 1) % cols]
            edges.append((r * cols + a, r * cols + b))
            dims.append((0, 1))
            dateline.append(i == cols - 1)
    for c in range(cols):
        for i in range(rows - 1 + wrap[1]):
            a, b = row_ring[i], row_ring[(i + 1) % rows]
            edges.append((a * cols + c, b * cols + c))
            dims.append((1, 1))
            dateline.append(i == rows - 1)
    coords = tuple((col_pos[c], row_pos[r]) for r in range(rows) for c in range(cols))
    return NoiGraph("folded_torus", rows, cols, tuple(edges), tuple(dims), wrap,
                    tuple(dateline), routing="dor", coords=coords)
