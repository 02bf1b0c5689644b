"""Flit simulator behaviour: flows mode, deadlock reporting, dateline VCs, 2.5D systems, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pimnoc.engines.flit import SimParams, kary_topology, simulate, simulate_flows, sweep
from pimnoc.errors import ConfigError, PimnocError, SimulationError, TopologyError
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.topologies.anynet import anynet_topology


def test_flows_inject_at_the_rate_their_bits_imply() -> None:
    topo = kary_topology("mesh", 4)
    src = np.array([0, 5, 15, 3, 9])
    dst = np.array([15, 6, 0, 3, 2])  # 3 -> 3 stays off the network
    bits = np.array([4e5, 2e5, 3e5, 9e9, 1e5])
    interval, flit_bits = 1e5, 32.0
    p = SimParams(packet_size=4, sample_period=4000)
    r = simulate_flows(topo, "dor", src, dst, bits, interval, flit_bits, p)
    flits = bits / flit_bits / interval  # flits per cycle per flow
    flits[3] = 0.0
    assert r.accepted_flit_rate == pytest.approx(flits.sum() / 16, rel=0.1)
    # link load: each flow's flits over each link of its route
    expected = np.zeros(topo.num_directed_links)
    routing = make_routing(topo, "dor")
    for idx, links in routing.walk(src, dst):
        np.add.at(expected, links, flits[idx])
    busy = expected > 0.01
    assert np.allclose(r.link_utilisation[busy], expected[busy], rtol=0.25)
    assert np.all(r.link_utilisation[expected == 0] == 0)
    assert r.flow_packets[3] == 0 and np.isnan(r.flow_packet_latency_mean[3])
    assert np.all(r.flow_packet_latency_mean[[0, 1, 2, 4]] > 10)
    # a longer route takes longer
    assert r.flow_packet_latency_mean[0] > r.flow_packet_latency_mean[1]


def test_flows_reject_nodes_without_terminals() -> None:
    topo = build_system(SystemSpec("2.5d", 2, 2, chiplet_rows=2, chiplet_cols=2))
    router = int(np.flatnonzero(topo.node_kind == 1)[0])
    with pytest.raises(SimulationError, match="terminal"):
        simulate_flows(topo, None, [0], [router], [1e3], 1e4, 32, SimParams())


def test_chiplet_system_with_interposer_routers() -> None:
    topo = build_system(SystemSpec("2.5d", 3, 3, chiplet_rows=2, chiplet_cols=2,
                                   noi="torus"))
    r = simulate(topo, None, "uniform", 0.01, SimParams(num_vcs=2))
    assert not r.saturated
    assert r.accepted_flit_rate == pytest.approx(0.04, rel=0.15)
    noi = np.flatnonzero(topo.link_kind == 1)
    assert r.link_utilisation[noi].max() > 0


def test_ring_with_min_routing_and_one_vc_deadlocks_with_a_message() -> None:
    ring = anynet_topology([[i, (i + 1) % 6] for i in range(6)])
    p = SimParams(num_vcs=1, vc_buf_size=2, packet_size=8, deadlock_cycles=300,
                  latency_thres=1e9)  # no saturation cut-off: run until it jams
    with pytest.raises(SimulationError, match="deadlock") as err:
        simulate(ring, "min", "uniform", 0.6, p)
    assert "routers [0, 1, 2, 3, 4, 5]" in str(err.value)
    assert "waiting cycle of links" in str(err.value)


def test_torus_dateline_classes_keep_heavy_load_moving() -> None:
    topo = kary_topology("torus", 4)
    p = SimParams(num_vcs=2, vc_buf_size=2, packet_size=8, deadlock_cycles=500,
                  max_samples=6)
    r = simulate(topo, "dor", "uniform", 0.5, p)  # far beyond saturation
    assert r.saturated
    with pytest.raises(SimulationError, match="num_vcs"):
        simulate(topo, "dor", "uniform", 0.1, SimParams(num_vcs=1))


def test_updown_on_irregular_network_runs() -> None:
    edges = [[0, 1], [1, 2], [2, 3], [3, 0], [1, 3], [3, 4], [4, 5], [5, 0]]
    topo = anynet_topology(edges)
    r = simulate(topo, "updown", "uniform", 0.3, SimParams(num_vcs=1, packet_size=4,
                                                           max_samples=5))
    assert r.accepted_flit_rate > 0


def test_sweep_latency_grows_with_load_and_saturates() -> None:
    topo = kary_topology("mesh", 4)
    rs = sweep(topo, "dor", "uniform", [0.05, 0.2, 0.9], SimParams(packet_size=2))
    lat = [r.packet_latency_mean for r in rs]
    assert lat[0] < lat[1]
    assert [r.saturated for r in rs] == [False, False, True]


@pytest.mark.parametrize(("traffic", "rate", "match"), [
    ("unifrom", 0.05, "did you mean 'uniform'"),
    ("uniform", 0.0, "rate"),
    ("uniform", 1.5, "rate"),
])
def test_bad_inputs_raise_pimnoc_errors(traffic, rate, match) -> None:
    with pytest.raises(PimnocError, match=match):
        simulate(kary_topology("mesh", 4), "dor", traffic, rate)


def test_transpose_needs_a_square_number_of_terminals() -> None:
    with pytest.raises(PimnocError, match="square"):
        simulate(anynet_topology([[0, 1], [1, 2]]), "min", "transpose", 0.1)


def test_bad_parameters_and_edges() -> None:
    with pytest.raises(SimulationError, match="vc_buf_size"):
        SimParams(vc_buf_size=0).validate()
    with pytest.raises(ConfigError, match="--edges"):
        anynet_topology([[0, 0]])
    with pytest.raises(ConfigError, match="--edges"):
        anynet_topology([[0, 1, 2]])
    with pytest.raises(TopologyError):
        simulate(anynet_topology([[0, 1], [2, 3]]), "min", "uniform", 0.1)


# ----------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    from pimnoc.cli.simulate import register

    app = typer.Typer()
    register(app)

    @app.command()
    def _other() -> None:  # a second command keeps typer in multi-command mode
        pass

    return app


def test_cli_json_single_rate() -> None:
    res = CliRunner().invoke(_app(), ["simulate", "--topology", "mesh", "--k", "4", "--rate",
                                      "0.05", "--packet-size", "2", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in ("packet_latency_mean", "network_latency_mean", "packet_latency_p99",
                "accepted_flit_rate", "saturated", "cycles", "wall_s"):
        assert key in out
    assert out["saturated"] is False


def test_cli_anynet_sweep_and_plot(tmp_path) -> None:
    edges = tmp_path / "edges.json"
    edges.write_text(json.dumps([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]]))
    png = tmp_path / "curve.png"
    res = CliRunner().invoke(_app(), ["simulate", "--topology", "anynet", "--edges",
                                      str(edges), "--rates", "0.02,0.1", "--num-vcs", "2",
                                      "--json", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["rate"] for r in rows] == [0.02, 0.1]
    assert png.stat().st_size > 1000


@pytest.mark.parametrize(("args", "flag"), [
    (["--topology", "ring"], "--topology"),
    (["--rate", "0"], "--rate"),
    (["--rate", "2"], "--rate"),
    (["--rates", "0.1,x"], "--rates"),
    (["--topology", "anynet"], "--edges"),
    (["--routing", "xy"], "--routing"),
    (["--traffic", "tornado"], "--traffic"),
    (["--num-vcs", "0"], "--num-vcs"),
])
def test_cli_bad_input_names_the_flag(args, flag) -> None:
    res = CliRunner().invoke(_app(), ["simulate", *args])
    assert isinstance(res.exception, PimnocError)
    assert flag in str(res.exception)


def test_cli_bad_edges_file(tmp_path) -> None:
    bad = tmp_path / "edges.json"
    bad.write_text("{not json")
    res = CliRunner().invoke(_app(), ["simulate", "--topology", "anynet", "--edges", str(bad)])
    assert isinstance(res.exception, ConfigError) and "--edges" in str(res.exception)
