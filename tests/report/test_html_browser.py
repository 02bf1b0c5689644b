"""The HTML report in a real browser (headless chromium): it renders, logs no console error
and loads nothing from outside the file (its CSP refuses, and logs, any such request)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate_full
from pimnoc.report.html import write_html

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        reason = ("no chromium on PATH (Debian: apt-get install chromium; .ci/run installs "
                  "it)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    spec = parse_run({
        "workload": {"networks": [{"model": "resnet18", "input_hw": 32},
                                  {"model": "resnet34", "input_hw": 32}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
                   "pes": {"rows": 4, "cols": 4}}})
    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_html(evaluate_full(spec), path, "browser test", "workload: {}\n")


def _run(browser: str, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions",
               f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_report_renders_without_console_errors_or_requests(report: Path, tmp_path: Path):
    browser = _browser()
    shot = tmp_path / "shot.png"
    proc = _run(browser, f"--screenshot={shot}", "--window-size=1200,2400",
                report.as_uri(), tmp=tmp_path)
    assert shot.exists(), proc.stderr[-2000:]
    import matplotlib.image as mpimg

    pixels = np.asarray(mpimg.imread(shot))[..., :3]
    ink = (pixels.mean(axis=2) < 0.9).mean()
    assert pixels.std() > 0.05 and ink > 0.02, f"blank screenshot (ink {ink:.3f})"
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    errors = [line for line in console if re.search(r"error|refused|violat", line, re.I)]
    assert not errors, errors
    dom = _run(browser, "--dump-dom", report.as_uri(), tmp=tmp_path)
    assert "Busiest links" in dom.stdout and "pimnoc version" in dom.stdout


def test_the_report_names_no_outside_resource(report: Path):
    text = report.read_text()
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:|//)", text)
    assert "Content-Security-Policy" in text
