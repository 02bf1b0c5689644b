"""Router pipeline delay by port count, the same in the analytical engine and the flit simulator."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pimnoc.engines.analytical.network import route_flows, router_delay_extra
from pimnoc.engines.flit import SimParams
from pimnoc.engines.flit.engine import simulate_flows
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech
from pimnoc.traffic.flows import ACTIVATION, Flows


def _ports(*ports: int) -> SimpleNamespace:
    return SimpleNamespace(router_ports=np.array(ports))


def test_reference_router_keeps_its_stages_and_others_scale_with_log_ports():
    extra = router_delay_extra(_ports(2, 3, 4, 5, 6, 7, 8, 10, 16, 32), NetworkTech())
    np.testing.assert_array_equal(extra, [-1, -1, 0, 0, 0, 0, 1, 1, 1, 2])
    assert np.all(np.diff(extra) >= 0)


def test_port_scaling_can_be_switched_off():
    extra = router_delay_extra(_ports(3, 5, 16), NetworkTech(router_alloc_stages=0))
    np.testing.assert_array_equal(extra, [0, 0, 0])


def _line(n: int = 4):
    topo = build_system(SystemSpec("2d", pe_rows=1, pe_cols=n))
    return topo, make_routing(topo)


def _flow(src: int, dst: int, bits: float = 64.0) -> Flows:
    one = np.ones(1, dtype=np.int64)
    return Flows(one * src, one * dst, np.array([bits]), 0 * one, one,
                 np.full(1, ACTIVATION))


def test_zero_load_counts_each_routers_own_pipeline():
    topo, routing = _line(4)  # routers of 2 (ends) and 3 (middle) ports: one cycle faster
    flows = _flow(0, 3)
    fixed = route_flows(routing, flows, NetworkTech(router_alloc_stages=0))
    scaled = route_flows(routing, flows, NetworkTech())
    assert fixed.zero_load_cycles[0] - scaled.zero_load_cycles[0] == 4  # 4 routers on the way
    ring = build_system(SystemSpec("2.5d", pe_rows=1, pe_cols=1, chiplet_rows=2,
                                   chiplet_cols=2, noi="floret"))
    mesh = build_system(SystemSpec("2.5d", pe_rows=1, pe_cols=1, chiplet_rows=3,
                                   chiplet_cols=3, noi="mesh"))
    net = NetworkTech()
    noi_ring = ring.meta["noi_nodes"]
    noi_mesh = mesh.meta["noi_nodes"]
    assert np.all(router_delay_extra(ring, net)[noi_ring] == -1)  # 2 NoI links + micro-bump
    assert router_delay_extra(mesh, net)[noi_mesh[4]] == 0  # 4 NoI links + micro-bump


def test_cycle_engine_applies_the_same_per_router_delay():
    topo, routing = _line(4)
    src, dst, bits = np.array([0]), np.array([3]), np.array([128.0])
    params = SimParams(sample_period=2000, max_samples=4, warmup_periods=1)
    extra = router_delay_extra(topo, NetworkTech())
    plain = simulate_flows(topo, routing, src, dst, bits, 4000.0, 32, params)
    faster = simulate_flows(topo, routing, src, dst, bits, 4000.0, 32, params,
                            router_delay_extra=extra)
    saved = plain.flow_packet_latency_mean[0] - faster.flow_packet_latency_mean[0]
    assert saved == pytest.approx(4.0, abs=0.25)
