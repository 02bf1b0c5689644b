"""Grouping of equal data keys (flows.data_groups) against a sort of the whole rows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.traffic import flows as traffic_flows


def _row_groups(keys: np.ndarray) -> np.ndarray:
    rows = np.ascontiguousarray(keys).view(np.dtype((np.void, 8 * keys.shape[1])))
    return np.unique(rows, return_inverse=True)[1].ravel()


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(np.column_stack([a, b]), axis=0).shape[0]
    return pairs == np.unique(a).size == np.unique(b).size


keys_strategy = st.integers(1, 60).flatmap(lambda n: st.lists(
    st.tuples(*(st.integers(-3, 3) for _ in range(6))), min_size=n, max_size=n))


@settings(max_examples=60, deadline=None)
@given(keys_strategy, st.integers(0, 2**62))
def test_equal_rows_share_a_group_and_only_they(rows, big):
    keys = np.array(rows, dtype=np.int64)
    keys[::3, 5] += big  # large values too (rounded rectangle corners are up to 2^40)
    assert _same_partition(traffic_flows.data_groups(keys), _row_groups(keys))


def test_hash_collisions_fall_back_to_sorting_rows(monkeypatch):
    monkeypatch.setattr(traffic_flows, "_HASH_MULTIPLIER", np.uint64(0))  # every row collides
    keys = np.array([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 7], [1, 2, 3, 4, 5, 6], [0] * 6])
    groups = traffic_flows.data_groups(keys)
    assert groups[0] == groups[2] and len({groups[0], groups[1], groups[3]}) == 3


def test_no_rows_no_groups():
    assert traffic_flows.data_groups(np.zeros((0, 6), dtype=np.int64)).size == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2**20), st.integers(0, 3)),
                max_size=80), st.booleans())
def test_order_by_a_combined_key_is_lexsort(rows, huge):
    keys = np.array(rows, dtype=np.int64).reshape(-1, 3)
    if huge and keys.size:
        keys[:, 1] += 2**60  # too wide to combine: lexsort itself
    first, second, third = keys.T
    np.testing.assert_array_equal(traffic_flows._order_by(first, second, third),
                                  np.lexsort((third, second, first)))
