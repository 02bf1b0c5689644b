"""`pimnoc compare`: one row per (topology, placement), natural and shared placements, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pimnoc.cli.main import main
from pimnoc.config import parse_run
from pimnoc.experiments.compare import (
    CompareRow,
    compare,
    natural_placement,
    plan,
    relative_to,
    with_changes,
)

REQUIRED = {"topology", "placement", "latency_s", "throughput_ips", "energy_j", "edp_js",
            "links", "wire_length_mm", "router_ports"}


SMALL = {
    "workload": {"networks": [{"model": "resnet18", "input_hw": 32, "num_classes": 10}]},
    "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
               "pes": {"rows": 3, "cols": 3}, "pe": {"crossbars": 64}},
    "mapping": {"placement": "snake"},
}


@pytest.fixture(scope="module")
def spec():
    return parse_run(SMALL)


@pytest.fixture(scope="module")
def rows(spec):
    return compare(spec, ["mesh", "floret"], "both")


def test_both_gives_natural_and_shared_rows_per_topology(rows):
    assert [(r.topology, r.placement, r.placement_kind) for r in rows] == [
        ("mesh", "row_major", "natural"), ("mesh", "hilbert", "same"),
        ("floret", "sfc", "natural"), ("floret", "hilbert", "same")]
    for row in rows:
        data = row.to_dict()
        assert REQUIRED <= set(data)
        assert data["latency_s"] > 0 and data["energy_j"] > 0 and data["throughput_ips"] > 0
        assert data["edp_js"] == pytest.approx(data["energy_j"] * data["latency_s"])
        assert data["network_energy_j"] <= data["energy_j"]
        assert 0 <= data["network_latency_s"] <= data["latency_s"]


def test_the_fabrication_figures_are_the_topologies(rows):
    mesh, floret = rows[0], rows[2]
    assert (mesh.noi_links, floret.noi_links) == (12, 9)  # 3x3 mesh: 12 links; Floret: 9
    assert floret.noi_wire_length_mm < mesh.noi_wire_length_mm
    assert floret.links < mesh.links and floret.router_ports < mesh.router_ports
    assert rows[0].links == rows[1].links  # placement does not change the hardware


def test_natural_and_same_modes(spec):
    natural = plan(spec, ["mesh", "floret", "kite_small"], "natural")
    assert [p[1] for p in natural] == ["row_major", "sfc", "row_major"]
    same = plan(spec, ["mesh", "floret"], "same", same_placement="snake")
    assert {p[1] for p in same} == {"snake"} and {p[2] for p in same} == {"same"}
    merged = plan(spec, ["mesh", "floret"], "both", same_placement="row_major")
    assert ("mesh", "row_major", "natural+same") in merged and len(merged) == 3


def test_natural_placement_follows_the_noi_curve():
    assert natural_placement("floret") == "sfc"
    assert natural_placement("mesh") == "row_major"
    assert natural_placement("hexamesh") == "row_major"


def test_a_new_topology_drops_the_old_builders_parameters(spec):
    floret = with_changes(spec, topology="floret")
    with_curves = parse_run({**floret.model_dump(exclude_none=True),
                             "design": {**floret.model_dump(exclude_none=True)["design"],
                                        "noi": {"topology": "floret", "curves": 3}}})
    mesh = with_changes(with_curves, topology="mesh")
    assert mesh.design.noi.topology == "mesh" and mesh.design.noi.params() == {}
    assert with_changes(with_curves, placement="snake").design.noi.params() == {"curves": 3}


def test_relative_figures_are_computed(rows):
    rel = relative_to(rows, rows[0], ["latency_s", "energy_j", "noi_links"])
    assert rel[0] == {"latency_s": 1.0, "energy_j": 1.0, "noi_links": 1.0}
    assert rel[2]["noi_links"] == pytest.approx(rows[2].noi_links / rows[0].noi_links)
    assert rel[2]["energy_j"] == pytest.approx(rows[2].energy_j / rows[0].energy_j)


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_cli_json_lists_one_object_per_row(tmp_path, run_dict, capsys):
    config = _write(tmp_path, run_dict())
    plot = tmp_path / "cmp.png"
    assert main(["compare", str(config), "-t", "mesh,floret,swap", "--placements", "natural",
                 "--json", "--plot", str(plot)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["topology"] for d in data] == ["mesh", "floret", "swap"]
    assert all(REQUIRED <= set(d) for d in data)
    assert set(data[0]) == set(CompareRow.__dataclass_fields__)
    assert plot.stat().st_size > 10_000


def test_cli_table(tmp_path, run_dict, capsys):
    config = _write(tmp_path, run_dict())
    assert main(["compare", str(config), "-t", "mesh,floret"]) == 0
    out = capsys.readouterr().out
    assert "floret" in out and "sfc" in out and "hilbert" in out


@pytest.mark.parametrize("args, message", [
    (["-t", "mesh,flroet"], "did you mean 'floret'"),
    (["--placements", "nat"], "--placements"),
    (["--same-placement", "spiral"], "--same-placement"),
    (["--engine", "warp"], "--engine"),
])
def test_cli_bad_options_exit_2_with_one_message(tmp_path, run_dict, capsys, args, message):
    config = _write(tmp_path, run_dict())
    assert main(["compare", str(config), *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("load", [1.0, 0.5])
def test_load_runs_every_design_at_one_rate_below_the_slowest(spec, load):
    natural = compare(spec, ["mesh", "kite_small", "floret"], "natural")
    equal = compare(spec, ["mesh", "kite_small", "floret"], "natural", load=load)
    slowest = min(r.throughput_ips for r in natural)
    for before, after in zip(natural, equal, strict=True):
        assert after.throughput_ips == pytest.approx(load * slowest)
        assert after.latency_s <= before.latency_s * (1 + 1e-9)  # less load, no longer wait
        assert after.busiest_link_utilisation <= load + 1e-9


def test_cli_load(tmp_path, run_dict, capsys):
    config = _write(tmp_path, run_dict())
    assert main(["compare", str(config), "-t", "mesh,floret", "--placements", "natural",
                 "--load", "0.8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["throughput_ips"] == pytest.approx(data[1]["throughput_ips"])
    assert main(["compare", str(config), "--load", "1.5"]) == 2
    assert "--load" in capsys.readouterr().err
