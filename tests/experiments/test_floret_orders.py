"""Floret vs the mesh over orders of a mix's networks: distinct orders, figures from evaluations."""

from __future__ import annotations

import json

import pytest

from pimnoc.cli.main import main
from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate
from pimnoc.experiments.floret import FloretCase
from pimnoc.experiments.floret_orders import (
    TIE,
    network_orders,
    order_sensitivity,
    summarise_orders,
)


def test_orders_start_with_the_listed_one_and_are_distinct():
    orders = network_orders(6, 4, seed=3)
    assert orders[0] == (0, 1, 2, 3)
    assert len(set(orders)) == 6
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert len(network_orders(10, 3)) == 6  # only 3! orders exist


def _small(case: FloretCase, topology: str = "mesh", placement: str = "row_major"):
    return parse_run({
        "workload": {"networks": [{"model": m, "input_hw": 32, "num_classes": 10}
                                  for m in case.networks]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 2, "cols": 2},
                   "pes": {"rows": 3, "cols": 3}, "noi": {"topology": topology},
                   "pe": {"crossbars": 128}},
        "mapping": {"placement": placement},
    })


@pytest.fixture(scope="module")
def rows():
    case = FloretCase(4, "pair", ("resnet18", "mobilenet_v2"))
    return order_sensitivity([case], 2, _small)


def test_each_order_is_evaluated_on_both_nois(rows):
    assert [r["order"] for r in rows] == [["resnet18", "mobilenet_v2"],
                                          ["mobilenet_v2", "resnet18"]]
    swapped = FloretCase(4, "pair", ("mobilenet_v2", "resnet18"))
    mesh = evaluate(_small(swapped, "mesh", "row_major"), detail=False)
    floret = evaluate(_small(swapped, "floret", "sfc"), detail=False)
    assert rows[1]["latency_change"] == pytest.approx(floret.latency_s / mesh.latency_s - 1)
    assert rows[1]["energy_change"] == pytest.approx(
        floret.energy_j["total"] / mesh.energy_j["total"] - 1)


def test_summary_counts_orders_where_floret_is_lower(rows):
    (entry,) = summarise_orders(rows)
    values = [r["latency_change"] for r in rows]
    assert entry["orders"] == 2
    assert entry["latency_change"]["min"] == min(values)
    assert entry["latency_change"]["max"] == max(values)
    lat = entry["latency_change"]
    assert lat["floret_lower"] == sum(v < -TIE for v in values)
    assert lat["floret_lower"] + lat["tied"] + lat["floret_higher"] == 2


def test_cli_orders_and_multicast_reach_the_json(tmp_path, capsys):
    out = tmp_path / "floret"
    code = main(["reproduce", "floret", "--quick", "--engine", "analytical", "--orders", "2",
                 "--multicast",
                 "--load", "0.9", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "orders of each mix" in text
    data = json.loads((out / "floret.json").read_text())
    assert data["config"]["multicast"] is True
    assert data["config"]["load"] == 0.9
    rates = {round(r["throughput_ips"], 6) for r in data["rows"]}
    assert len(rates) == 1  # one case: every NoI at the same offered rate
    assert len(data["orders"]) == 2
    assert data["summary"]["orders"][0]["orders"] == 2


@pytest.mark.parametrize("flag, value", [("--orders", "-1"), ("--load", "0")])
def test_cli_rejects_bad_orders_and_load(tmp_path, capsys, flag, value):
    assert main(["reproduce", "floret", "--quick", flag, value, "--out",
                 str(tmp_path / "x")]) == 2
    assert flag in capsys.readouterr().err
    assert not (tmp_path / "x" / "floret.json").exists()


def test_orders_at_an_equal_load_run_both_nois_at_one_rate():
    case = FloretCase(4, "pair", ("resnet18", "mobilenet_v2"))
    (row,) = order_sensitivity([case], 1, _small, load=0.5)
    mesh = evaluate(_small(case, "mesh", "row_major"), detail=False)
    floret = evaluate(_small(case, "floret", "sfc"), detail=False)
    rate = 0.5 * min(mesh.throughput_ips, floret.throughput_ips)
    from pimnoc.experiments.compare import with_changes

    at = [evaluate(with_changes(_small(case, t, p), simulation={"rate_ips": rate}),
                   detail=False) for t, p in (("mesh", "row_major"), ("floret", "sfc"))]
    assert row["latency_change"] == pytest.approx(at[1].latency_s / at[0].latency_s - 1)
