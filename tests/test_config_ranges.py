"""Physical ranges on every technology key: one message naming the key and the range."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.cli.main import main
from pimnoc.config import parse_run
from pimnoc.errors import ConfigError, OutputError
from pimnoc.result import finite_json, write_json_atomic

BAD = [
    ("pe", "crossbars", 0, "greater than or equal to 1"),
    ("pe", "crossbar_rows", 0, "greater than or equal to 1"),
    ("pe", "bits_per_cell", 0, "greater than or equal to 1"),
    ("pe", "weight_bits", 0, "greater than or equal to 1"),
    ("network", "flit_bits", 0, "greater than or equal to 1"),
    ("pe", "adc_energy_pj", -1.0, "greater than or equal to 0"),
    ("pe", "leakage_mw", -0.5, "greater than or equal to 0"),
    ("network", "router_leakage_mw", -1.0, "greater than or equal to 0"),
    ("network", "router_energy_pj_per_bit", -0.1, "greater than or equal to 0"),
    ("pe", "crossbars", 1.5, "valid integer"),
    ("pe", "input_density", 1.5, "less than or equal to 1"),
    ("pe", "adc_rate_gsps", 0.0, "greater than 0"),
    ("network", "freq_ghz", math.inf, "finite number"),
]


@pytest.mark.parametrize(("section", "key", "value", "range_text"), BAD)
def test_out_of_range_value_names_the_key_and_the_range(run_dict, section, key, value,
                                                        range_text):
    run = run_dict()
    run["design"].setdefault(section, {})[key] = value
    with pytest.raises(ConfigError) as info:
        parse_run(run)
    message = str(info.value)
    assert f"design.{section}.{key}" in message
    assert range_text in message
    assert message.count(";") == 0  # one problem, one message


def test_digital_tech_has_ranges_too(run_dict):
    run = run_dict()
    run["design"]["digital"] = {"fraction": 0.2, "macs_per_cycle": 0}
    with pytest.raises(ConfigError, match=r"design\.digital\.macs_per_cycle.*>= 1|"
                                          r"design\.digital\.macs_per_cycle.*equal to 1"):
        parse_run(run)


def test_replication_must_be_positive(run_dict):
    with pytest.raises(ConfigError, match="mapping.replication"):
        parse_run(run_dict(mapping={"replication": 0}))


@pytest.mark.parametrize(("section", "key", "value", "range_text"), BAD[:5])
def test_cli_exits_2_and_writes_nothing(tmp_path, run_dict, capsys, section, key, value,
                                        range_text):
    run = run_dict()
    run["design"].setdefault(section, {})[key] = value
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump(run))
    out = tmp_path / "out.json"
    assert main(["run", str(config), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"design.{section}.{key}" in err and "Traceback" not in err
    assert not out.exists()


def test_result_json_refuses_non_finite_values_naming_the_key(tmp_path):
    with pytest.raises(OutputError, match=r"'energy_j\.total' is not a finite number"):
        write_json_atomic({"energy_j": {"total": math.nan}}, tmp_path / "r.json")
    assert not (tmp_path / "r.json").exists()
    with pytest.raises(OutputError, match=r"'per_layer\.1\.x'"):
        finite_json({"per_layer": [{"x": 1.0}, {"x": -math.inf}]})


@settings(max_examples=50, deadline=None)
@given(st.recursive(st.floats(allow_nan=False, allow_infinity=False) | st.integers(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=10))
def test_finite_data_round_trips(data):
    assert json.loads(finite_json(data)) == data
