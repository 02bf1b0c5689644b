"""Keys that would silently do nothing are errors; duplicate YAML keys name their line."""

from __future__ import annotations

import pytest

from pimnoc.config import load_run, parse_run
from pimnoc.errors import ConfigError
from pimnoc.experiments.compare import with_changes

NETWORKS = {"networks": [{"model": "resnet18", "input_hw": 32}]}


@pytest.mark.parametrize("design, key", [
    ({"integration": "2d", "pes": {"rows": 4, "cols": 4}, "chiplets": {"rows": 2, "cols": 2}},
     "design.chiplets"),
    ({"integration": "2d", "pes": {"rows": 4, "cols": 4}, "tiers": 2}, "design.tiers"),
    ({"integration": "2d", "pes": {"rows": 4, "cols": 4}, "noi": {"topology": "floret"}},
     "design.noi"),
    ({"integration": "2.5d", "pes": {"rows": 4, "cols": 4}, "tiers": 3}, "design.tiers"),
    ({"integration": "2.5d", "pes": {"rows": 4, "cols": 4}, "vertical": "miv"},
     "design.vertical"),
    ({"integration": "3d", "tiers": 2, "pes": {"rows": 4, "cols": 4},
      "noc": {"topology": "mesh3d"}, "chiplets": {"rows": 2, "cols": 1}}, "design.chiplets"),
])
def test_a_key_the_integration_ignores_is_an_error(design, key):
    with pytest.raises(ConfigError) as info:
        parse_run({"workload": NETWORKS, "design": design})
    message = str(info.value)
    assert f"{key}: has no effect with integration {design['integration']}" in message
    assert "remove it" in message


def test_a_spec_written_out_in_full_still_parses():
    spec = parse_run({"workload": NETWORKS,
                      "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4}}})
    again = parse_run(spec.model_dump(exclude_none=True))
    assert again == spec
    assert with_changes(spec, topology="torus").design.noc.topology == "torus"


@pytest.mark.parametrize("key, value", [("num_classes", 10), ("seq_len", 64)])
def test_zoo_only_keys_on_an_onnx_model_are_errors(key, value):
    with pytest.raises(ConfigError, match=rf"workload.networks\[0\].{key}: has no effect on an "
                                          "ONNX model"):
        parse_run({"workload": {"networks": [{"model": "net.onnx", key: value}]},
                   "design": {"pes": {"rows": 2, "cols": 2}}})


def test_duplicate_yaml_key_names_both_lines(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("workload:\n  networks: [{model: resnet18}]\n"
                    "design: {integration: 2d, pes: {rows: 4, cols: 4}}\n"
                    "simulation: {engine: event}\n"
                    "simulation: {engine: analytical}\n")
    with pytest.raises(ConfigError, match=r"duplicate key 'simulation' at line 5 \(first at "
                                          r"line 4\)"):
        load_run(path)


def test_duplicate_nested_key(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("workload:\n  networks: [{model: resnet18}]\n"
                    "design:\n  integration: 2d\n  pes: {rows: 4, cols: 4, rows: 2}\n")
    with pytest.raises(ConfigError, match="duplicate key 'rows' at line 5"):
        load_run(path)
