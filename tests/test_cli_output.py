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


def test_the_summary_shows_the_flit_backends_figures(run_dict):
    import io

    from rich.console import Console

    from pimnoc.cli.run_design import summary_table
    from pimnoc.config import parse_run
    from pimnoc.evaluate import evaluate

    def text(**simulation):
        result = evaluate(parse_run(run_dict(simulation=simulation)), detail=False)
        buffer = io.StringIO()
        Console(file=buffer, width=160).print(summary_table(result))
        return buffer.getvalue(), result

    shown, result = text(engine="event", network="flit", granularity="layer")
    simulated = int(result.extra["event"]["cycles_simulated"])
    assert simulated > 0 and f"{simulated:,} simulated" in shown
    assert "flit network" not in text(engine="event")[0]  # the flow backend has none
    assert "flit network" not in text()[0]  # nor the analytical engine
