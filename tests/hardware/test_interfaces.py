"""Chiplet I/O as a design parameter: interface presets, ports per chiplet, the I/O bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate, evaluate_full, topology_and_routing
from pimnoc.hardware.interfaces import DEFAULT_INTERFACE, INTERFACES, chiplet_interface
from pimnoc.hardware.routing import find_dependency_cycle, make_routing
from pimnoc.hardware.topology import LINK_KINDS, NOI_ROUTER

UBUMP = LINK_KINDS.index("ubump")


def _run(run_dict, **noi):
    run = run_dict()
    run["design"]["noi"] = noi
    return parse_run(run)


@pytest.mark.parametrize("name", ["ucie_standard", "ucie_advanced", "grs", "aib"])
def test_every_preset_is_complete_and_cited(name):
    iface = INTERFACES[name]
    assert iface.lanes >= 1 and iface.gbps_per_lane > 0 and iface.energy_pj_per_bit > 0
    assert iface.latency_ns >= 0 and iface.bump_pitch_um > 0 and iface.area_mm2 > 0
    assert len(iface.source) > 10
    assert iface.bandwidth_bps == pytest.approx(iface.lanes * iface.gbps_per_lane * 1e9)


def test_ucie_module_bandwidths_follow_the_standard():
    # x16 standard and x64 advanced modules (UCIe 1.0), both at 16 GT/s here
    assert INTERFACES["ucie_standard"].bandwidth_bps == pytest.approx(256e9)
    assert INTERFACES["ucie_advanced"].bandwidth_bps == pytest.approx(1024e9)
    assert INTERFACES["ucie_advanced"].energy_pj_per_bit < \
        INTERFACES["ucie_standard"].energy_pj_per_bit


def test_any_field_is_overridable_and_reaches_the_network_tech(run_dict):
    spec = _run(run_dict, interface={"preset": "grs", "lanes": 8, "energy_pj_per_bit": 0.7})
    net = spec.network_tech()
    assert net.chiplet_link_gbps == pytest.approx(8 * 20.0)
    assert net.interposer_pj_per_bit == pytest.approx(0.7)
    assert "overridden" in spec.chiplet_interface().source
    assert chiplet_interface("grs") is INTERFACES["grs"]


def test_unknown_preset_and_bad_override_are_config_errors(run_dict):
    with pytest.raises(ConfigError, match=r"design\.noi\.interface: unknown 'ucie_adv' "
                                          r"\(did you mean 'ucie_advanced'\?\)"):
        _run(run_dict, interface="ucie_adv")
    with pytest.raises(ConfigError, match=r"design\.noi\.interface.*lanes"):
        _run(run_dict, interface={"preset": "aib", "lanes": 0})
    with pytest.raises(ConfigError, match=r"design\.noi\.ports_per_chiplet"):
        _run(run_dict, ports_per_chiplet=0)


def test_result_reports_chiplet_io_bounds_and_the_active_one(run_dict):
    result = evaluate(_run(run_dict), detail=False)
    assert result.extra["chiplet_io_bps"] == [INTERFACES[DEFAULT_INTERFACE].bandwidth_bps] * 9
    bounds = result.extra["bounds"]
    assert set(bounds) == {"compute_s", "network_s", "chiplet_io_s"}
    assert result.interval_s == pytest.approx(max(bounds.values()))
    assert result.bottleneck == max(bounds, key=bounds.get)[:-2]


def test_a_slow_interface_makes_the_design_chiplet_io_bound(run_dict):
    slow = evaluate(_run(run_dict, interface={"preset": "grs", "gbps_per_lane": 0.05}))
    assert slow.bottleneck == "chiplet_io"
    assert slow.busiest_link["kind"] == "ubump"
    fast = evaluate(_run(run_dict), detail=False)
    assert fast.extra["bounds"]["chiplet_io_s"] < slow.extra["bounds"]["chiplet_io_s"]
    assert fast.throughput_ips >= slow.throughput_ips


@pytest.mark.parametrize("ports", [2, 4])
def test_several_ports_spread_the_routes_and_stay_deadlock_free(run_dict, ports):
    spec = _run(run_dict, ports_per_chiplet=ports)
    topo, routing = topology_and_routing(spec)
    boundary = np.asarray(topo.meta["boundary_ports"])
    assert boundary.shape == (9, ports) and len(set(boundary[0].tolist())) == ports
    assert find_dependency_cycle(routing) is None
    # without the per-phase VC classes the same routes could deadlock: the check sees it
    bare = replace(topo, meta={**topo.meta, "phase_classes": False})
    assert find_dependency_cycle(make_routing(bare)) is not None
    ev = evaluate_full(spec)
    up = np.flatnonzero((topo.link_kind == UBUMP)
                        & (topo.node_kind[topo.link_dst] == NOI_ROUTER))
    loaded = ev.network.routed.link_load_bits[up] > 0
    per_chip = np.bincount(topo.node_chiplet[topo.link_src[up]], weights=loaded)
    assert per_chip.max() > 1  # some chiplet sends through more than one port
    assert ev.result.extra["chiplet_io_bps"][0] == pytest.approx(
        ports * INTERFACES[DEFAULT_INTERFACE].bandwidth_bps)


def test_more_ports_never_lower_the_chiplet_io_bandwidth_bound(run_dict):
    slow = {"preset": "grs", "gbps_per_lane": 0.05}
    one = evaluate(_run(run_dict, interface=slow), detail=False)
    four = evaluate(_run(run_dict, interface=slow, ports_per_chiplet=4), detail=False)
    assert four.extra["bounds"]["chiplet_io_s"] < one.extra["bounds"]["chiplet_io_s"]


def test_ports_must_fit_on_the_chiplet_edge(run_dict):
    with pytest.raises(ConfigError, match="do not fit on the edge"):
        evaluate(_run(run_dict, ports_per_chiplet=9))
    run = run_dict(simulation={"engine": "event", "network": "flit", "num_vcs": 1})
    run["design"]["noi"] = {"ports_per_chiplet": 2}
    with pytest.raises(ConfigError, match="simulation.num_vcs: several ports per chiplet"):
        evaluate(parse_run(run))
