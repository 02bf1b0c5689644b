"""`pimnoc sweep / pareto / export`: results, and bad input -> exit 2 with one message."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import yaml

from pimnoc.cli.main import main


def _write(tmp_path, data, name="space.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _run(args):
    return subprocess.run([sys.executable, "-m", "pimnoc.cli.main", *args], capture_output=True,
                          text=True, timeout=300)


def test_sweep_pareto_export(tmp_path, space_dict):
    space = _write(tmp_path, space_dict())
    store = tmp_path / "results.db"
    done = _run(["sweep", str(space), "--store", str(store), "--workers", "1"])
    assert done.returncode == 0, done.stderr
    assert "36 points, 36 evaluated" in done.stdout
    front = _run(["pareto", str(store), "--objectives", "latency_s,energy_j", "--json",
                  "--plot", str(tmp_path / "front.png")])
    assert front.returncode == 0, front.stderr
    points = json.loads(front.stdout)
    assert points and all(set(p["objectives"]) == {"latency_s", "energy_j"} for p in points)
    assert (tmp_path / "front.png").stat().st_size > 0
    three = _run(["pareto", str(store), "--objectives", "latency_s,energy_j,area_mm2",
                  "--plot", str(tmp_path / "parallel.png")])
    assert three.returncode == 0 and (tmp_path / "parallel.png").exists()
    assert main(["export", str(store), "-o", str(tmp_path / "points.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "points.csv").open()))
    assert len(rows) == 36
    assert {r["status"] == "ok" for r in rows} == {True, False}
    assert "param.design.pe.crossbars" in rows[0] and "energy_j.total" in rows[0]


@pytest.mark.parametrize("space_update, message", [
    ({"space": {"design.chiplet.rows": [2, 3]}}, "did you mean 'chiplets'"),
    ({"space": {"design.pe.crossbars": {"min": 96, "max": 32, "step": 32}}},
     "greater than max"),
    ({"search": {"strategy": "grid3"}}, "did you mean 'grid'"),
    ({"constraints": ["__import__('os') == 1"]}, "only numbers"),
])
def test_bad_space_exits_2_with_one_message(tmp_path, space_dict, capsys, space_update,
                                            message):
    space = _write(tmp_path, space_dict(**space_update))
    store = tmp_path / "results.db"
    code = main(["sweep", str(space), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.strip().startswith("error:") and err.count("error:") == 1
    assert not store.exists()  # nothing half-written


def test_bad_executor_and_store(tmp_path, space_dict, capsys):
    space = _write(tmp_path, space_dict())
    store = tmp_path / "results.db"
    assert main(["sweep", str(space), "--store", str(store), "--executor", "daks://x:1"]) == 2
    assert "did you mean 'dask'" in capsys.readouterr().err
    try:
        import ray  # noqa: F401
    except ImportError:
        assert main(["sweep", str(space), "--store", str(store),
                     "--executor", "ray://127.0.0.1:10001"]) == 2
        assert "ray extra (pip install 'ray>=2.9')" in capsys.readouterr().err
    assert not store.exists()
    assert main(["pareto", str(tmp_path / "missing.db")]) == 2
    assert "no such result store" in capsys.readouterr().err
    bad = tmp_path / "bad.db"
    bad.write_text("x" * 4096)
    assert main(["pareto", str(bad)]) == 2
    assert main(["pareto", str(bad), "--objectives", "latncy_s"]) == 2
    assert "did you mean 'latency_s'" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path, space_dict):
    import signal
    import sqlite3
    import time

    data = space_dict()
    # enough points that evaluation outlasts the driver's first write (STORE_EVERY_S) by
    # seconds even where caches make points cheap
    data["space"]["mapping.seed"] = list(range(40))
    space = _write(tmp_path, data)
    store = tmp_path / "results.db"
    args = [sys.executable, "-m", "pimnoc.cli.main", "sweep", str(space), "--store", str(store),
            "--workers", "2"]
    # a shell's background job inherits SIGINT ignored; Ctrl-C at a terminal is not ignored
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(store, timeout=5) as db:
                if db.execute("SELECT COUNT(*) FROM points").fetchone()[0] >= 3:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "continue with --resume" in err and "Traceback" not in err
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT status FROM sweeps").fetchone()[0] == "interrupted"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    resumed = _run(["sweep", str(space), "--store", str(store), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT config_hash) FROM points"
                          ).fetchone() == (1440, 1440)
