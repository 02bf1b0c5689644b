"""numeric helpers: a weighted bincount's float result; packed sorts equal to numpy's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.numeric import argsort_stable, chain_roots, unique_inverse, weighted_bincount


def test_empty_weighted_bincount_is_float():
    counts = weighted_bincount(np.zeros(0, dtype=np.int64), np.zeros(0), minlength=3)
    assert counts.dtype == np.float64
    counts += 0.5  # numpy's own int64 result would refuse this in-place add
    assert counts.tolist() == [0.5, 0.5, 0.5]


def test_weighted_bincount_sums_weights():
    counts = weighted_bincount(np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]), minlength=4)
    assert counts.tolist() == [1.0, 0.0, 5.0, 0.0]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=200), st.sampled_from([np.int64, np.int32]),
       st.booleans())
def test_packed_sorts_equal_numpy(values, dtype, wide):
    array = np.array(values, dtype=np.int64) % (2**31 if dtype is np.int32 else 2**62)
    array = array.astype(dtype)
    if wide and array.size and dtype is np.int64:
        array[0] = 2**62  # too wide to pack with positions: numpy's own sorts
    np.testing.assert_array_equal(argsort_stable(array), np.argsort(array, kind="stable"))
    unique, inverse = unique_inverse(array)
    expected_unique, expected_inverse = np.unique(array, return_inverse=True)
    assert unique.dtype == expected_unique.dtype
    np.testing.assert_array_equal(unique, expected_unique)
    np.testing.assert_array_equal(inverse, expected_inverse.ravel())


def test_chain_roots_follow_every_chain_to_its_root():
    rng = np.random.default_rng(3)
    n = 200
    parent = np.array([rng.integers(0, i) if i and rng.random() < 0.8 else i
                       for i in range(n)], dtype=np.int64)  # a forest: parents come first
    expected = parent.copy()
    for i in range(n):  # the plain walk up
        while expected[i] != parent[expected[i]]:
            expected[i] = parent[expected[i]]
    np.testing.assert_array_equal(chain_roots(parent), expected)
    assert np.all(parent[chain_roots(parent)] == chain_roots(parent))
