"""power_map: rasterising node powers conserves power and lands in the right cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.analysis.thermal import ThermalError, power_map, stack_3d

DIE_W, DIE_H = 10e-3, 6e-3
STACK = stack_3d(3, DIE_W, DIE_H)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_nodes=st.integers(1, 60),
    size=st.one_of(st.none(), st.floats(1e-5, 8e-3)),
    nx=st.integers(1, 40),
    ny=st.integers(1, 40),
)
def test_power_is_conserved(seed: int, n_nodes: int, size: float | None, nx: int, ny: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.random((n_nodes, 2)) * [DIE_W, DIE_H]
    tier = rng.integers(0, 3, n_nodes)
    power = rng.random(n_nodes) * 3
    pm = power_map(xy, tier, power, STACK, nx, ny, node_size_m=size)
    assert pm.shape == (3, ny, nx)
    assert pm.sum() == pytest.approx(power.sum(), rel=1e-12)
    for t in range(3):
        assert pm[t].sum() == pytest.approx(power[tier == t].sum(), rel=1e-12, abs=1e-15)
    assert np.all(pm >= 0)


def test_point_node_lands_in_its_cell() -> None:
    pm = power_map([[9.9e-3, 0.1e-3], [0.0, 6e-3]], [2, 0], [1.5, 0.5], STACK, 10, 6)
    assert pm[2, 0, 9] == 1.5
    assert pm[0, 5, 0] == 0.5
    assert pm.sum() == 2.0


def test_rectangle_spreads_by_area() -> None:
    # a 2 x 1 mm node centred on a cell corner of a 1 mm grid covers 4 half-cells... equally
    pm = power_map([[5e-3, 3e-3]], [1], [4.0], STACK, 10, 6, node_size_m=(2e-3, 2e-3))
    assert np.count_nonzero(pm) == 4
    assert np.allclose(pm[pm > 0], 1.0)
    per_node = power_map([[5e-3, 3e-3], [1e-3, 1e-3]], [0, 0], [1.0, 1.0], STACK, 10, 6,
                         node_size_m=np.array([[2e-3, 2e-3], [1e-3, 1e-3]]))
    assert per_node.sum() == pytest.approx(2.0)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ThermalError, match="node_xy_m"):
        power_map([[11e-3, 1e-3]], [0], [1.0], STACK)
    with pytest.raises(ThermalError, match="node_tier"):
        power_map([[1e-3, 1e-3]], [3], [1.0], STACK)
    with pytest.raises(ThermalError, match="node_power_w"):
        power_map([[1e-3, 1e-3]], [0], [-1.0], STACK)
    with pytest.raises(ThermalError, match="one of each"):
        power_map([[1e-3, 1e-3]], [0, 1], [1.0], STACK)
