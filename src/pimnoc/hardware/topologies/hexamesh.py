"""HexaMesh NoI: chiplets in a brick-wall (hexagonal) arrangement, six neighbours each."""

from __future__ import annotations

import numpy as np

from pimnoc.hardware.topologies._common import require_size, straight_lengths
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph


def hexamesh_edges(rows: int, cols: int) -> list[tuple[int, int]]:
    """Hex-neighbour links on a grid whose odd rows are offset by half a chiplet."""
    edges = []
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            if c + 1 < cols:
                edges.append((a, a + 1))
            if r + 1 < rows:
                # Odd rows sit half a pitch to the right, so chiplet (r, c) touches two
                # chiplets of the next row: columns c-1, c (even r) or c, c+1 (odd r).
                for c2 in ((c - 1, c) if r % 2 == 0 else (c, c + 1)):
                    if 0 <= c2 < cols:
                        edges.append((a, (r + 1) * cols + c2))
    return edges


def brick_positions(rows: int, cols: int) -> np.ndarray:
    """Chiplet centres (x, y) in pitches of the brick-wall layout: odd rows shifted by +1/2."""
    ids = np.arange(rows * cols)
    r, c = ids // cols, ids % cols
    return np.column_stack([c + 0.5 * (r % 2), r]).astype(float)


@NOI_TOPOLOGIES.register("hexamesh")
def hexamesh_noi(rows: int, cols: int) -> NoiGraph:
    """HexaMesh NoI: each chiplet links to its row neighbours and two in each adjacent row.

    Iff, Besta, Cavalcante, Fischer, Benini, Hoefler, "HexaMesh: Scaling to Hundreds of
    Chiplets with an Optimized Chiplet Arrangement", DAC 2023. The paper arranges chiplets in
    a hexagon; on a rows x cols grid this is the brick-wall variant (odd rows offset by half a
    chiplet). Link lengths are the straight distances between chiplet centres in that layout
    (1 pitch along a row, sqrt(5)/2 to an adjacent row).
    """
    require_size("hexamesh", rows, cols, 1, 1)
    edges = hexamesh_edges(rows, cols)
    return NoiGraph("hexamesh", rows, cols, tuple(edges), routing="escape",
                    lengths=straight_lengths(edges, cols, brick_positions(rows, cols)))
