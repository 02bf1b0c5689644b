"""Result files stay bounded; absurd designs warn; long runs report progress by stage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pimnoc.analysis.sanity import MAX_SILICON_MM2
from pimnoc.cli.main import main
from pimnoc.config import parse_run
from pimnoc.errors import OutputError
from pimnoc.evaluate import evaluate, evaluate_full
from pimnoc.result import MAX_INLINE_LINKS, Rows, read_detail, write_result


def _spec(chiplets: int, pes: int = 6, power_gating: bool = True):
    return parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2.5d",
                                 "chiplets": {"rows": chiplets, "cols": chiplets},
                                 "pes": {"rows": pes, "cols": pes},
                                 "power_gating": power_gating}})


def test_a_big_design_puts_its_detail_in_parquet_side_files(tmp_path):
    result = evaluate(_spec(12))
    data = result.to_dict()
    assert len(data["per_link"]) > MAX_INLINE_LINKS
    for columns in (False, True):  # from rows (lists of dicts) and from columns (Rows)
        out = tmp_path / f"columns_{columns}"
        json_path, *sides = write_result(result.to_dict(columns=columns), out / "r.json")
        assert [p.name for p in sides] == ["r.links.parquet", "r.layers.parquet"]
        summary = json.loads(json_path.read_text())
        assert summary["per_link"] == [] and summary["per_layer"] == []
        assert summary["detail"]["per_link"] == {"file": "r.links.parquet", "format": "parquet",
                                                 "rows": len(data["per_link"])}
        assert summary["latency_s"] == data["latency_s"]
        detail = read_detail(json_path)  # round trip: the same rows, value for value
        assert detail["per_link"] == data["per_link"]
        assert detail["per_layer"] == data["per_layer"]
        assert json_path.stat().st_size < 10_000


def test_a_non_finite_detail_value_writes_no_file(tmp_path):
    data = evaluate(_spec(12)).to_dict()
    data["per_link"][7]["utilisation"] = float("nan")
    with pytest.raises(OutputError, match="per_link.utilisation"):
        write_result(data, tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []


def test_rows_read_as_the_list_of_dicts_they_stand_for():
    rows = Rows({"a": np.array([1, 2, 3]), "b": ["x", "y", "z"], "c": np.array([0.5, 1.5, 2.5])})
    listed = [{"a": 1, "b": "x", "c": 0.5}, {"a": 2, "b": "y", "c": 1.5},
              {"a": 3, "b": "z", "c": 2.5}]
    assert rows == listed and list(rows) == listed and len(rows) == 3
    assert rows[-1] == listed[-1] and rows[1:] == listed[1:]
    assert type(rows[0]["a"]) is int and type(rows[0]["c"]) is float
    assert Rows({}) == [] and not Rows({})
    with pytest.raises(IndexError):
        rows[3]


def test_a_small_design_keeps_one_file(tmp_path):
    data = evaluate(_spec(2)).to_dict()
    assert write_result(data, tmp_path / "r.json") == [tmp_path / "r.json"]
    assert json.loads((tmp_path / "r.json").read_text())["per_link"] == data["per_link"]


def test_silicon_beyond_a_stitched_package_warns(tmp_path, capsys):
    spec = _spec(40, 8, power_gating=False)  # 1,600 chiplets of 64 PEs, idle ones leaking
    result = evaluate(spec)
    assert result.area_mm2 > MAX_SILICON_MM2
    assert any("reticle" in w for w in result.extra["warnings"])
    assert any("leakage" in w for w in result.extra["warnings"])


def test_a_sensible_design_has_no_warning():
    assert "warnings" not in evaluate(_spec(3)).extra


def test_the_cli_prints_each_warning_once(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text("workload: {networks: [{model: resnet18, input_hw: 32}]}\n"
                      "design: {integration: 2.5d, chiplets: {rows: 40, cols: 40}, "
                      "pes: {rows: 8, cols: 8}, power_gating: false}\n")
    assert main(["run", str(config)]) == 0
    err = capsys.readouterr().err
    assert err.count("warning:") == 2 and err.count("silicon area") == 1


def test_evaluation_reports_its_stages():
    stages: list[str] = []
    evaluate_full(_spec(2), progress=stages.append)
    assert stages[0].startswith("building the topology") and len(stages) >= 6
    assert any(s.startswith("network engine") for s in stages)
