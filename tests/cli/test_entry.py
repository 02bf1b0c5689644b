"""The console script's quick answers (cli/entry.py) are typer's answers, from a current index."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.cli import entry
from pimnoc.cli.build_index import index_source
from pimnoc.cli.main import build_app
from pimnoc.cli.main import main as typer_main

INDEX = entry._load_index()


def test_index_is_current():
    """Regenerate with `python -m pimnoc.cli.build_index` after changing a command."""
    assert INDEX is not None, "cli/fast_index.py is older than the cli modules"
    assert entry.INDEX_PATH.read_text(encoding="utf-8") == index_source()


def test_every_command_is_indexed():
    root = typer.main.get_command(build_app())
    assert sorted(INDEX[""]["subcommands"]) == sorted(root.commands)
    assert INDEX["reproduce"]["subcommands"] == sorted(root.commands["reproduce"].commands)


def run_typer(argv: list[str]) -> tuple[int, str, str]:
    """What the typer app prints for `argv` (80 columns, no colours)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = typer_main(argv, prog_name="pimnoc")
    return code, out.getvalue(), err.getvalue()


def quick(argv: list[str]) -> tuple[int, str, str] | None:
    """What the entry answers without typer, or None when it hands over."""
    answer = entry.fast_path(argv, INDEX)
    if answer is None:
        return None
    code, helped, error = answer
    return code, helped["help"] if helped else "", error


@pytest.mark.parametrize("path", sorted(INDEX or {}))
def test_help_screens_are_typers(path):
    argv = [*path.split(), "--help"]
    assert quick(argv) == run_typer(argv)


@pytest.mark.parametrize("argv", [
    ["run", "--no-such-flag", "x.yaml"],
    ["run", "x.yaml", "--outptu", "r.json"],  # close to --output: click's suggestion
    ["run", "-q", "x.yaml"],
    ["run", "-o", "--weird-name", "--bogus"],  # -o takes the next word as its value
    ["--bogus"],
    ["reproduce", "--nope"],
    ["reproduce", "teflon", "--quick-ish"],
    ["sweep", "space.yaml", "--store=s.db", "--bogus=1"],
    ["zoo", "-5"],
])
def test_unknown_options_are_refused_as_typer_refuses_them(argv):
    answer = quick(argv)
    assert answer is not None and answer[0] == 2
    assert answer == run_typer(argv)


@pytest.mark.parametrize("argv", [
    [], ["run", "x.yaml"], ["run", "x.yaml", "-o", "r.json"], ["run", "--", "--odd.yaml"],
    ["run", "-oresult.json", "x.yaml"], ["no-such-command"], ["run", "x.yaml", "--help=1"],
])
def test_anything_else_goes_to_typer(argv):
    assert quick(argv) is None


OPTION_WORDS = sorted({name for cmd in (INDEX or {}).values() for name in cmd["options"]})


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["run", "sweep", "zoo", "compare", "simulate", "pareto"]),
       st.lists(st.one_of(st.sampled_from(OPTION_WORDS),
                          st.sampled_from(["x.yaml", "--", "-", "-x", "--zz", "--output=a"]),
                          st.from_regex(r"--?[a-z][a-z-]{0,8}", fullmatch=True)), max_size=5))
def test_quick_answers_agree_with_typer(command, words):
    """Whenever the entry answers by itself, typer prints the same and exits the same."""
    argv = [command, *words]
    answer = quick(argv)
    if answer is not None:
        assert answer == run_typer(argv)


def test_console_script_answers_help_without_importing_typer(tmp_path):
    script = tmp_path / "pimnoc"
    script.write_text("import sys\nfrom pimnoc.cli.entry import entry\nentry()\n")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import runpy, sys\nsys.argv = [sys.argv[1], 'run', '--bogus']\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "print(code, 'typer' in sys.modules, 'numpy' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(entry.__file__).parents[2])}
    done = subprocess.run([sys.executable, str(probe), str(script)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.stdout.split() == ["2", "False", "False"]
    assert "No such option: --bogus" in done.stderr


def test_stale_index_hands_over(monkeypatch):
    monkeypatch.setattr(entry, "source_digest", lambda: -1)
    assert entry._load_index() is None


RUN_PLAIN = (INDEX or {}).get("run", {}).get("plain")


def test_run_is_read_without_click():
    assert RUN_PLAIN is not None and RUN_PLAIN["arguments"] == ["config"]


def arguments_given(argv: list[str], monkeypatch, direct: bool) -> dict | None:
    """The arguments `run_design` receives for `argv`, from the entry or from typer."""
    import pimnoc.cli.run_design as run_design

    seen: dict = {}
    monkeypatch.setattr(run_design, "run_design",
                        lambda *args: seen.update(zip(("config", "output", "plot", "as_json",
                                                       "trace"), args, strict=True)))
    if direct:
        values = entry.plain_values(argv[1:], RUN_PLAIN)
        if values is None:
            return None
        assert entry.call_command(run_design.run_from_args, values) == 0
    else:
        assert run_typer(argv)[0] == 0
    return {name: (type(value), value) for name, value in seen.items()}


@pytest.mark.parametrize("argv", [
    ["run", "x.yaml"], ["run", "x.yaml", "-o", "r.json"], ["run", "--output=r.json", "x.yaml"],
    ["run", "x y.yaml", "--json", "--plot", "figs", "--trace", "t.json", "--output", "a b"],
    ["run", "--plot=figs", "x.yaml", "--trace=t.json", "-o", "r.json"],
])
def test_plain_run_gets_typers_arguments(argv, monkeypatch):
    assert arguments_given(argv, monkeypatch, direct=True) == \
        arguments_given(argv, monkeypatch, direct=False)


@pytest.mark.parametrize("args", [
    [], ["x.yaml", "y.yaml"], ["--", "x.yaml"], ["-"], ["x.yaml", "-o"], ["-oresult.json", "x"],
    ["x.yaml", "--json=1"], ["x.yaml", "-o", "a", "--output", "b"], ["x.yaml", "-o", "-x"],
    ["x.yaml", "--output="], [""], ["x.yaml", "--json", "--json"], ["x.yaml", "--bogus"],
])
def test_unusual_run_lines_go_to_typer(args):
    assert entry.plain_values(args, RUN_PLAIN) is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(sorted(RUN_PLAIN["options"]) if RUN_PLAIN else []),
                          st.sampled_from(["x.yaml", "r.json", "--", "-", "", "--output=a",
                                           "--json=1", "-ox"])), max_size=6))
def test_whenever_the_entry_reads_run_typer_reads_the_same(words):
    values = entry.plain_values(words, RUN_PLAIN)
    if values is None:
        return
    with pytest.MonkeyPatch.context() as monkeypatch:
        argv = ["run", *words]
        assert arguments_given(argv, monkeypatch, direct=True) == \
            arguments_given(argv, monkeypatch, direct=False)


@pytest.fixture
def direct_run_in_this_process(monkeypatch):
    """The direct run's process-wide settings, kept to the test: variables, frozen objects."""
    for name in ("PYDANTIC_DISABLE_PLUGINS", "OPENBLAS_THREAD_TIMEOUT"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setattr(entry.gc, "freeze", lambda: None)


@pytest.mark.usefixtures("direct_run_in_this_process")
@pytest.mark.parametrize("argv", [["run", "no-such-file.yaml"],
                                  ["run", "examples/die_2d_resnet18.yaml", "--trace", "t.json"]])
def test_direct_run_reports_errors_as_typer_does(argv, capsys, monkeypatch):
    monkeypatch.chdir(Path(entry.__file__).parents[3])
    code = entry.main(argv, prog="pimnoc")
    direct = (code, *capsys.readouterr())
    assert code == 2 and "error:" in direct[2]
    assert direct == run_typer(argv)


@pytest.mark.usefixtures("direct_run_in_this_process")
def test_direct_run_is_interrupted_as_typer_is(monkeypatch, capsys):
    import pimnoc.cli.run_design as run_design

    def stop(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_design, "run_design", stop)
    assert entry.main(["run", "x.yaml"], prog="pimnoc") == 130
    direct = capsys.readouterr()
    assert (130, direct.out, direct.err) == run_typer(["run", "x.yaml"])


def test_console_script_runs_without_typer(tmp_path):
    script = tmp_path / "pimnoc"
    script.write_text("import sys\nfrom pimnoc.cli.entry import entry\nentry()\n")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import runpy, sys\nsys.argv = [sys.argv[1], 'run', 'examples/die_2d_resnet18.yaml', "
        f"'-o', {str(tmp_path / 'r.json')!r}]\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "print(code, 'typer' in sys.modules, 'pimnoc.cli.main' in sys.modules,"
        " 'rich' in sys.modules)\n")
    root = Path(entry.__file__).parents[3]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    done = subprocess.run([sys.executable, str(probe), str(script)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=root)
    assert done.stdout.split()[-4:] == ["0", "False", "False", "False"]  # a pipe: no rich
    assert "pimnoc result" in done.stdout and (tmp_path / "r.json").exists()
