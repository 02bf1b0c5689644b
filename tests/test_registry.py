"""Registries: deferred entries are imported at their first use, and only then."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pimnoc.errors import ConfigError
from pimnoc.registry import Registry, deferred


def test_a_deferred_entry_is_named_and_imported_at_its_first_get(tmp_path, monkeypatch):
    (tmp_path / "deferred_probe.py").write_text(
        "import sys\nsys.modules['registry_probe_host'].REG.register('late')(42)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry: Registry[int] = Registry("thing", "things.name")
    host = type(sys)("registry_probe_host")
    host.REG = registry
    monkeypatch.setitem(sys.modules, "registry_probe_host", host)
    registry.register("early")(1)
    registry.defer("late", "deferred_probe")
    assert "late" in registry and registry.names() == ["early", "late"]
    assert "deferred_probe" not in sys.modules
    try:
        assert registry.get("late") == 42 and "deferred_probe" in sys.modules
    finally:
        sys.modules.pop("deferred_probe", None)
    with pytest.raises(ConfigError, match="choose one of: early, late"):
        registry.get("lat")


def test_deferred_calls_the_dotted_name():
    join = deferred("os.path", "join")
    assert join("a", "b") == "a/b" and join.__name__ == "join"
    assert deferred("pathlib", "Path.cwd")() is not None


def test_a_run_imports_no_thermal_model_nor_event_engine():
    code = ("import sys; from pimnoc.config import load_run; from pimnoc.evaluate import evaluate;"
            "evaluate(load_run('examples/die_2d_resnet18.yaml'));"
            "print(sorted(m for m in sys.modules if m.startswith(('pimnoc.analysis.thermal',"
            "'pimnoc.analysis.design_thermal', 'pimnoc.engines.event', 'pimnoc.search.thermal'))))")
    from support import REPO_ROOT

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=300,
                          env={"PYTHONPATH": str(REPO_ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
