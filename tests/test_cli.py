"""The command line: run, zoo, and bad input (exit 2, one message, nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pimnoc.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, data, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def test_run_writes_json_and_plots(tmp_path, run_dict, capsys):
    config = write(tmp_path, run_dict())
    out = tmp_path / "result.json"
    code = main(["run", str(config), "-o", str(out), "--plot", str(tmp_path / "figs")])
    assert code == 0
    data = json.loads(out.read_text())
    for key in ("latency_s", "throughput_ips", "energy_j", "edp_js", "area_mm2", "links",
                "wire_length_mm", "per_layer", "per_link", "wall_s"):
        assert key in data
    assert set(data["energy_j"]) == {"total", "compute", "router", "link", "leakage"}
    assert (tmp_path / "figs" / "floorplan.png").stat().st_size > 10_000
    assert (tmp_path / "figs" / "layers.png").stat().st_size > 10_000
    assert "latency / inference" in capsys.readouterr().out


def test_zoo_json_lists_layers_with_their_shapes(capsys):
    assert main(["zoo", "resnet18", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "resnet18"
    assert data["totals"]["params"] == 11689512
    conv1 = data["layers"][1]
    assert conv1["op"] == "conv" and conv1["kernel"] == [7, 7] and conv1["out_hw"] == [112, 112]
    adds = [layer for layer in data["layers"] if layer["op"] == "add"]
    assert len(adds) == 8 and all(len(a["preds"]) == 2 for a in adds)


BAD_CASES = {
    "malformed": ("workload: [\n", "malformed YAML"),
    "unknown_key": ({"workload": {"networks": [{"model": "resnet18"}]},
                     "design": {"pes": {"rows": 4, "cols": 4}, "integraton": "2d"}},
                    "did you mean 'integration'"),
    "unknown_model": ({"workload": {"networks": [{"model": "resnet51"}]},
                       "design": {"integration": "2d", "pes": {"rows": 8, "cols": 8}}},
                      "resnet50"),
    "too_small": ({"workload": {"networks": [{"model": "vgg16"}]},
                   "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4}}},
                  "needs .* crossbars"),
    "disconnected": ({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2.5d", "chiplets": {"rows": 2, "cols": 2},
                                 "pes": {"rows": 4, "cols": 4},
                                 "noi": {"topology": "custom", "edges": [[0, 1], [2, 3]]}}},
                     "disconnected"),
    "bad_placement": ({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                       "design": {"integration": "2d", "pes": {"rows": 8, "cols": 8}},
                       "mapping": {"placement": "hilbrt"}}, "did you mean 'hilbert'"),
    "unknown_preset": ({"workload": {"networks": [{"model": "resnet20"}]},
                        "design": {"integration": "2d", "pes": {"rows": 8, "cols": 8},
                                   "preset": "neurosim"}},
                       "design.preset: .*unknown preset 'neurosim'; allowed values: isaac, "
                       "mnsim"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_exits_2_without_traceback_or_output(tmp_path, case):
    data, message = BAD_CASES[case]
    config = write(tmp_path, data)
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "pimnoc.cli.main", "run", str(config), "-o",
                           str(out), "--plot", str(tmp_path / "figs")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    import re

    assert re.search(message, proc.stderr.replace("\n", " ")), proc.stderr
    assert not out.exists() and not (tmp_path / "figs").exists()
    assert list(tmp_path.iterdir()) == [config]


def test_unreadable_onnx_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx file")
    config = write(tmp_path, {"workload": {"networks": [{"model": "model.onnx"}]},
                              "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4}}})
    proc = subprocess.run([sys.executable, "-m", "pimnoc.cli.main", "run", str(config)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "model.onnx" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.yaml")))
def test_bundled_examples_parse(example):
    from pimnoc.config import load_run

    load_run(ROOT / "examples" / example)


def test_report_writes_a_self_contained_html(tmp_path, run_dict):
    config = write(tmp_path, run_dict())
    out = tmp_path / "report.html"
    assert main(["report", str(config), "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("<!doctype html>") and text.count("data:image/png;base64,") >= 2
    assert "latency per inference" in text and "Busiest links" in text


def test_error_text_in_brackets_survives(tmp_path, capsys):
    config = write(tmp_path, {"workload": {"networks": [{"model": "resnet18"}]},
                              "design": {"integration": "2d", "pes": {"rows": 4, "cols": 4},
                                         "noc": {"topology": "[mesh]"}}})
    assert main(["run", str(config)]) == 2
    assert "[mesh]" in capsys.readouterr().err


def test_usage_errors_exit_2():
    proc = subprocess.run([sys.executable, "-m", "pimnoc.cli.main", "run", "--bogus"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "No such option" in proc.stderr


def test_only_declared_dependencies_are_imported():
    """click is typer's vendored copy, not a dependency: importing it breaks fresh installs."""
    import ast
    import re
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ]", d)[0].lower().replace("-", "_")
             for group in [declared["dependencies"], *declared["optional-dependencies"].values()]
             for d in group}
    aliases = {"yaml": "pyyaml", "sklearn": "scikit_learn", "distributed": "dask"}
    stdlib = set(sys.stdlib_module_names)
    for path in (ROOT / "src").rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for alias in node.names]
        modules += [node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module]
        for module in {m.split(".")[0] for m in modules}:
            if module in stdlib or module in ("pimnoc", "__future__"):
                continue
            assert aliases.get(module, module).lower() in names, f"{path.name} imports {module}"


def test_unwritable_output_is_a_clear_error_before_any_work(tmp_path, run_dict):
    config = write(tmp_path, run_dict())
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for flags in (["-o", str(blocker / "r.json")], ["--plot", str(blocker / "figs")]):
        proc = subprocess.run([sys.executable, "-m", "pimnoc.cli.main", "run", str(config), *flags],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "cannot write" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "run.yaml"]


def test_zoo_prints_a_cifar_model_at_its_own_input_size(capsys):
    assert main(["zoo", "resnet20"]) == 0
    out = capsys.readouterr().out
    assert "32x32" in out and "224x224" not in out


def test_run_summary_shows_a_chiplet_io_bound_only_on_chiplet_designs(capsys):
    assert main(["run", str(ROOT / "examples" / "die_2d_resnet18.yaml")]) == 0
    assert "chiplet_io bound" not in capsys.readouterr().out
    assert main(["run", str(ROOT / "examples" / "chiplets_2p5d_resnet50.yaml")]) == 0
    assert "chiplet_io bound" in capsys.readouterr().out
