"""The event loop against closed forms, and its invariants on random task graphs."""

from __future__ import annotations

import numpy as np
import pytest
from event_support import make_graph, run_graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimnoc.engines.event.kernel import max_min_rates


def _interior_pair(topo):
    """Two neighbouring routers with five ports each (no port-count delay change)."""
    for link in range(topo.num_directed_links):
        a, b = int(topo.link_src[link]), int(topo.link_dst[link])
        if topo.router_ports[a] == 5 and topo.router_ports[b] == 5:
            return a, b
    raise AssertionError("no interior link")


def test_one_message_takes_zero_load_latency_plus_serialisation(mesh):
    topo, _routing, net = mesh
    a, b = _interior_pair(topo)
    bits, compute_s = 4096.0, 1e-6
    x = run_graph(make_graph([a, b], [compute_s, compute_s], [(0, 1, b, bits)]), mesh)
    # one hop: source router and link (router_stages + 1 cycles), destination router,
    # injection and ejection channels (1 cycle each), as BookSim2 counts them
    zero_load_s = (net.router_stages + 1 + net.router_stages + 2) * net.cycle_s
    expected = compute_s + zero_load_s + bits / net.link_bandwidth_bps
    assert x.arrive_s[0] == pytest.approx(expected, rel=1e-12)
    assert x.start_s[1] == pytest.approx(expected, rel=1e-12)
    assert x.finish_s[1] == pytest.approx(expected + compute_s, rel=1e-12)


def test_header_flits_add_to_serialisation(mesh):
    topo, _routing, net = mesh
    a, b = _interior_pair(topo)
    bits = 8 * net.packet_flits * net.flit_bits  # eight packets
    plain = run_graph(make_graph([a, b], [0.0, 0.0], [(0, 1, b, bits)]), mesh)
    headed = run_graph(make_graph([a, b], [0.0, 0.0], [(0, 1, b, bits)]), mesh, header_flits=1)
    extra = headed.arrive_s[0] - plain.arrive_s[0]
    assert extra == pytest.approx(8 * net.flit_bits / net.link_bandwidth_bps, rel=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_n_flows_on_one_link_each_get_one_nth(n):
    rates = np.zeros(n)
    capacity = np.array([10.0, 100.0])
    # every flow crosses link 0; link 1 (ample) is on the first route only
    pair_ptr = np.array([0, 2, 3], dtype=np.int64)
    pair_links = np.array([0, 1, 0], dtype=np.int64)
    flow_pair = np.array([0] + [1] * (n - 1), dtype=np.int64)
    max_min_rates(np.arange(n), n, flow_pair, pair_ptr, pair_links, capacity, rates,
                  np.zeros(2), np.zeros(2), np.zeros(2, dtype=np.int64),
                  np.full(3, -1, dtype=np.int64))
    np.testing.assert_allclose(rates, 10.0 / n, rtol=1e-12)


def test_flows_into_one_node_share_its_ejection_port(mesh):
    topo, _routing, net = mesh
    d = next(v for v in range(topo.num_nodes) if topo.router_ports[v] == 5)
    sources = topo.link_src[topo.link_dst == d]  # its four neighbours, one link each
    bits = 64_000.0
    nodes = [*sources.tolist(), d]
    sink = len(nodes) - 1
    graph = make_graph(nodes, [0.0] * len(nodes), [(i, sink, d, bits) for i in range(4)])
    x = run_graph(graph, mesh)
    hop_s = (net.router_stages + 1 + net.router_stages + 2) * net.cycle_s
    np.testing.assert_allclose(x.sent_s, 4 * bits / net.link_bandwidth_bps, rtol=1e-12)
    np.testing.assert_allclose(x.arrive_s, 4 * bits / net.link_bandwidth_bps + hop_s,
                               rtol=1e-12)


@pytest.mark.parametrize("c1, c2, bits", [(2e-6, 1e-6, 3200.0), (1e-6, 3e-6, 3200.0),
                                          (1e-6, 1e-6, 128_000.0)])
def test_two_layer_pipeline_latency_and_throughput(mesh, c1, c2, bits):
    topo, _routing, net = mesh
    a, b = _interior_pair(topo)
    n = 12
    x = run_graph(make_graph([a, b], [c1, c2], [(0, 1, b, bits)]), mesh, arrivals=[0.0] * n)
    transfer = bits / net.link_bandwidth_bps
    hop_s = (net.router_stages + 1 + net.router_stages + 2) * net.cycle_s
    done = np.sort(x.finish_s[x.task_tmpl == 1])
    assert done[0] == pytest.approx(c1 + hop_s + transfer + c2, rel=1e-12)
    throughput = (n - 1) / (done[-1] - done[0])
    assert throughput == pytest.approx(1.0 / max(c1, c2, transfer), rel=1e-9)


@st.composite
def task_graphs(draw):
    """Random DAGs of tasks on a 16-node mesh with random messages, and arrivals."""
    n = draw(st.integers(2, 14))
    nodes = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    durations = draw(st.lists(st.sampled_from([0.0, 1e-7, 3e-7, 1e-6]), min_size=n,
                              max_size=n))
    messages = []
    for consumer in range(1, n):
        producers = draw(st.lists(st.integers(0, consumer - 1), max_size=3, unique=True))
        for producer in producers:
            dst = nodes[consumer]
            bits = draw(st.sampled_from([0.0, 32.0, 1000.0, 40_000.0]))
            messages.append((producer, consumer, dst, bits))
    arrivals = draw(st.lists(st.sampled_from([0.0, 5e-7, 2e-6]), min_size=1, max_size=4))
    return nodes, durations, messages, sorted(arrivals)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task_graphs())
def test_random_graphs_conserve_messages_respect_dependencies_and_repeat(mesh, drawn):
    topo, _routing, net = mesh
    nodes, durations, messages, arrivals = drawn
    graph = make_graph(nodes, durations, messages)
    x = run_graph(graph, mesh, arrivals)
    again = run_graph(graph, mesh, arrivals)
    for a, b in ((x.start_s, again.start_s), (x.finish_s, again.finish_s),
                 (x.arrive_s, again.arrive_s)):
        np.testing.assert_array_equal(a, b)  # same inputs, same result, bit for bit
    assert np.all(x.finish_s >= x.start_s) and np.all(x.start_s >= 0)
    # every message leaves once and arrives once, after it was emitted
    assert np.all(x.emit_s >= 0)
    assert np.all(x.arrive_s >= x.sent_s) and np.all(x.sent_s >= x.begin_s)
    assert np.all(x.begin_s >= x.emit_s)
    remote = np.diff(x.routes.ptr)[x.msg_tmpl] > 0
    bits = graph.msg_bits[x.msg_tmpl]
    moving = remote & (bits > 0)
    assert np.all(x.sent_s[moving] - x.begin_s[moving]
                  >= bits[moving] / net.link_bandwidth_bps * (1 - 1e-9))
    np.testing.assert_allclose(x.arrive_s[moving] - x.sent_s[moving],
                               x.routes.latency_s[x.msg_tmpl[moving]], rtol=1e-9, atol=1e-18)
    # a consumer starts after each of its inputs has arrived
    per_msg = np.diff(graph.cons_ptr)
    for m in range(x.msg_tmpl.size):
        tm = int(x.msg_tmpl[m])
        offset = int(np.flatnonzero(x.task_instance == x.msg_instance[m])[0])
        for c in graph.cons_task[graph.cons_ptr[tm]:graph.cons_ptr[tm] + per_msg[tm]]:
            assert x.start_s[offset + c] >= x.arrive_s[m]
    # a PE runs one task at a time
    pe = graph.task_node[x.task_tmpl]
    busy = graph.task_duration_s[x.task_tmpl] > 0
    for node in np.unique(pe[busy]):
        mine = np.flatnonzero(busy & (pe == node))
        order = mine[np.argsort(x.start_s[mine], kind="stable")]
        assert np.all(x.start_s[order][1:] >= x.finish_s[order][:-1] - 1e-18)
    # every instance starts no earlier than it arrives
    first = np.full(len(arrivals), np.inf)
    np.minimum.at(first, x.task_instance, x.start_s)
    assert np.all(first >= np.asarray(arrivals))


def _progressive_filling(routes: list[list[int]], capacity: np.ndarray) -> np.ndarray:
    """Max-min fair rates the textbook way: raise all unfixed flows until a link fills."""
    n = len(routes)
    rate, fixed, left = np.zeros(n), np.zeros(n, dtype=bool), capacity.astype(float)
    while not fixed.all():
        share = min(left[link] / sum(1 for f in range(n) if not fixed[f] and link in routes[f])
                    for link in range(capacity.size)
                    if any(not fixed[f] and link in routes[f] for f in range(n)))
        full = [link for link in range(capacity.size)
                if any(not fixed[f] and link in routes[f] for f in range(n))
                and abs(left[link] / sum(1 for f in range(n) if not fixed[f]
                                         and link in routes[f]) - share) <= 1e-12 * share]
        for f in range(n):
            if not fixed[f] and any(link in routes[f] for link in full):
                fixed[f], rate[f] = True, share
                for link in routes[f]:
                    left[link] -= share
    return rate


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_max_min_matches_reference(data):
    links = data.draw(st.integers(1, 6))
    capacity = np.array(data.draw(st.lists(st.floats(1.0, 10.0), min_size=links,
                                           max_size=links)))
    routes = data.draw(st.lists(st.lists(st.integers(0, links - 1), min_size=1, max_size=links,
                                         unique=True), min_size=1, max_size=5))
    flow_pair = np.array(data.draw(st.lists(st.integers(0, len(routes) - 1), min_size=1,
                                            max_size=10)), dtype=np.int64)
    pair_ptr = np.concatenate([[0], np.cumsum([len(r) for r in routes])]).astype(np.int64)
    pair_links = np.concatenate([np.array(r) for r in routes]).astype(np.int64)
    rates = np.zeros(flow_pair.size)
    max_min_rates(np.arange(flow_pair.size), flow_pair.size, flow_pair, pair_ptr, pair_links,
                  capacity, rates, np.zeros(links), np.zeros(links),
                  np.zeros(links, dtype=np.int64), np.full(len(routes) + 1, -1, dtype=np.int64))
    expected = _progressive_filling([routes[p] for p in flow_pair], capacity)
    np.testing.assert_allclose(rates, expected, rtol=1e-9)
