"""Per-layer rows say where every layer runs, including layers without crossbars."""

from __future__ import annotations

from pathlib import Path

from pimnoc.config import load_run, parse_run
from pimnoc.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]


def test_add_layers_run_with_their_input():
    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2d", "pes": {"rows": 6, "cols": 6}}})
    rows = evaluate(spec).per_layer
    adds = [r for r in rows if r["op"] == "add"]
    assert adds and all(r["runs_on"] == "with input" and r["pes"] > 0 for r in adds)
    convs = [r for r in rows if r["op"] == "conv"]
    assert all(r["runs_on"] == "crossbars" and r["replication"] >= 1 for r in convs)


def test_layers_on_digital_pes_count_their_pes():
    spec = load_run(ROOT / "examples" / "gnn_gcn_cora_hetero.yaml")
    rows = evaluate(spec).per_layer
    digital = [r for r in rows if r["runs_on"] == "digital PEs"]
    assert digital and all(r["pes"] > 0 for r in digital)
