"""The analytical contention model: processor sharing of a channel per inference interval."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pimnoc.engines.analytical.network import shared_transfer_s


def test_alone_on_a_channel_is_pure_serialisation():
    bits = np.array([3200.0])
    assert np.isclose(shared_transfer_s(bits, bits, 32e9, 1e-3)[0], 3200 / 32e9)


def test_on_a_saturated_channel_a_transfer_takes_the_interval():
    interval = 1e-6
    load = np.array([32e9 * interval])
    assert np.isclose(shared_transfer_s(np.array([1000.0]), load, 32e9, interval)[0], interval)


@given(st.floats(1, 1e4), st.floats(0, 1), st.floats(0, 1))
def test_more_competing_load_never_speeds_a_transfer(bits, other_a, other_b):
    capacity = 1e5
    lo, hi = sorted((other_a, other_b))
    loads = np.array([bits + lo * (capacity - bits if capacity > bits else 0),
                      bits + hi * (capacity - bits if capacity > bits else 0)])
    times = shared_transfer_s(np.array([bits, bits]), loads, 1e9, capacity / 1e9)
    assert times[0] <= times[1] + 1e-18
    assert times[0] >= bits / 1e9 - 1e-18


def test_input_concentration_is_one_for_a_single_input_and_falls_with_more():
    from pimnoc.config import parse_run
    from pimnoc.evaluate import evaluate_full

    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2d", "pes": {"rows": 6, "cols": 6}}})
    routed = evaluate_full(spec).network.routed
    share = routed.input_concentration()
    assert np.all((share > 0) & (share <= 1 + 1e-12))
    used = routed.link_load_bits > 0
    inputs = {}
    for link, source in zip(routed.pair_link, routed.pair_input, strict=True):
        inputs.setdefault(int(link), set()).add(int(source))
    for link in np.flatnonzero(used):
        if len(inputs[int(link)]) == 1:
            assert np.isclose(share[link], 1.0)
        else:
            assert share[link] >= 1 / len(inputs[int(link)]) - 1e-12


def test_input_concentration_by_router_ports_equals_the_sorted_form():
    """Numbering (link, input) by the input's router port gives the same shares, bit for bit."""
    from pimnoc.config import parse_run
    from pimnoc.evaluate import evaluate_full

    for design in ({"integration": "2d", "pes": {"rows": 6, "cols": 6}},
                   {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
                    "pes": {"rows": 3, "cols": 3}, "noi": {"topology": "floret"}}):
        spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                          "design": design})
        evaluation = evaluate_full(spec)
        routed = evaluation.network.routed
        assert np.array_equal(routed.input_concentration(evaluation.topology),
                              routed.input_concentration())


def test_edges_charged_a_group_at_a_time_get_the_same_times(monkeypatch):
    """Charging edges in small groups (bounded memory) changes no figure, bit for bit."""
    from dataclasses import replace

    from pimnoc.config import parse_run
    from pimnoc.engines.analytical import network
    from pimnoc.evaluate import evaluate_full

    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
                                 "pes": {"rows": 3, "cols": 3}}})
    evaluation = evaluate_full(spec)
    flows, net = evaluation.flows, evaluation.network
    for multicast in (False, True):
        tech = replace(evaluation.net, multicast=multicast)
        routed = network.route_flows(evaluation.routing, flows, tech)
        args = (flows, routed, net.flow_latency_s, tech, evaluation.mapping.num_layers,
                evaluation.result.interval_s,
                network.link_bandwidth_bps(evaluation.topology, tech))
        whole = network.edge_parts(*args)
        monkeypatch.setattr(network, "CHARGE_PAIRS_PER_GROUP", 50)
        assert len(list(network._owner_groups(routed.pair_flow, routed.flow_index.size,
                                              50))) > 1
        assert network.edge_parts(*args) == whole
        monkeypatch.undo()


def test_chunked_sums_over_hops_equal_whole_ones(monkeypatch):
    """Per-hop sums taken a chunk of (flow, link) pairs at a time give the same result."""
    from pimnoc import numeric
    from pimnoc.config import parse_run
    from pimnoc.engines.analytical import network
    from pimnoc.evaluate import evaluate

    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
                                 "pes": {"rows": 3, "cols": 3}}})
    whole = evaluate(spec).to_dict()
    monkeypatch.setattr(numeric, "PAIRS_PER_CHUNK", 64)
    monkeypatch.setattr(network, "PAIRS_PER_CHUNK", 64)
    monkeypatch.setattr(network, "CHARGE_PAIRS_PER_GROUP", 50)
    chunked = evaluate(spec).to_dict()
    whole.pop("wall_s"), chunked.pop("wall_s")
    assert chunked == whole
