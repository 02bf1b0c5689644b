"""Space-filling curves: permutations whose consecutive cells are grid neighbours."""

import numpy as np
import pytest

from pimnoc.errors import ConfigError
from pimnoc.hardware.sfc import (
    CURVES,
    curve_order,
    gilbert_cells,
    hilbert_order,
    row_major_order,
    snake_order,
)

SIZES = [(1, 1), (1, 7), (7, 1), (2, 2), (2, 3), (3, 2), (3, 3), (4, 4), (5, 5), (4, 6),
         (6, 4), (5, 8), (8, 5), (6, 6), (7, 9), (8, 8), (10, 10), (3, 17), (16, 16), (12, 20)]


def _steps(order: np.ndarray, cols: int) -> np.ndarray:
    rows_, cols_ = np.divmod(order, cols)
    return np.abs(np.diff(rows_)) + np.abs(np.diff(cols_))


@pytest.mark.parametrize("name", ["hilbert", "snake", "row_major"])
@pytest.mark.parametrize(("rows", "cols"), SIZES)
def test_curves_are_permutations(name, rows, cols):
    order = curve_order(name, rows, cols)
    assert order.dtype == np.int64
    assert sorted(order.tolist()) == list(range(rows * cols))


@pytest.mark.parametrize("name", ["hilbert", "snake"])
@pytest.mark.parametrize(("rows", "cols"), SIZES)
def test_consecutive_cells_are_neighbours(name, rows, cols):
    assert np.all(_steps(curve_order(name, rows, cols), cols) == 1)


def test_hilbert_unit_steps_for_every_size_up_to_24():
    for rows in range(1, 25):
        for cols in range(1, 25):
            order = hilbert_order(rows, cols)
            assert sorted(order.tolist()) == list(range(rows * cols)), (rows, cols)
            assert np.all(_steps(order, cols) == 1), (rows, cols)


def test_hilbert_4x4_is_the_classic_curve():
    assert hilbert_order(4, 4).tolist() == [0, 1, 5, 4, 8, 12, 13, 9, 10, 14, 15, 11, 7, 6,
                                            2, 3]


def test_hilbert_is_local():
    """Every aligned 4x4 block of a 16x16 Hilbert curve is one contiguous run of 16 cells."""
    order = hilbert_order(16, 16)
    position = np.empty(256, dtype=int)
    position[order] = np.arange(256)
    grid = position.reshape(16, 16)
    for r in range(0, 16, 4):
        for c in range(0, 16, 4):
            block = np.sort(grid[r:r + 4, c:c + 4].ravel())
            assert block[-1] - block[0] == 15


def test_snake_and_row_major():
    assert snake_order(2, 3).tolist() == [0, 1, 2, 5, 4, 3]
    assert row_major_order(2, 3).tolist() == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(("w", "h"), [(2, 3), (4, 5), (3, 3), (5, 7), (6, 1), (8, 8)])
def test_gilbert_block_ends_at_adjacent_corner(w, h):
    cells = gilbert_cells(0, 0, w, 0, 0, h)
    assert cells[0] == (0, 0) and cells[-1] == (w - 1, 0)
    assert len(set(cells)) == w * h
    steps = np.abs(np.diff(np.array(cells), axis=0)).sum(axis=1)
    assert np.all(steps == 1)


def test_registry_and_errors():
    assert {"hilbert", "snake", "row_major"} <= set(CURVES.names())
    with pytest.raises(ConfigError, match="mapping.curve"):
        curve_order("peano", 4, 4)
    with pytest.raises(ConfigError):
        hilbert_order(0, 3)
