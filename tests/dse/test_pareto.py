"""Pareto fronts: non-dominated, complete, direction-aware (property tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.dse.pareto import dominates, pareto_indices, pareto_mask

values = st.integers(1, 6).flatmap(lambda k: st.lists(
    st.lists(st.integers(-5, 5).map(float), min_size=k, max_size=k), min_size=0, max_size=40))
directions = st.lists(st.sampled_from(["min", "max"]), min_size=6, max_size=6)


def _brute_force(points: np.ndarray, dirs: list[str]) -> np.ndarray:
    signs = np.array([1.0 if d == "min" else -1.0 for d in dirs])
    costs = points * signs
    return np.array([not any(dominates(costs[j], costs[i]) for j in range(len(costs)))
                     for i in range(len(costs))], dtype=bool)


@settings(max_examples=200, deadline=None)
@given(values, directions)
def test_front_matches_brute_force(rows, dirs):
    points = np.array(rows, dtype=float).reshape(len(rows), -1 if rows else 1)
    dirs = dirs[:points.shape[1]]
    mask = pareto_mask(points, dirs)
    assert np.array_equal(mask, _brute_force(points, dirs))
    if len(points):
        assert mask.any()  # a non-empty set always has a non-dominated point


@settings(max_examples=100, deadline=None)
@given(values)
def test_max_is_min_of_negated(rows):
    points = np.array(rows, dtype=float).reshape(len(rows), -1 if rows else 1)
    k = points.shape[1]
    assert np.array_equal(pareto_mask(points, ["max"] * k), pareto_mask(-points, ["min"] * k))


def test_known_front_and_order():
    points = np.array([[1, 5], [2, 3], [3, 4], [4, 1], [2, 3], [5, 5]], dtype=float)
    assert pareto_indices(points, ["min", "min"]).tolist() == [0, 1, 4, 3]
    assert pareto_indices(points, ["max", "max"]).tolist() == [5]
    assert pareto_indices(points, ["min", "max"]).tolist() == [0]
