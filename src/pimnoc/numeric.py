"""Small numpy helpers whose plain numpy form has an edge case."""

from __future__ import annotations

import numpy as np


def weighted_bincount(index: np.ndarray, weights: np.ndarray, minlength: int = 0) -> np.ndarray:
    """`np.bincount` with weights that is float64 even when `index` is empty (numpy gives int64)."""
    return np.bincount(index, weights=weights, minlength=minlength).astype(np.float64, copy=False)
