"""Network-only quantities (the paper's scope) beside the full system's."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.config import parse_run
from pimnoc.engines.event.engine import packet_latency_s
from pimnoc.experiments.quantities import (
    best_changes,
    comparison_row,
    measure_case,
    network_quantities,
    on_event_engine,
)
from pimnoc.hardware.topology import INTERPOSER, UBUMP


def _spec(integration: str, topology: str = "mesh"):
    design = ({"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
               "pes": {"rows": 2, "cols": 2}, "noi": {"topology": topology}}
              if integration == "2.5d" else
              {"integration": "2d", "pes": {"rows": 6, "cols": 6}})
    return parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32,
                                                 "num_classes": 10}]},
                      "design": design, "mapping": {"placement": "row_major"}}, "test")


@pytest.fixture(scope="module")
def chiplets():
    return measure_case(_spec("2.5d"))


def test_noi_energy_is_the_scoped_part_of_the_network_energy(chiplets):
    q, ev = chiplets
    total = ev.result.energy_j["router"] + ev.result.energy_j["link"]
    assert q.scope == "noi"
    assert 0 < q.net_energy_j < total
    # The interposer and micro-bump links alone are a lower bound (routers add to it).
    topo = ev.topology
    kinds = (topo.link_kind == INTERPOSER) | (topo.link_kind == UBUMP)
    from pimnoc.engines.analytical.network import link_energy_pj_per_bit

    links_only = float(ev.network.routed.link_load_bits[kinds]
                       @ link_energy_pj_per_bit(topo, ev.net)[kinds]) * 1e-12
    assert q.net_energy_j > links_only > 0


def test_noi_latency_is_below_the_whole_path_and_above_one_hop(chiplets):
    q, ev = chiplets
    net = ev.net
    assert q.net_zero_load_latency_s >= 2 * net.cycle_s  # at least up and down a micro-bump
    assert q.net_packet_latency_s > q.net_zero_load_latency_s
    assert q.net_edp_js == pytest.approx(q.net_energy_j * q.net_packet_latency_s)
    assert q.edp_js == pytest.approx(ev.result.edp_js)


def test_noc_scope_is_the_whole_network_on_a_die():
    q, ev = measure_case(_spec("2d"))
    assert q.scope == "noc"
    assert q.net_energy_j == pytest.approx(ev.result.energy_j["router"]
                                           + ev.result.energy_j["link"])
    zero = ev.network.routed.zero_load_cycles
    assert q.net_zero_load_latency_s >= (zero.min() + ev.net.packet_flits - 1) * ev.net.cycle_s


def test_the_same_evaluation_read_in_noc_scope_costs_more_than_its_noi():
    q, ev = measure_case(_spec("2.5d", "kite_small"))
    whole = network_quantities(ev, "noc")
    assert whole.net_energy_j > q.net_energy_j
    assert whole.net_zero_load_latency_s > q.net_zero_load_latency_s


def test_comparison_rows_and_best_changes():
    mine = {"scope": "noi", "engine": "analytical", "net_zero_load_latency_s": 1.0,
            "net_packet_latency_s": 2.0, "net_energy_j": 3.0, "net_edp_js": 6.0,
            "latency_s": 10.0, "energy_j": 20.0, "edp_js": 200.0}
    theirs = {k: (v * 2 if isinstance(v, float) else v) for k, v in mine.items()}
    rows = [comparison_row({"case": 1}, "a", "b", mine, theirs),
            comparison_row({"case": 2}, "a", "c", mine, {**theirs, "net_energy_j": 0.0})]
    assert rows[0]["net_energy_j"]["change"] == pytest.approx(-0.5)
    assert rows[1]["net_energy_j"]["change"] is None  # no NaN in JSON
    summary = best_changes(rows)
    assert summary["overall"]["net_energy_j"]["best"] == pytest.approx(-0.5)
    assert np.isclose(summary["per_baseline"]["c"]["latency_s"]["mean"], -0.5)


@pytest.fixture(scope="module")
def on_events():
    return {batch: measure_case(on_event_engine(_spec("2.5d"), "layer", batch))
            for batch in (1, 4)}


def test_no_packet_arrives_faster_than_at_zero_load(on_events):
    _q, ev = on_events[4]
    x, net = ev.execution, ev.net
    latency = packet_latency_s(x, net)
    remote = latency >= 0
    assert remote.any()
    packet_bits = net.packet_flits * net.flit_bits
    floor = (x.routes.latency_s[x.msg_tmpl]
             + np.minimum(x.wire_bits[x.msg_tmpl], packet_bits) / net.link_bandwidth_bps)
    assert np.all(latency[remote] >= floor[remote] * (1 - 1e-9))


def test_event_quantities_sit_beside_the_analytical_ones(chiplets, on_events):
    analytical, _ev = chiplets
    for batch, (q, _ev) in on_events.items():
        assert q.engine == "event" and f"batch={batch}" in q.workload
        # the analytical figures of the same design, whatever engine ran it
        assert q.latency_analytical_s == pytest.approx(analytical.latency_s)
        assert q.net_packet_latency_analytical_s == pytest.approx(
            analytical.net_packet_latency_s)
        # under load a packet takes at least its zero-load time (end to end >= NoI part)
        assert q.net_packet_latency_s >= q.net_zero_load_latency_s
    # more inferences in flight at once: more contention, longer packet latency
    assert on_events[4][0].net_packet_latency_s > on_events[1][0].net_packet_latency_s
