"""Floret NoI: a ring of space-filling curves; consecutive chiplets along it are linked."""

from __future__ import annotations

from pimnoc.errors import ConfigError
from pimnoc.hardware.sfc import gilbert_cells
from pimnoc.hardware.topologies._common import require_size, straight_lengths
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph

Cell = tuple[int, int]  # (row, col)


def _block_path(start: Cell, end: Cell, away: Cell, size: Cell) -> list[Cell] | None:
    """Generalised Hilbert path through a block, from corner `start` to the adjacent corner
    `end`; `away` is the unit step from `start` into the block across that side and `size`
    the block's (length along start->end, depth across). None if no unit-step path exists."""
    along, depth = size
    if along == 1 and depth == 1:
        return [start]
    if along < 2 or not (along % 2 == 0 or depth % 2 == 1):
        return None
    dr, dc = (end[0] - start[0]) // (along - 1), (end[1] - start[1]) // (along - 1)
    cells = gilbert_cells(start[1], start[0], dc * along, dr * along,
                          away[1] * depth, away[0] * depth)
    return [(y, x) for x, y in cells]


def _quadrant_ring(rows: int, cols: int) -> list[Cell] | None:
    """Four Hilbert quadrants joined into a loop around the centre (a Moore-curve layout)."""
    qr, qc = rows // 2, cols // 2
    if rows % 2 or cols % 2:
        return None
    # Vertical seam: quadrant paths run along the central column pair.
    parts = [
        _block_path((0, qc - 1), (qr - 1, qc - 1), (0, -1), (qr, qc)),
        _block_path((qr, qc - 1), (rows - 1, qc - 1), (0, -1), (qr, qc)),
        _block_path((rows - 1, qc), (qr, qc), (0, 1), (qr, qc)),
        _block_path((qr - 1, qc), (0, qc), (0, 1), (qr, qc)),
    ]
    if any(p is None for p in parts):
        # Horizontal seam: the same, transposed.
        parts = [
            _block_path((qr - 1, 0), (qr - 1, qc - 1), (-1, 0), (qc, qr)),
            _block_path((qr - 1, qc), (qr - 1, cols - 1), (-1, 0), (qc, qr)),
            _block_path((qr, cols - 1), (qr, qc), (1, 0), (qc, qr)),
            _block_path((qr, qc - 1), (qr, 0), (1, 0), (qc, qr)),
        ]
    if any(p is None for p in parts):
        return None
    return [cell for part in parts for cell in part]


def _half_ring(rows: int, cols: int) -> list[Cell] | None:
    """Two Hilbert halves joined into a loop across the centre line."""
    if rows % 2 == 0:
        hr = rows // 2
        bottom = _block_path((hr - 1, 0), (hr - 1, cols - 1), (-1, 0), (cols, hr))
        top = _block_path((hr, cols - 1), (hr, 0), (1, 0), (cols, hr))
        if bottom is not None and top is not None:
            return bottom + top
    if cols % 2 == 0:
        hc = cols // 2
        left = _block_path((0, hc - 1), (rows - 1, hc - 1), (0, -1), (rows, hc))
        right = _block_path((rows - 1, hc), (0, hc), (0, 1), (rows, hc))
        if left is not None and right is not None:
            return left + right
    return None


def _comb_ring(rows: int, cols: int) -> list[Cell]:
    """A Hamiltonian loop for any grid with an even side (row 0, a snake, column 0 back);
    with both sides odd, a loop with one link of length 2."""
    if rows % 2 and cols % 2 == 0:
        return [(c, r) for r, c in _comb_ring(cols, rows)]
    if rows % 2 == 0:
        ring = [(0, c) for c in range(cols)]
        for i, r in enumerate(range(1, rows)):
            span = range(cols - 1, 0, -1) if i % 2 == 0 else range(1, cols)
            ring += [(r, c) for c in span]
        return ring + [(r, 0) for r in range(rows - 1, 0, -1)]
    # Both odd: zig-zag rows 0-1, snake rows 2.. over columns 1.., back up column 0.
    ring = [cell for c in range(cols) for cell in
            (((1, c), (0, c)) if c % 2 == 0 else ((0, c), (1, c)))]
    for i, r in enumerate(range(2, rows)):
        span = range(cols - 1, 0, -1) if i % 2 == 0 else range(1, cols)
        ring += [(r, c) for c in span]
    ring += [(r, 0) for r in range(rows - 1, 1, -1)]
    # Start after the one long step, so that it becomes the closing link.
    start = ring.index((2, cols - 1))
    return ring[start:] + ring[:start]


def floret_ring(rows: int, cols: int) -> tuple[list[int], int]:
    """Chiplet ids along the Floret loop and the number of Hilbert blocks it is made of."""
    if rows == 1 or cols == 1:
        return list(range(rows * cols)), 1
    for blocks, build in ((4, _quadrant_ring), (2, _half_ring)):
        cells = build(rows, cols)
        if cells is not None:
            return [r * cols + c for r, c in cells], blocks
    return [r * cols + c for r, c in _comb_ring(rows, cols)], 1


PUBLIC_LAYOUTS: dict[tuple[int, int], str] = {(6, 6): "petals", (9, 9): "ring", (10, 10): "ring"}
"""Layout of the Floret NoIs the authors' group publishes as adjacency matrices: CHIPSIM
(github.com/mohanbing/CHIPSIM) `assets/NoI_topologies/adj_matrix_{6x6,9x9,10x10}_floret.csv`
at commit 38ceda148ae0b6935dfbd5b7ea914039ce174341 (Oct 2025; removed from the tree later
except the 10x10 one). 6x6: 40 unit links, 28 routers of degree 2 and 8 of degree 3 (the two
central columns, rows 0-3); 9x9: a ring of 81 links, one spanning two pitches; 10x10: a ring
of 100 unit links made of four 5x5 quadrant curves."""


def petal_blocks(rows: int, cols: int) -> list[list[Cell]]:
    """The curves of the petal layout, in ring order: 2-row blocks of half the width.

    Down the left half, each block runs from its inner column outward on its upper row and
    back inward on its lower row; up the right half, outward on the lower row and back on
    the upper one. The tail of each block meets the head of the next across one unit link,
    the last right block's tail meets the first left block's head across the top row.
    """
    half = cols // 2
    blocks = []
    for top in range(0, rows, 2):
        blocks.append([(top, c) for c in range(half - 1, -1, -1)]
                      + [(top + 1, c) for c in range(half)])
    for top in range(rows - 2, -1, -2):
        blocks.append([(top + 1, c) for c in range(half, cols)]
                      + [(top, c) for c in range(cols - 1, half - 1, -1)])
    return blocks


def _petals(rows: int, cols: int) -> tuple[list[int], list[tuple[int, int]], int]:
    """Ring order, links and curve count of the petal layout (the public 6x6 Floret).

    Every block but the two joined along the bottom row is also closed head to tail by a
    unit link along the central columns, as in the public file (which does not say why the
    bottom pair stays open); those closures are the degree-3 junctions.
    """
    if rows < 4 or rows % 2 or cols < 4 or cols % 2:
        raise ConfigError(f"design.noi.layout: 'petals' needs an even number (>= 4) of chiplet "
                          f"rows and columns, got {rows}x{cols}; use layout: ring")
    blocks = petal_blocks(rows, cols)
    order = [r * cols + c for block in blocks for r, c in block]
    edges = [(order[i], order[(i + 1) % len(order)]) for i in range(len(order))]
    bottom = {rows // 2 - 1, rows // 2}  # the left and right blocks of the bottom row pair
    for i, block in enumerate(blocks):
        if i not in bottom:
            (hr, hc), (tr, tc) = block[0], block[-1]
            edges.append((hr * cols + hc, tr * cols + tc))
    return order, edges, len(blocks)


@NOI_TOPOLOGIES.register("floret")
def floret_noi(rows: int, cols: int, curves: int | None = None,
               layout: str = "auto") -> NoiGraph:
    """Floret NoI: `curves` (lambda) space-filling curves of psi chiplets each, lambda*psi = N.

    Sharma, Pfromm, Topaloglu, Doppa, Ogras, Kalyanaraman, Pande, "Florets for Chiplets:
    Data Flow-aware High-Performance and Energy-efficient Network-on-Interposer for CNN
    Inference Tasks", ACM TECS 2023. Links join consecutive chiplets along each curve and the
    tail of curve i to the head of curve i+1, the last tail closing the loop to the first
    head.

    `layout: ring`: N unit-length links (a 10x10 Floret has 100 where a mesh has 180); the
    loop is made of generalised Hilbert curves over the grid's quadrants (or halves) meeting
    at the centre; routing is dimension-order on the loop (shorter way round, dateline
    virtual channels). With both grid sides odd, one closing link spans two pitches; on a
    single row or column the loop stays open. `layout: petals`: curves of 2 x cols/2 chiplets
    (`petal_blocks`), most also closed head to tail, so the graph has junctions; routed
    minimally with an up*/down* escape channel (`escape`). `layout: auto` (default) takes the
    layout the group's public file has for the size (`PUBLIC_LAYOUTS`: petals at 6x6) and the
    ring elsewhere. `curve_order` lists the chiplets curve after curve; placement follows it.
    """
    require_size("floret", rows, cols, 1, 1)
    n = rows * cols
    if layout not in ("auto", "ring", "petals"):
        raise ConfigError(f"design.noi.layout: unknown '{layout}'; choose auto, ring or petals")
    chosen = PUBLIC_LAYOUTS.get((rows, cols), "ring") if layout == "auto" else layout
    if chosen == "petals":
        order, edges, blocks = _petals(rows, cols)
        if curves not in (None, blocks):
            raise ConfigError(f"design.noi.curves: the petal layout of {rows}x{cols} has "
                              f"{blocks} curves; leave curves out or use layout: ring")
        psi = n // blocks
        return NoiGraph(
            "floret", rows, cols, tuple(edges), curve_order=tuple(order), routing="escape",
            params={"curves": blocks, "curve_length": psi, "hilbert_blocks": 0,
                    "curve_starts": tuple(range(0, n, psi)), "layout": "petals"},
            lengths=straight_lengths(edges, cols),
        )
    order, blocks = floret_ring(rows, cols)
    lam = blocks if curves is None else curves
    if not isinstance(lam, int) or lam < 1 or n % lam:
        divisors = [d for d in range(1, n + 1) if n % d == 0]
        raise ConfigError(
            f"design.noi.curves: {curves!r} curves cannot split {n} chiplets into equal "
            f"curves; choose a divisor of {n} ({', '.join(map(str, divisors[:12]))}"
            f"{', ...' if len(divisors) > 12 else ''})"
        )
    closed = rows > 1 and cols > 1 and n > 2
    edges = [(order[i], order[i + 1]) for i in range(n - 1)]
    if closed:
        edges.append((order[-1], order[0]))
    position = {chip: i for i, chip in enumerate(order)}
    coords = tuple((position[c], 0) for c in range(n))
    dims = tuple((0, 1) for _ in edges)
    dateline = tuple(i == n - 1 for i in range(len(edges)))
    psi = n // lam
    return NoiGraph(
        "floret", rows, cols, tuple(edges), dims, (closed, False), dateline,
        curve_order=tuple(order), routing="dor",
        params={"curves": lam, "curve_length": psi, "hilbert_blocks": blocks,
                "curve_starts": tuple(range(0, n, psi)), "layout": "ring"},
        lengths=straight_lengths(edges, cols), coords=coords,
    )
