"""End-to-end evaluation: invariants of a Result, several networks, ONNX models."""

from __future__ import annotations

import gc

import numpy as np
import onnx
from onnx import TensorProto, helper

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate, evaluate_full


def test_result_figures_are_consistent(small_spec):
    ev = evaluate_full(small_spec)
    r = ev.result
    e = r.energy_j
    assert np.isclose(e["total"], e["compute"] + e["router"] + e["link"] + e["leakage"])
    assert all(v >= 0 for v in e.values())
    assert np.isclose(r.throughput_ips, 1 / r.interval_s)
    assert np.isclose(r.edp_js, e["total"] * r.latency_s)
    assert r.interval_s >= max(layer["compute_s"] for layer in r.per_layer)
    # latency is at least the compute of the longest chain of weighted layers
    assert r.latency_s >= sum(layer["compute_s"] for layer in r.per_layer
                              if layer["op"] == "conv" and "downsample" not in layer["name"])
    assert r.links == ev.topology.num_links
    assert len(r.per_link) == ev.topology.num_directed_links
    busiest = max(link["utilisation"] for link in r.per_link)
    assert np.isclose(r.busiest_link["utilisation"], busiest)


def test_network_bound_interval_matches_busiest_link(small_spec):
    ev = evaluate_full(small_spec)
    r = ev.result
    if r.bottleneck == "network":
        assert np.isclose(r.busiest_link["utilisation"], 1.0)


def test_concurrent_networks_never_share_a_pe(run_dict):
    run = run_dict(workload={"networks": [
        {"model": "resnet18", "input_hw": 32, "num_classes": 10},
        {"model": "mobilenet_v2", "input_hw": 32, "num_classes": 10}]})
    run["design"]["chiplets"] = {"rows": 4, "cols": 4}
    ev = evaluate_full(parse_run(run))
    m = ev.mapping
    owners = {}
    for i in range(m.num_layers):
        for node in m.layer_node_crossbars[i][0]:
            owners.setdefault(int(node), set()).add(int(m.network_of[i]))
    assert owners and all(len(nets) == 1 for nets in owners.values())
    assert len(ev.result.per_network) == 2


def test_more_crossbars_per_pe_never_slow_the_compute_stage(run_dict):
    slow = run_dict()
    fast = run_dict()
    fast["design"]["pe"] = {"crossbars": 128}
    stage = [max(layer["compute_s"] for layer in evaluate(parse_run(r)).per_layer)
             for r in (slow, fast)]
    assert stage[1] <= stage[0]


def _residual_onnx(path):
    def conv(name, x, y, cin, cout):
        return helper.make_node("Conv", [x, name + "_w"], [y], kernel_shape=[3, 3],
                                pads=[1, 1, 1, 1]), helper.make_tensor_value_info(
            name + "_w", TensorProto.FLOAT, [cout, cin, 3, 3])

    n1, w1 = conv("c1", "x", "a", 3, 16)
    n2, w2 = conv("c2", "a", "b", 16, 16)
    add = helper.make_node("Add", ["a", "b"], ["s"])
    inits = [helper.make_tensor("c1_w", TensorProto.FLOAT, [16, 3, 3, 3], [0.0] * 432),
             helper.make_tensor("c2_w", TensorProto.FLOAT, [16, 16, 3, 3], [0.0] * 2304)]
    graph = helper.make_graph([n1, n2, add], "res",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("s", TensorProto.FLOAT, None)],
                              initializer=inits)
    onnx.save(helper.make_model(graph), path)
    del w1, w2


def test_onnx_model_evaluates_end_to_end(tmp_path):
    path = tmp_path / "res.onnx"
    _residual_onnx(path)
    spec = parse_run({"workload": {"networks": [{"model": str(path)}]},
                      "design": {"integration": "2d", "pes": {"rows": 3, "cols": 3}}})
    r = evaluate(spec)
    names = [layer["op"] for layer in r.per_layer]
    assert names.count("conv") == 2 and "add" in names
    assert r.latency_s > 0 and r.energy_j["total"] > 0


def test_without_detail_the_figures_are_the_same(small_spec):
    full = evaluate(small_spec).to_dict()
    lean = evaluate(small_spec, detail=False).to_dict()
    assert lean["per_layer"] == [] and lean["per_link"] == []
    for key in ("latency_s", "throughput_ips", "energy_j", "edp_js", "area_mm2",
                "busiest_link", "per_network", "links", "wire_length_mm"):
        assert lean[key] == full[key]


def test_mapping_reused_only_where_it_cannot_change(run_dict):
    from pimnoc.evaluate import evaluate_full

    first = evaluate_full(parse_run(run_dict()))
    wider = run_dict()
    wider["design"]["network"] = {"flit_bits": 64}
    second = evaluate_full(parse_run(wider))
    assert second.mapping is first.mapping  # link width does not change the mapping
    assert second.result.interval_s <= first.result.interval_s
    other = run_dict(mapping={"placement": "row_major"})
    third = evaluate_full(parse_run(other))
    assert third.mapping is not first.mapping
    assert third.mapping.order.tolist() != first.mapping.order.tolist()


def test_the_collector_is_paused_over_the_stages_and_back_after(small_spec):
    seen = []
    evaluate_full(small_spec, progress=lambda _stage: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()
