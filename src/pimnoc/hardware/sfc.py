"""Space-filling curves over a rows x cols grid: Hilbert (any size), snake, row-major.

Each curve is a permutation of the row-major cell indices (cell id = row * cols + col). The
Hilbert order is the generalised Hilbert curve for rectangles of any size ("gilbert", after
J. Cervený's construction): the rectangle is split recursively into two or three
sub-rectangles whose curves join end to start, and split sizes are kept even where that keeps
every step between grid neighbours. The start corner and the major axis are chosen so that
the whole curve has unit steps for every grid size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.registry import Registry

CurveFn = Callable[[int, int], np.ndarray]
CURVES: Registry[CurveFn] = Registry("space-filling curve", "mapping.curve")


def _sign(v: int) -> int:
    return (v > 0) - (v < 0)


def _half(v: int) -> int:
    """Half of a signed length, rounded toward zero."""
    return v // 2 if v >= 0 else -((-v) // 2)


def gilbert_cells(x: int, y: int, ax: int, ay: int, bx: int, by: int) -> list[tuple[int, int]]:
    """Cells (x, y) of the rectangle at corner (x, y) spanned by major a and minor b, in order.

    The walk starts at (x, y) and ends at the corner one major-length away, (x, y) + a - unit(a).
    Its steps are unit steps whenever the major length is even or both lengths are odd.
    """
    out: list[tuple[int, int]] = []
    stack = [(x, y, ax, ay, bx, by)]
    while stack:
        x, y, ax, ay, bx, by = stack.pop()
        w, h = abs(ax + ay), abs(bx + by)
        dax, day, dbx, dby = _sign(ax), _sign(ay), _sign(bx), _sign(by)
        if h == 1 or w == 1:
            # A single row (or column): walk straight along it.
            sx, sy, n = (dax, day, w) if h == 1 else (dbx, dby, h)
            out.extend((x + i * sx, y + i * sy) for i in range(n))
            continue
        ax2, ay2, bx2, by2 = _half(ax), _half(ay), _half(bx), _half(by)
        if 2 * w > 3 * h:
            # Long rectangle: cut across the major axis into two halves of even width.
            if abs(ax2 + ay2) % 2 and w > 2:
                ax2, ay2 = ax2 + dax, ay2 + day
            parts = [(x, y, ax2, ay2, bx, by),
                     (x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by)]
        else:
            # Up the minor axis, along the whole major axis, and back down.
            if abs(bx2 + by2) % 2 and h > 2:
                bx2, by2 = bx2 + dbx, by2 + dby
            parts = [(x, y, bx2, by2, ax2, ay2),
                     (x + bx2, y + by2, ax, ay, bx - bx2, by - by2),
                     (x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby),
                      -bx2, -by2, -(ax - ax2), -(ay - ay2))]
        stack.extend(reversed(parts))
    return out


def _check_size(rows: int, cols: int) -> None:
    if rows < 1 or cols < 1:
        raise ConfigError(f"a curve needs a grid of at least 1x1 cells, got {rows}x{cols}")


def hilbert_order(rows: int, cols: int) -> np.ndarray:
    """Generalised Hilbert order of a rows x cols grid; consecutive cells are grid neighbours."""
    _check_size(rows, cols)
    # The curve runs from (0, 0) to the far end of its major side: that side must be even
    # unless both are odd. Prefer the longer side as the major one.
    along_cols = cols >= rows
    if along_cols and cols % 2 and not rows % 2:
        along_cols = False
    elif not along_cols and rows % 2 and not cols % 2:
        along_cols = True
    cells = gilbert_cells(0, 0, cols, 0, 0, rows) if along_cols else \
        gilbert_cells(0, 0, 0, rows, cols, 0)
    return np.array([y * cols + x for x, y in cells], dtype=np.int64)


def snake_order(rows: int, cols: int) -> np.ndarray:
    """Boustrophedon: row 0 left to right, row 1 right to left, and so on."""
    _check_size(rows, cols)
    grid = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    grid[1::2] = grid[1::2, ::-1]
    return grid.ravel()


def row_major_order(rows: int, cols: int) -> np.ndarray:
    """Row by row, each left to right (the identity permutation)."""
    _check_size(rows, cols)
    return np.arange(rows * cols, dtype=np.int64)


CURVES.register("hilbert")(hilbert_order)
CURVES.register("snake")(snake_order)
CURVES.register("row_major")(row_major_order)


def curve_order(name: str, rows: int, cols: int) -> np.ndarray:
    """The named curve over a rows x cols grid."""
    return CURVES.get(name)(rows, cols)
