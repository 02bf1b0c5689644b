"""Valid designs that once crashed: no flow crosses a link, one chiplet, compare defaults."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from pimnoc.cli.main import main
from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate


def _finite_result(result) -> None:
    data = json.loads(json.dumps(result.to_dict()))
    assert data["latency_s"] > 0 and math.isfinite(data["latency_s"])
    assert all(math.isfinite(v) and v >= 0 for v in result.energy_j.values())


def test_network_on_one_pe_of_a_two_pe_die_evaluates():
    spec = parse_run({"workload": {"networks": [{"model": "gcn"}]},
                      "design": {"integration": "2d", "pes": {"rows": 1, "cols": 2}}})
    result = evaluate(spec)
    _finite_result(result)
    assert result.pes_used == 1
    assert result.energy_j["link"] == 0.0 and result.energy_j["router"] == 0.0


def test_resnet18_on_one_big_pe_evaluates():
    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2d", "pes": {"rows": 2, "cols": 2},
                                 "pe": {"crossbars": 8192}},
                      "mapping": {"replication": 1}})
    _finite_result(evaluate(spec))


@pytest.mark.parametrize("chiplets", [None, {"rows": 1, "cols": 1}])
def test_a_single_chiplet_2p5d_design_evaluates(chiplets):
    design = {"integration": "2.5d", "pes": {"rows": 8, "cols": 8}}
    if chiplets:
        design["chiplets"] = chiplets
    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": design})
    _finite_result(evaluate(spec))


@pytest.mark.parametrize("design, expected", [
    ({"integration": "2d", "pes": {"rows": 6, "cols": 6}}, {"mesh", "torus"}),
    ({"integration": "3d", "tiers": 2, "pes": {"rows": 4, "cols": 4},
      "noc": {"topology": "mesh3d"}}, {"mesh3d", "sfc3d"}),
])
def test_compare_default_topologies_fit_the_integration(tmp_path: Path, capsys, design,
                                                        expected):
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({
        "workload": {"networks": [{"model": "resnet18", "input_hw": 32}]}, "design": design}))
    assert main(["compare", str(config), "--placements", "natural", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["topology"] for row in rows} == expected
