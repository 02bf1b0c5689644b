"""The Floret reproduction: cases, relative figures computed from the rows, tables, CLI."""

from __future__ import annotations

import json

import pytest

from pimnoc.cli.main import main
from pimnoc.cli.reproduce import floret_tables, reproduce_app
from pimnoc.experiments import floret as exp

TINY = {"sizes": (6,), "mixes": ("dense",), "baselines": ("mesh", "kite_small", "swap"),
        "placements": "both", "engine": "analytical", "interfaces": ("ucie_advanced",)}


@pytest.fixture(scope="module")
def report():
    return exp.reproduce_floret(**TINY)


def test_cases_skip_mixes_that_do_not_fit():
    cases, skipped = exp.cases_for((6, 8), ("resnets", "all_six"))
    assert [(c.chiplets, c.mix) for c in cases] == [(36, "resnets"), (64, "resnets"),
                                                     (64, "all_six")]
    assert skipped[0]["chiplets"] == 36 and skipped[0]["mix"] == "all_six"
    assert "688 PEs" in skipped[0]["reason"]


def test_rows_cover_every_topology_with_both_placements(report):
    kinds = {(r["topology"], r["placement_kind"]) for r in report.rows}
    for name in ("floret", *TINY["baselines"]):
        assert (name, "natural") in kinds and (name, "same") in kinds
    floret = next(r for r in report.rows if r["topology"] == "floret"
                  and r["placement_kind"] == "natural")
    assert floret["placement"] == "sfc" and floret["chiplets"] == 36


def test_relative_figures_are_computed_from_the_rows(report):
    def row(topology, kind):
        return next(r for r in report.rows if r["topology"] == topology
                    and r["placement_kind"] == kind)

    natural = [e for e in report.relative if e["placements"] == "natural"]
    assert [e["baseline"] for e in natural] == list(TINY["baselines"])
    for e in report.relative:
        target, base = row("floret", e["placements"]), row(e["baseline"], e["placements"])
        for metric in exp.METRICS:
            assert e[metric] == pytest.approx(target[metric] / base[metric] - 1.0)
    best = report.summary["natural"]["per_baseline"]["mesh"]["energy_j"]["best"]
    assert best == pytest.approx(min(e["energy_j"] for e in natural if e["baseline"] == "mesh"))


def test_relative_figures_follow_the_numbers_they_are_given():
    rows = [{"chiplets": 36, "mix": "m", "topology": t, "placement": p, "placement_kind": "natural",
             "noi_links": links, "noi_wire_length_mm": 1.0,
             **{m: value for m in exp.METRICS}}
            for t, p, value, links in (("floret", "sfc", 2.0, 36), ("mesh", "row_major", 4.0, 60))]
    (entry,) = exp.relative_figures(rows, "natural", ("mesh",))
    assert entry["latency_s"] == pytest.approx(-0.5)
    assert entry["noi_links"] == (36, 60)
    rows[1]["energy_j"] = 1.0
    (entry,) = exp.relative_figures(rows, "natural", ("mesh",))
    assert entry["energy_j"] == pytest.approx(1.0)


def test_tables_have_a_row_per_case_plus_summary_and_a_column_per_baseline(report):
    tables = floret_tables(report)
    assert len(tables) == 5  # (natural, same) x (end to end, network) + fabrication
    for table in tables[:4]:
        assert len(table.columns) == 2 + len(TINY["baselines"])
        assert table.row_count == 1 + 2  # one case, then "up to" and "mean"
    fabrication = tables[4]
    assert fabrication.row_count == 1 + len(TINY["baselines"])


def test_fabrication_floret_has_fewer_links_and_less_wire_than_mesh(report):
    fab = {r["topology"]: r for r in report.summary["fabrication"]}
    # 6x6: the public file's 40 links (36 along the curves, 4 closing petals) vs 60.
    assert fab["floret"]["noi_links"] == 40 and fab["mesh"]["noi_links"] == 60
    assert fab["floret"]["noi_wire_length_mm"] < fab["mesh"]["noi_wire_length_mm"]


def test_reproduce_is_a_sub_app_others_can_extend():
    names = {c.name for c in reproduce_app.registered_commands}
    assert {"floret", "scaling"} <= names


def test_cli_quick_writes_json_and_figures(tmp_path, capsys):
    out = tmp_path / "floret"
    assert main(["reproduce", "floret", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "vs mesh" in text and "up to" in text
    data = json.loads((out / "floret.json").read_text())
    quick = exp.QUICK["baselines"]
    assert {e["baseline"] for e in data["relative"]} == set(quick)
    # one case, natural placements, under each interface preset
    assert len(data["relative"]) == len(quick) * len(exp.INTERFACES)
    assert {r["interface"] for r in data["table"]} == set(exp.INTERFACES)
    assert all(r["engine"] == "event" and "layer granularity" in r["workload"]
               for r in data["table"])
    assert "event engine under the workload" in text
    assert (out / "floret_natural.png").stat().st_size > 10_000
    assert (out / "floret_fabrication.png").stat().st_size > 10_000


def test_cli_rejects_unknown_mix(tmp_path, capsys):
    assert main(["reproduce", "floret", "--mixes", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown mix" in capsys.readouterr().err


def test_paper_table_puts_the_noi_quantities_beside_the_system_ones(report):
    table = [r for r in report.table if r["placements"] == "natural"]
    assert [r["baseline"] for r in table] == list(TINY["baselines"])
    rows = {(r["topology"], r["placement_kind"]): r for r in report.rows}
    floret = rows[("floret", "natural")]
    for entry in table:
        base = rows[(entry["baseline"], "natural")]
        assert entry["scope"] == "noi"
        for key in ("net_energy_j", "net_zero_load_latency_s", "energy_j", "latency_s"):
            assert entry[key]["change"] == pytest.approx(floret[key] / base[key] - 1)
        assert entry["net_energy_j"]["published"] == -0.64
        # The NoI is a part of the network: its energy is below the network's.
        assert 0 < base["net_energy_j"] < base["network_energy_j"]
    data = report.to_dict()
    assert data["published"]["net_energy_j"]["sentence"].startswith("Floret")
    summary = data["table_summary"]["natural, ucie_advanced"]
    assert summary["per_baseline"]["mesh"]["net_energy_j"]["cases"] == 1


def test_interface_with_more_energy_per_bit_costs_more_noi_energy():
    # GRS (0.54 pJ/b) against UCIe advanced (0.25 pJ/b): the same traffic crosses the same
    # micro-bumps, so the NoI energy of every design rises.
    report = exp.reproduce_floret(sizes=(6,), mixes=("dense",), baselines=("mesh",),
                                  placements="natural", engine="analytical",
                                  interfaces=("ucie_advanced", "grs"))
    rows = {(r["topology"], r["interface"]): r for r in report.rows}
    for topology in ("floret", "mesh"):
        assert rows[(topology, "grs")]["net_energy_j"] > rows[(topology, "ucie_advanced")][
            "net_energy_j"]
    assert {r["interface"] for r in report.table} == {"ucie_advanced", "grs"}
