"""Kite NoIs (small, medium, large): mesh-radix interposer routers with longer, diagonal links."""

from __future__ import annotations

from pimnoc.hardware.topologies._common import (
    degrees,
    require_connected,
    require_size,
    straight_lengths,
    unique_edges,
)
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph

# Link offsets (dcol, drow) by priority: each Kite variant first spends router ports on its
# longest link type, then on shorter ones, ending with mesh links.
MESH = ((1, 0), (0, 1))
DIAGONAL = ((1, 1), (-1, 1))          # length sqrt(2)
SKIP = ((2, 0), (0, 2))               # length 2
KNIGHT = ((2, 1), (1, 2), (-1, 2), (-2, 1))   # length sqrt(5)
KITE_PATTERNS: dict[str, tuple[tuple[tuple[int, int], ...], ...]] = {
    "kite_small": (DIAGONAL, MESH),
    "kite_medium": (SKIP, DIAGONAL, MESH),
    "kite_large": (KNIGHT, SKIP, DIAGONAL, MESH),
}
KITE_RADIX = 4
"""Interposer ports per router in Kite: the same radix as a mesh router."""


def kite_edges(rows: int, cols: int, patterns, radix: int = KITE_RADIX) -> list[tuple[int, int]]:
    """Greedy Kite wiring: offsets in priority order, each swept over the grid row-major,
    a link added where both routers still have a free port."""
    n = rows * cols
    used = [0] * n
    edges: list[tuple[int, int]] = []
    for group in patterns:
        for dc, dr in group:
            for r in range(rows):
                for c in range(cols):
                    r2, c2 = r + dr, c + dc
                    if not (0 <= r2 < rows and 0 <= c2 < cols):
                        continue
                    a, b = r * cols + c, r2 * cols + c2
                    if used[a] < radix and used[b] < radix:
                        edges.append((a, b))
                        used[a] += 1
                        used[b] += 1
    return edges


def _kite(name: str, rows: int, cols: int) -> NoiGraph:
    require_size(name, rows, cols, 2, 2)
    edges = list(unique_edges(kite_edges(rows, cols, KITE_PATTERNS[name])))
    # A port-limited greedy pass can strand a corner; join it by its mesh links.
    deg = degrees(rows * cols, edges)
    for a in range(rows * cols):
        if deg[a] == 0:
            r, c = divmod(a, cols)
            edges += [(a, a + 1) if c + 1 < cols else (a - 1, a),
                      (a, a + cols) if r + 1 < rows else (a - cols, a)]
    edges = list(unique_edges(edges))
    require_connected(name, rows * cols, edges)
    return NoiGraph(name, rows, cols, tuple(edges), routing="escape",
                    params={"radix": KITE_RADIX},
                    lengths=straight_lengths(edges, cols))


@NOI_TOPOLOGIES.register("kite_small")
def kite_small_noi(rows: int, cols: int) -> NoiGraph:
    """Kite-Small: diagonal links (length sqrt 2) first, then mesh links, 4 ports per router.

    Bharadwaj, Yin, Beckmann, Krishna, "Kite: A Family of Heterogeneous Interposer Topologies
    Enabled via Accurate Interconnect Modeling", DAC 2020. The paper draws each variant on a
    4x5 grid; here the same link classes are placed greedily on any grid (longest class
    first, port-limited). Diagonal wires run straight on the interposer.
    """
    return _kite("kite_small", rows, cols)


@NOI_TOPOLOGIES.register("kite_medium")
def kite_medium_noi(rows: int, cols: int) -> NoiGraph:
    """Kite-Medium: skip-one links (length 2), then diagonals, then mesh links (Bharadwaj et
    al., DAC 2020; greedy port-limited placement on any grid, as kite_small)."""
    return _kite("kite_medium", rows, cols)


@NOI_TOPOLOGIES.register("kite_large")
def kite_large_noi(rows: int, cols: int) -> NoiGraph:
    """Kite-Large: knight's-move links (length sqrt 5), then skip-one, diagonal and mesh links
    (Bharadwaj et al., DAC 2020; greedy port-limited placement on any grid, as kite_small)."""
    return _kite("kite_large", rows, cols)
