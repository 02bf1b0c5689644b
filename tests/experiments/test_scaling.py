"""The scaling sweep: bounds, knees, and the CLI."""

from __future__ import annotations

import json

import pytest

from pimnoc.cli.main import main
from pimnoc.experiments import scaling as exp


def _point(budget, compute, network):
    return exp.ScalingPoint("t", "p", budget // 10, budget, budget, min(compute, network),
                            compute, network, "compute" if compute <= network else "network",
                            "interposer", 1.0, 1.0)


def test_knee_is_where_the_compute_bound_meets_the_network_bound():
    points = [_point(b, c, 1000.0) for b, c in ((100, 250.0), (200, 500.0), (400, 2000.0),
                                                 (800, 4000.0))]
    k = exp.knee(points)
    assert 200 < k["knee_budget"] < 400
    assert k["regime"] == "compute-bound, then network-bound"
    assert k["saturation_budget"] == 400 and k["gain_over_sweep"] == pytest.approx(4.0)


def test_knee_absent_when_one_bound_rules_the_whole_sweep():
    assert exp.knee([_point(100, 10.0, 50.0), _point(200, 20.0, 50.0)])["knee_budget"] is None
    net = exp.knee([_point(100, 90.0, 50.0), _point(200, 180.0, 60.0)])
    assert net["knee_budget"] is None and "network-bound" in net["regime"]


@pytest.fixture(scope="module")
def report():
    return exp.reproduce_scaling(**exp.QUICK)


def test_sweep_covers_each_topology_and_budget(report):
    budgets = report.config["crossbars_per_pe"]
    assert len(report.points) == len(exp.QUICK["topologies"]) * len(budgets)
    assert budgets[0] == report.config["least_crossbars_per_pe"]
    assert {p.placement for p in report.points if p.topology == "floret"} == {"sfc"}
    assert {p.placement for p in report.points if p.topology == "mesh"} == {"row_major"}


def test_throughput_is_the_lower_bound(report):
    for p in report.points:
        assert p.throughput_ips <= min(p.compute_bound_ips, p.network_bound_ips) * (1 + 1e-9)
        assert p.throughput_ips == pytest.approx(min(p.compute_bound_ips,
                                                     p.network_bound_ips), rel=1e-6)
    mesh = sorted((p for p in report.points if p.topology == "mesh"),
                  key=lambda p: p.crossbar_budget)
    assert mesh[-1].compute_bound_ips > mesh[0].compute_bound_ips  # replication pays compute


def test_cli_quick_json(tmp_path, capsys):
    assert main(["reproduce", "scaling", "--quick", "--json", "--out", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["knees"]) == {"mesh", "floret"}
    assert (tmp_path / "scaling.png").stat().st_size > 10_000
