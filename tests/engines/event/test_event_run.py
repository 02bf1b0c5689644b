"""The event engine on mapped workloads: traffic conservation, energy, semantics, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from conftest import small_run

from pimnoc.cli.main import main
from pimnoc.config import load_run, parse_run
from pimnoc.engines.event.tasks import DEPENDENCY, build_tasks
from pimnoc.evaluate import evaluate_full
from pimnoc.traffic.flows import ACTIVATION

EXAMPLES = ["die_2d_resnet18", "transformer_bert_2p5d_hetero", "gnn_gcn_cora_hetero",
            "transformer_gpt2_decode_interleaved", "stack3d_sfc3d_miv_64", "multi_cnn_2p5d",
            "cifar_2d_resnet50_torus"]


def _event(spec, **simulation):
    sim = spec.simulation.model_copy(update={"engine": "event", **simulation})
    return spec.model_copy(update={"simulation": sim})


def _example(root, name, **simulation):
    return _event(load_run(root / "examples" / f"{name}.yaml"), **simulation)


def _per_flow(src, dst, producer, consumer, kind, bits):
    keys = np.column_stack([src, dst, producer, consumer, kind])
    rows, inverse = np.unique(keys, axis=0, return_inverse=True)
    return rows, np.bincount(inverse.ravel(), weights=bits)


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("granularity", ["rows", "layer"])
def test_messages_carry_exactly_the_traffic_models_flows(name, granularity):
    from conftest import ROOT

    spec = load_run(ROOT / "examples" / f"{name}.yaml")
    ev = evaluate_full(spec, detail=False)
    g = build_tasks(ev.mapping, ev.compute, granularity)
    data = g.msg_kind != DEPENDENCY
    got_rows, got = _per_flow(g.msg_src[data], g.msg_dst[data], g.msg_producer_layer[data],
                              g.msg_consumer_layer[data], g.msg_kind[data], g.msg_bits[data])
    f = ev.flows
    want_rows, want = _per_flow(f.src, f.dst, f.producer, f.consumer, f.kind, f.bits)
    keep = got > 0
    got_rows, got = got_rows[keep], got[keep]
    keep = want > 1e-9
    np.testing.assert_array_equal(got_rows, want_rows[keep])
    np.testing.assert_allclose(got, want[keep], rtol=1e-9)
    # every task's compute energy is its layer's, split: the same total
    assert g.task_energy_j.sum() == pytest.approx(ev.compute.energy_j.sum(), rel=1e-12)


@pytest.mark.parametrize("name", ["die_2d_resnet18", "transformer_bert_2p5d_hetero",
                                  "gnn_gcn_cora_hetero"])
def test_dynamic_energy_agrees_with_the_analytical_engine(name):
    from conftest import ROOT

    result = evaluate_full(_example(ROOT, name, granularity="layer"), detail=False).result
    analytical = result.extra["analytical"]["energy_j"]
    for part in ("compute", "router", "link"):
        assert result.energy_j[part] == pytest.approx(analytical[part], rel=0.01)
    assert result.extra["bits"]["sent"] == pytest.approx(result.extra["bits"]["received"])


def test_every_bit_sent_is_received_once_and_runs_repeat():
    spec = _event(parse_run(small_run()))
    first = evaluate_full(spec).execution
    second = evaluate_full(spec).execution
    np.testing.assert_array_equal(first.finish_s, second.finish_s)
    np.testing.assert_array_equal(first.arrive_s, second.arrive_s)
    assert np.all(first.arrive_s >= 0) and np.all(first.finish_s >= 0)
    # each message arrives once: one arrival time per message, none missing
    assert first.arrive_s.size == first.msg_tmpl.size


def test_layer_barrier_starts_a_layer_after_all_its_inputs():
    spec = _event(parse_run(small_run()), layer_barrier=True)
    ev = evaluate_full(spec)
    x = ev.execution
    g = x.graph
    kind = g.msg_kind[x.msg_tmpl]
    into = g.msg_consumer_layer[x.msg_tmpl]
    compute = g.occupies[x.task_tmpl]
    layer = g.task_layer[x.task_tmpl]
    for v in range(ev.mapping.num_layers):
        arrivals = x.arrive_s[(kind == ACTIVATION) & (into == v)]
        starts = x.start_s[compute & (layer == v)]
        if arrivals.size and starts.size:
            assert starts.min() >= arrivals.max()
    free = evaluate_full(_event(parse_run(small_run()))).result
    assert ev.result.latency_s >= free.latency_s


def test_more_inferences_pipeline_and_poisson_arrivals_repeat_with_the_seed():
    batch = small_run()
    batch["workload"]["networks"][0]["arrivals"] = {"batch": 6}
    res = evaluate_full(_event(parse_run(batch)), detail=False).result
    lat = res.extra["inference_latency_s"]
    assert res.extra["inferences"] == 6
    assert lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]
    # pipelined: six inferences take less than six times one
    assert res.extra["makespan_s"] < 6 * lat["mean"]
    poisson = small_run(mapping={"placement": "snake", "seed": 3})
    poisson["workload"]["networks"][0]["arrivals"] = {"poisson_ips": 2e4, "count": 5}
    one = evaluate_full(_event(parse_run(poisson)), detail=False).result
    two = evaluate_full(_event(parse_run(poisson)), detail=False).result
    assert one.extra["inference_latency_s"] == two.extra["inference_latency_s"]
    assert one.extra["inferences"] == 5


def _write(tmp_path, run):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(run))
    return path


def test_cli_run_writes_result_trace_and_timeline(tmp_path):
    run = small_run(simulation={"engine": "event"})
    run["workload"]["networks"][0]["arrivals"] = {"batch": 2}
    out, trace, plots = tmp_path / "r.json", tmp_path / "t.json", tmp_path / "plots"
    code = main(["run", str(_write(tmp_path, run)), "-o", str(out), "--trace", str(trace),
                 "--plot", str(plots)])
    assert code == 0
    data = json.loads(out.read_text())
    for key in ("mean", "p50", "p95", "p99", "max", "per_network"):
        assert key in data["inference_latency_s"]
    assert data["makespan_s"] > 0 and data["throughput_ips"] > 0
    assert data["power_trace"]["power_w"] and min(data["power_trace"]["power_w"]) > 0
    events = json.loads(trace.read_text())["traceEvents"]
    assert any(e.get("ph") == "X" and e["pid"] == 1 for e in events)
    assert any(e.get("ph") == "X" and e["pid"] == 2 for e in events)
    assert (plots / "timeline.png").stat().st_size > 0


@pytest.mark.parametrize("arrivals, simulation, words", [
    ({"batch": 0}, {}, "arrivals.batch"),
    ({"poisson_ips": 10.0}, {}, "count"),
    ({"trace": "missing.csv"}, {}, "arrivals.trace"),
    ({"batch": 1}, {"network": "packet"}, "simulation.network"),
    ({"batch": 1}, {"granularity": "pixel"}, "simulation.granularity"),
    ({"batch": 1}, {"warmup_cycles": 10}, "simulation.warmup_cycles"),
])
def test_bad_event_settings_exit_2_naming_the_key(tmp_path, capsys, arrivals, simulation,
                                                  words):
    run = small_run(simulation={"engine": "event", **simulation})
    run["workload"]["networks"][0]["arrivals"] = arrivals
    assert main(["run", str(_write(tmp_path, run))]) == 2
    assert words in capsys.readouterr().err.replace("\n", "")


def test_trace_file_arrivals(tmp_path):
    (tmp_path / "arrivals.csv").write_text("time_s\n0\n2e-5\n1e-5\n")
    run = small_run(simulation={"engine": "event"})
    run["workload"]["networks"][0]["arrivals"] = {"trace": "arrivals.csv"}
    out = tmp_path / "r.json"
    assert main(["run", str(_write(tmp_path, run)), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["inferences"] == 3
    (tmp_path / "arrivals.csv").write_text("when\n0\n")
    assert main(["run", str(_write(tmp_path, run))]) == 2
