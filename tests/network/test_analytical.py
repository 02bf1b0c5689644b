"""The analytical contention model: processor sharing of a channel per inference interval."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pimnoc.network.analytical import shared_transfer_s


def test_alone_on_a_channel_is_pure_serialisation():
    bits = np.array([3200.0])
    assert np.isclose(shared_transfer_s(bits, bits, 32e9, 1e-3)[0], 3200 / 32e9)


def test_on_a_saturated_channel_a_transfer_takes_the_interval():
    interval = 1e-6
    load = np.array([32e9 * interval])
    assert np.isclose(shared_transfer_s(np.array([1000.0]), load, 32e9, interval)[0], interval)


@given(st.floats(1, 1e4), st.floats(0, 1), st.floats(0, 1))
def test_more_competing_load_never_speeds_a_transfer(bits, other_a, other_b):
    capacity = 1e5
    lo, hi = sorted((other_a, other_b))
    loads = np.array([bits + lo * (capacity - bits if capacity > bits else 0),
                      bits + hi * (capacity - bits if capacity > bits else 0)])
    times = shared_transfer_s(np.array([bits, bits]), loads, 1e9, capacity / 1e9)
    assert times[0] <= times[1] + 1e-18
    assert times[0] >= bits / 1e9 - 1e-18
