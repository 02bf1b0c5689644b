"""numeric helpers: the float result of a weighted bincount even with nothing to count."""

from __future__ import annotations

import numpy as np

from pimnoc.numeric import weighted_bincount


def test_empty_weighted_bincount_is_float():
    counts = weighted_bincount(np.zeros(0, dtype=np.int64), np.zeros(0), minlength=3)
    assert counts.dtype == np.float64
    counts += 0.5  # numpy's own int64 result would refuse this in-place add
    assert counts.tolist() == [0.5, 0.5, 0.5]


def test_weighted_bincount_sums_weights():
    counts = weighted_bincount(np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]), minlength=4)
    assert counts.tolist() == [1.0, 0.0, 5.0, 0.0]
