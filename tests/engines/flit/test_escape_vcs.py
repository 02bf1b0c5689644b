"""Escape virtual channels in the flit kernel: minimal routes on VCs 1.., up*/down* on VC 0."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.engines.flit import SimParams, simulate
from pimnoc.engines.flit import kernel as K
from pimnoc.engines.flit.engine import State, build_network
from pimnoc.engines.flit.traffic import synthetic_traffic
from pimnoc.errors import ConfigError, SimulationError
from pimnoc.hardware.routing import (
    escape_network,
    find_dependency_cycle,
    make_routing,
    uses_escape,
)
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.topologies.anynet import anynet_topology


def ring(n: int = 12):
    """A bidirectional ring: minimal routes close a cycle of channel dependencies."""
    return anynet_topology([[i, (i + 1) % n] for i in range(n)])


def kite_system():
    """6 x 6 chiplets of one PE on a Kite (medium) NoI, which routes with `escape`."""
    return build_system(SystemSpec("2.5d", pe_rows=1, pe_cols=1, chiplet_rows=6,
                                   chiplet_cols=6, noi="kite_medium"))


def route_hops(routing) -> np.ndarray:
    """Routers traversed along `routing` between every ordered pair of terminals."""
    topo = routing.topology
    pes = np.asarray(topo.compute_nodes)
    src, dst = (a.ravel() for a in np.meshgrid(pes, pes, indexing="ij"))
    links = np.zeros(src.size)
    for active, _ in routing.walk(src, dst):
        links[active] += 1
    return links + 1.0


@pytest.mark.parametrize("case", ["ring", "kite"])
def test_low_load_packets_follow_the_minimal_routes(case):
    topo = ring() if case == "ring" else kite_system()
    routing = make_routing(topo, "escape") if case == "ring" else make_routing(topo)
    assert uses_escape(routing)
    minimal, updown = route_hops(routing), route_hops(escape_network(routing))
    assert updown.mean() > 1.03 * minimal.mean()  # the escape network's routes are longer
    p = SimParams(num_vcs=4, packet_size=4)
    r = simulate(topo, routing, "uniform", 0.01, p)
    assert not r.saturated and r.packets_measured > 500
    # uniform traffic: the mean of packets_measured draws of the minimal route lengths
    spread = 4 * minimal.std() / np.sqrt(r.packets_measured)
    assert abs(r.hops_mean - minimal.mean()) < spread
    # the same packets (same seed) on the up*/down* routes alone travel farther
    r_updown = simulate(topo, escape_network(routing), "uniform", 0.01, p)
    gap = updown.mean() - minimal.mean()
    assert r_updown.hops_mean - r.hops_mean > 0.5 * gap


def run_long(topo, routing: str, params: SimParams, rate: float, cycles: int) -> State:
    """Bernoulli traffic far beyond saturation for `cycles`, then sources off until empty."""
    state = State(build_network(topo, routing, params),
                  synthetic_traffic(topo, "uniform", rate, params.packet_size))
    state.ctl[K.C_MODE] = K.MODE_RUNNING
    for _ in range(cycles // 1000):
        state.run(1000)
    state.ctl[K.C_GEN] = 0
    state.ctl[K.C_STOP] = K.STOP_EMPTY
    assert state.run(20 * cycles) == K.STATUS_STOPPED
    return state


def test_escape_vcs_keep_a_ring_moving_where_minimal_routing_deadlocks():
    topo = ring()
    assert find_dependency_cycle(make_routing(topo, "min")) is not None
    p = SimParams(num_vcs=2, vc_buf_size=2, packet_size=8, deadlock_cycles=2000,
                  latency_thres=1e9)
    with pytest.raises(SimulationError, match="deadlock"):
        run_long(topo, "min", p, 0.6, 20_000)
    state = run_long(topo, "escape", p, 0.6, 20_000)
    g = state.glob
    assert g[K.G_STATUS] == K.STATUS_STOPPED
    assert g[K.G_PKTS_CREATED] > 2000
    assert g[K.G_PKTS_DONE] == g[K.G_PKTS_CREATED]
    assert g[K.G_NET_FLITS] == 0
    for err in (K.G_ERR_ORDER, K.G_ERR_ROUTE, K.G_ERR_CREDIT, K.G_ERR_OVERFLOW):
        assert g[err] == 0


def test_escape_vcs_on_kite_under_heavy_load_deliver_everything():
    p = SimParams(num_vcs=4, vc_buf_size=4, packet_size=4, deadlock_cycles=2000,
                  latency_thres=1e9)
    topo = kite_system()
    with pytest.raises(SimulationError, match="deadlock"):
        run_long(topo, "min", p, 0.1, 10_000)  # minimal routes alone jam
    state = run_long(topo, None, p, 0.1, 10_000)
    g = state.glob
    assert g[K.G_PKTS_CREATED] > 5000 and g[K.G_PKTS_DONE] == g[K.G_PKTS_CREATED]
    for err in (K.G_ERR_ORDER, K.G_ERR_ROUTE, K.G_ERR_CREDIT, K.G_ERR_OVERFLOW):
        assert g[err] == 0


def test_escape_routing_needs_two_vcs():
    with pytest.raises(ConfigError, match="num_vcs"):
        build_network(ring(), "escape", SimParams(num_vcs=1))
