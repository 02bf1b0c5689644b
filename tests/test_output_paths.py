"""Output paths are checked before any work: one message, exit 2, no file left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import pimnoc.evaluate
from pimnoc.cli.main import main
from pimnoc.dse.store import Store


@pytest.fixture
def config(tmp_path: Path, run_dict) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(run_dict()))
    return path


@pytest.fixture
def no_evaluation(monkeypatch):
    """Fail the test if a design is evaluated (the path check must come first)."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("evaluated before the output path was checked")
    monkeypatch.setattr(pimnoc.evaluate, "evaluate_full", refuse)


def _one_error(capsys, *words: str) -> None:
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    for word in words:
        assert word in err


@pytest.mark.parametrize("command", ["run", "report"])
def test_output_naming_an_existing_folder(tmp_path, config, capsys, no_evaluation, command):
    folder = tmp_path / "out"
    folder.mkdir()
    assert main([command, str(config), "-o", str(folder)]) == 2
    _one_error(capsys, "-o/--output", "is a folder")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "report"])
def test_output_with_a_trailing_slash_is_a_folder_not_a_file(tmp_path, config, capsys,
                                                             no_evaluation, command):
    assert main([command, str(config), "-o", f"{tmp_path / 'newdir'}/"]) == 2
    _one_error(capsys, "is a folder")
    assert not (tmp_path / "newdir").exists()


def test_output_under_a_file_is_unwritable(tmp_path, config, capsys, no_evaluation):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(config), "-o", str(blocker / "result.json")]) == 2
    _one_error(capsys, "-o/--output", "cannot write")


def test_run_plot_naming_a_file(tmp_path, config, capsys, no_evaluation):
    blocker = tmp_path / "figures"
    blocker.write_text("x")
    assert main(["run", str(config), "--plot", str(blocker)]) == 2
    _one_error(capsys, "--plot", "is a file")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "results.db"
    with Store(path):
        pass
    return path


def test_export_into_a_folder_or_an_unwritable_place(tmp_path, store, capsys):
    assert main(["export", str(store), "-o", str(tmp_path)]) == 2
    _one_error(capsys, "is a folder")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["export", str(store), "-o", str(blocker / "points.csv")]) == 2
    _one_error(capsys, "cannot write")
    assert main(["export", str(store), "-o", str(tmp_path / "points.csv")]) == 0


def test_simulate_plot_is_checked_before_simulating(tmp_path, capsys, monkeypatch):
    import pimnoc.cli.simulate as simulate

    monkeypatch.setattr(simulate, "_run", lambda *a, **k: pytest.fail("simulated first"))
    assert main(["simulate", "--rates", "0.01,0.02", "--plot", str(tmp_path)]) == 2
    _one_error(capsys, "--plot", "is a folder")


def test_reproduce_out_is_checked_before_the_experiment(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "out"
    blocker.write_text("x")
    assert main(["reproduce", "teflon", "--out", str(blocker)]) == 2
    _one_error(capsys, "--out", "is a file")


def test_run_trace_into_a_folder_is_refused_before_the_work(tmp_path, capsys):
    from pimnoc.cli.main import main

    config = tmp_path / "run.yaml"
    config.write_text("workload: {networks: [{model: resnet18, input_hw: 32}]}\n"
                      "design: {integration: 2d, pes: {rows: 8, cols: 8}}\n"
                      "simulation: {engine: event}\n")
    target = tmp_path / "new" / "dir"
    assert main(["run", str(config), "--trace", f"{target}/"]) == 2
    assert "--trace" in capsys.readouterr().err and not target.exists()
