"""What the CLI prints: units named, the zoo's layers, tables that keep every column."""

from __future__ import annotations

import json

from pimnoc.cli.main import main


def test_zoo_name_prints_the_layers(capsys):
    assert main(["zoo", "resnet18", "--input-hw", "32"]) == 0
    out = capsys.readouterr().out
    for word in ("layer1.0.conv1", "kernel", "stride", "preds", "3x3", "fc"):
        assert word in out
    assert "21 weighted layers" in out or "weighted layers" in out


def test_simulate_names_its_units(capsys):
    assert main(["simulate", "--k", "4", "--rate", "0.02", "--max-samples", "4"]) == 0
    out = capsys.readouterr().out
    assert "packets per node per cycle" in out and "flits per node per cycle" in out
    assert "pkt/node/cyc" in out and "flit/node/cyc" in out


def test_zoo_json_is_unchanged_by_the_table(capsys):
    assert main(["zoo", "gcn", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "gcn"


def test_the_summary_shows_the_flit_engines_figures(run_dict):
    import io
    from dataclasses import replace

    from rich.console import Console

    from pimnoc.cli.run import summary_table
    from pimnoc.config import parse_run
    from pimnoc.evaluate import evaluate

    result = evaluate(parse_run(run_dict()))
    cycle = {"packet_latency_mean": 23.4, "packet_latency_p99": 61.0,
             "network_latency_mean": 20.1, "accepted_flit_rate": 0.0123, "hops_mean": 3.2,
             "packets_measured": 1200, "cycles": 40000, "wall_s": 0.8, "interval_s": 2e-6,
             "interval_steps": 1, "saturated": False}
    buffer = io.StringIO()
    Console(file=buffer, width=160).print(
        summary_table(replace(result, extra={**result.extra, "cycle": cycle})))
    text = buffer.getvalue()
    assert "23.4 cycles mean" in text and "0.0123 flits/node/cycle" in text
    assert "1,200 packets in 40,000 cycles" in text
    buffer = io.StringIO()
    Console(file=buffer, width=160).print(summary_table(result))
    assert "flit engine" not in buffer.getvalue()  # the analytical engine has none
