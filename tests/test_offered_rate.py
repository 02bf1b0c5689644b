"""simulation.rate_ips: a design run at an offered inference rate below (or above) its maximum."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate


def _at(run: dict, rate: float | None):
    return parse_run({**run, "simulation": {"rate_ips": rate} if rate else {}})


def test_a_lower_rate_sets_the_interval_and_shortens_nothing_but_waits(run_dict):
    run = run_dict()
    fastest = evaluate(_at(run, None))
    rate = fastest.throughput_ips / 2
    slower = evaluate(_at(run, rate))
    assert slower.throughput_ips == pytest.approx(rate)
    assert slower.bottleneck == "rate"
    assert slower.extra["rate"]["met"] is True
    assert slower.extra["rate"]["max_ips"] == pytest.approx(fastest.throughput_ips)
    assert slower.latency_s <= fastest.latency_s
    # idle time between inferences leaks: twice the interval, twice the leakage
    assert slower.energy_j["leakage"] == pytest.approx(2 * fastest.energy_j["leakage"])
    assert slower.energy_j["compute"] == pytest.approx(fastest.energy_j["compute"])
    max_util = max(link["utilisation"] for link in slower.per_link)
    assert max_util <= 0.5 + 1e-9


def test_a_rate_beyond_the_design_is_reported_not_met(run_dict):
    run = run_dict()
    fastest = evaluate(_at(run, None))
    over = evaluate(_at(run, fastest.throughput_ips * 3))
    assert over.extra["rate"]["met"] is False
    assert over.throughput_ips == pytest.approx(fastest.throughput_ips)
    assert over.bottleneck == fastest.bottleneck


def test_rate_must_be_positive(run_dict):
    with pytest.raises(ConfigError, match="rate_ips"):
        parse_run({**run_dict(), "simulation": {"rate_ips": 0}})


def test_cli_says_when_the_offered_rate_is_not_met(tmp_path, run_dict):
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({**run_dict(), "simulation": {"rate_ips": 1e12}}))
    proc = subprocess.run([sys.executable, "-m", "pimnoc.cli.main", "run", str(config)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "NOT met" in proc.stdout
