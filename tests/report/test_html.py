"""The HTML report carries its design, run file, version, networks and named links."""

from __future__ import annotations

import re

import pytest

from pimnoc import __version__
from pimnoc.cli.main import main
from pimnoc.units import engineering


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("report")
    config = folder / "run.yaml"
    config.write_text(
        "# my run\nworkload:\n  networks:\n    - {model: resnet18, input_hw: 32}\n"
        "    - {model: resnet34, input_hw: 32}\n"
        "design: {integration: 2.5d, chiplets: {rows: 3, cols: 3}, pes: {rows: 4, cols: 4}}\n")
    out = folder / "r.html"
    assert main(["report", str(config), "-o", str(out)]) == 0
    return re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,", out.read_text())


def test_report_has_design_run_file_and_version(page):
    assert "# my run" in page  # the run file itself
    assert "3 x 3 chiplets of 4 x 4 PEs" in page and "NoI mesh" in page
    assert f"pimnoc version</th><td>{__version__}" in page


def test_report_has_one_row_per_network(page):
    networks = page.split("<h2>Networks</h2>")[1].split("<h2>")[0]
    assert "<td>resnet18</td>" in networks and "<td>resnet34</td>" in networks


def test_report_uses_engineering_units_and_named_links(page):
    assert re.search(r"latency per inference</th><td>[\d.]+ [mµn]s<", page)
    assert not re.search(r"<td>0\.000\d", page)  # no raw SI seconds
    links = page.split("<h2>Busiest links</h2>")[1]
    assert re.search(r"chiplet \d+ \(\d+,\d+\)", links)
    assert any(kind in links for kind in ("interposer", "ubump", "onchip"))


@pytest.mark.parametrize("value, unit, text", [
    (0.0004527, "s", "452.7 µs"), (2.5e-3, "J", "2.5 mJ"), (1.5e6, "b", "1.5 Mb"),
    (0.0, "s", "0 s"), (3.0, "s", "3 s"),
])
def test_engineering(value, unit, text):
    assert engineering(value, unit) == text
