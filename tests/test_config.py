"""Config validation: unknown keys with suggestions, YAML errors."""

from __future__ import annotations

import pytest

from pimnoc.config import load_run, parse_run
from pimnoc.errors import ConfigError


def test_valid_run_parses_with_tech_overrides(run_dict):
    spec = parse_run(run_dict())
    assert spec.pe_tech().crossbars == 64
    assert spec.pe_tech().crossbar_rows == 128


def test_unknown_key_suggests_the_nearest(run_dict):
    run = run_dict(mapping={"placment": "snake"})
    with pytest.raises(ConfigError, match=r"mapping\.placment: unknown key \(did you mean "
                                          r"'placement'\?\)"):
        parse_run(run)


def test_unknown_tech_parameter_is_named(run_dict):
    run = run_dict()
    run["design"]["pe"] = {"crossbar_row": 64}
    with pytest.raises(ConfigError, match="design.pe.crossbar_row.*crossbar_rows"):
        parse_run(run)


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("workload:\n  networks: [\n")
    with pytest.raises(ConfigError, match="malformed YAML at line"):
        load_run(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_run(tmp_path / "nope.yaml")


def test_bad_value_names_the_key(run_dict):
    run = run_dict()
    run["design"]["pes"] = {"rows": 0, "cols": 2}
    with pytest.raises(ConfigError, match="design.pes.rows"):
        parse_run(run)
