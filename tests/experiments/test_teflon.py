"""The TEFLON reproduction: designs, comparisons, published numbers, JSON, figures and CLI."""

from __future__ import annotations

import json

import pytest

from pimnoc.cli.main import main
from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.experiments import teflon as exp
from pimnoc.report.thermal_plots import teflon_figures

NET = exp.WORKLOADS[0]


@pytest.fixture(scope="module")
def report():
    return exp.reproduce_teflon(sizes=(36,), workloads=(NET,), verticals=("tsv",),
                                accuracy_trials=2)


def test_every_design_is_a_valid_3d_run():
    for cores in exp.SIZES:
        for design in exp.DESIGNS:
            spec = parse_run(exp.run_spec(cores, NET, "miv", design))
            tiers, rows, cols = exp.SIZES[cores]
            assert spec.design.tiers * spec.design.pes.rows * spec.design.pes.cols == cores
            assert spec.thermal.enabled and spec.design.integration == "3d"


def test_report_rows_and_comparisons(report):
    assert {r.design for r in report.rows} == set(exp.DESIGNS)
    assert len(report.comparisons) == 1
    c = report.comparisons[0]
    for key in ("edp_change", "noc_edp_change", "peak_temperature_change_k",
                "accuracy_change", "edp_cost", "latency_cost"):
        assert key in c and c[key] == c[key]
    by = {r.design: r for r in report.rows}
    assert c["edp_change"] == pytest.approx(by["sfc3d"].edp_js / by["mesh3d"].edp_js - 1)
    for r in report.rows:
        assert r.energy_balance_error < 0.01
        assert r.tier_peak_k[0] == min(r.tier_peak_k)
        if r.design in exp.THERMAL_PAIR:
            assert 0.0 < r.accuracy <= 1.0
        else:
            assert r.accuracy is None  # only the thermally aware pair is compared on it
    assert c["edp_change_vs_row_major"] == pytest.approx(
        by["sfc3d"].edp_js / by["mesh3d_row_major"].edp_js - 1)


def test_paper_table_has_the_row_major_baseline_with_the_published_edp(report):
    table = exp.paper_table(report.rows)
    assert [r["baseline"] for r in table] == ["mesh3d_row_major", "mesh3d"]
    paper, same = table
    assert paper["net_edp_js"]["published"] == -0.42 and "published" not in same["net_edp_js"]
    by = {r.design: r for r in report.rows}
    assert paper["net_edp_js"]["change"] == pytest.approx(
        by["sfc3d"].net_edp_js / by["mesh3d_row_major"].net_edp_js - 1)
    assert paper["scope"] == "noc"


def test_dataflow_placement_on_the_sfc_noc_spends_less_noc_energy_than_row_major_mesh(report):
    # Consecutive layers on neighbouring PEs: fewer hops per bit than row order on a mesh.
    (paper, _same) = exp.paper_table(report.rows)
    assert paper["net_energy_j"]["change"] < 0.0


def test_thermal_pair_only_where_asked():
    rep = exp.reproduce_teflon(sizes=(36,), workloads=(NET,), verticals=("miv",),
                               accuracy_trials=1, thermal_sizes=(100,))
    assert {r.design for r in rep.rows} == set(exp.DESIGNS) - set(exp.THERMAL_PAIR)


def test_directions_thermally_aware_is_cooler_and_the_sfc_noc_spends_less_network_energy(report):
    c = report.comparisons[0]
    assert c["peak_temperature_change_k"] < -5.0
    assert c["network_energy_change"] < 0.0
    assert c["noc_edp_change"] < 0.0


def test_json_and_figures(report, tmp_path):
    data = report.to_dict()
    text = json.dumps(data)
    assert "tier_maps_k" not in text
    assert data["published"]["edp_change_vs_mesh3d"] == {"36": -0.42, "64": -0.46, "100": -0.45}
    assert data["published"]["peak_temperature_change_k"] == -25.0
    assert data["summary"]["36"]["peak_temperature_change_k"]["mean"] < 0
    assert len(data["differences"]) >= 4
    paths = teflon_figures(report, tmp_path)
    assert [p.name for p in paths] == ["teflon.png", "teflon_tiers.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_unknown_size_is_a_config_error():
    with pytest.raises(ConfigError, match="--sizes"):
        exp.reproduce_teflon(sizes=(48,), workloads=(NET,))


def test_too_big_a_workload_is_skipped_not_fatal():
    big = {"model": "resnet50", "input_hw": 32, "num_classes": 10}
    rep = exp.reproduce_teflon(sizes=(36,), workloads=(big,), verticals=("miv",),
                               designs=("mesh3d",), accuracy_trials=1)
    assert rep.rows == [] and rep.skipped and "resnet50" in rep.skipped[0]["workload"]


def test_cli_quick_subset_writes_json_and_figures(tmp_path, capsys):
    out = tmp_path / "teflon"
    code = main(["reproduce", "teflon", "--quick", "--sizes", "36", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "TEFLON" in printed and "-42%" in printed
    data = json.loads((out / "teflon.json").read_text())
    assert {r["design"] for r in data["rows"]} == set(exp.DESIGNS)
    assert (out / "teflon.png").exists() and (out / "teflon_tiers.png").exists()


def test_cli_bad_sizes_exit_2(tmp_path, capsys):
    assert main(["reproduce", "teflon", "--sizes", "six", "--out", str(tmp_path)]) == 2
    assert "--sizes" in capsys.readouterr().err
