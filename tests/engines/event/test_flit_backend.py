"""`simulation.network: flit`: the event engine over the flit kernel, closed loop."""

from __future__ import annotations

import numpy as np
import pytest
from event_support import make_graph, run_graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimnoc.config import parse_run
from pimnoc.engines.analytical.network import link_cycles_per_flit
from pimnoc.engines.event.engine import Instances, execute, message_routes
from pimnoc.engines.event.flit_backend import _closed_traffic, execute_flit
from pimnoc.engines.flit import SimParams
from pimnoc.engines.flit import kernel as K
from pimnoc.engines.flit.engine import State, build_network
from pimnoc.evaluate import evaluate_full, topology_and_routing
from pimnoc.hardware.routing import uses_escape


def _interior_pair(topo):
    """Two neighbouring routers with five ports each (no port-count delay change)."""
    for link in range(topo.num_directed_links):
        a, b = int(topo.link_src[link]), int(topo.link_dst[link])
        if topo.router_ports[a] == 5 and topo.router_ports[b] == 5:
            return a, b
    raise AssertionError("no interior link")


@st.composite
def task_graphs(draw):
    """Random DAGs of tasks on a 16-node mesh with random messages, and arrivals."""
    n = draw(st.integers(2, 12))
    nodes = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    durations = draw(st.lists(st.sampled_from([0.0, 1e-7, 3e-7, 1e-6]), min_size=n,
                              max_size=n))
    messages = []
    for consumer in range(1, n):
        for producer in draw(st.lists(st.integers(0, consumer - 1), max_size=3, unique=True)):
            bits = draw(st.sampled_from([0.0, 32.0, 1000.0, 40_000.0]))
            messages.append((producer, consumer, nodes[consumer], bits))
    arrivals = draw(st.lists(st.sampled_from([0.0, 5e-7, 2e-6]), min_size=1, max_size=4))
    return nodes, durations, messages, sorted(arrivals)


def run_flit(graph, mesh, arrivals=(0.0,), header_flits=0):
    """Execute `graph` once per arrival time on the mesh with the flit backend."""
    _topo, routing, net = mesh
    routes = message_routes(graph, routing, net)
    arrival = np.asarray(arrivals, dtype=float)
    instances = Instances(np.zeros(arrival.size, dtype=np.int64), arrival)
    return execute_flit(graph, routes, instances, routing, net, header_flits)


def test_one_message_streams_its_packets_behind_the_zero_load_head(mesh):
    topo, _routing, net = mesh
    a, b = _interior_pair(topo)
    flits = 8 * net.packet_flits
    bits, compute_s = float(flits * net.flit_bits), 1e-6
    graph = make_graph([a, b], [compute_s, compute_s], [(0, 1, b, bits)])
    x = run_flit(graph, mesh)
    # BookSim2's zero-load latency over two routers and one link (docs/cycle_model.md):
    # 2 + H (stages - 1) + (H - 1)(L + 1) + 2, then one flit per cycle
    head = 2 + 2 * (net.router_stages - 1) + 2 + 2
    assert x.arrive_s[0] == pytest.approx(compute_s + (head + flits - 1) * net.cycle_s, rel=1e-12)
    assert x.begin_s[0] == pytest.approx(compute_s, rel=1e-12)
    assert x.start_s[1] == x.arrive_s[0]
    # the flow backend's closed form gives the same time
    assert run_graph(graph, mesh).arrive_s[0] == pytest.approx(x.arrive_s[0], rel=1e-12)


def test_header_flits_are_sent(mesh):
    topo, _routing, net = mesh
    a, b = _interior_pair(topo)
    bits = 8 * net.packet_flits * net.flit_bits  # eight packets, one head flit each
    graph = make_graph([a, b], [0.0, 0.0], [(0, 1, b, bits)])
    extra = run_flit(graph, mesh, header_flits=1).arrive_s[0] - run_flit(graph, mesh).arrive_s[0]
    assert extra == pytest.approx(8 * net.cycle_s, rel=1e-9)


def test_messages_into_one_node_share_its_ejection_port(mesh):
    topo, _routing, net = mesh
    d = next(v for v in range(topo.num_nodes) if topo.router_ports[v] == 5)
    sources = topo.link_src[topo.link_dst == d]
    flits = 2000
    nodes = [*sources.tolist(), d]
    graph = make_graph(nodes, [0.0] * len(nodes),
                       [(i, 4, d, float(flits * net.flit_bits)) for i in range(4)])
    x = run_flit(graph, mesh)
    # one flit per cycle leaves the ejection port: all four end together after 4 x 2000 flits
    cycles = x.arrive_s / net.cycle_s
    assert cycles.max() == pytest.approx(4 * flits, rel=0.01)
    assert cycles.min() > 0.97 * 4 * flits


def test_two_layer_pipeline_throughput_is_the_slowest_stage(mesh):
    topo, _routing, net = mesh
    a, b = _interior_pair(topo)
    n, c1, c2 = 12, 1e-6, 1e-6
    bits = 128_000.0  # 4000 flits: the transfer (4 us) is the slowest stage
    x = run_flit(make_graph([a, b], [c1, c2], [(0, 1, b, bits)]), mesh, [0.0] * n)
    done = np.sort(x.finish_s[x.task_tmpl == 1])
    throughput = (n - 1) / (done[-1] - done[0])
    assert throughput == pytest.approx(net.link_bandwidth_bps / bits, rel=0.01)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task_graphs())
def test_random_graphs_deliver_every_message_once_in_order_and_repeat(mesh, drawn):
    nodes, durations, messages, arrivals = drawn
    graph = make_graph(nodes, durations, messages)
    x = run_flit(graph, mesh, arrivals)
    again = run_flit(graph, mesh, arrivals)
    for a, b in ((x.start_s, again.start_s), (x.arrive_s, again.arrive_s)):
        np.testing.assert_array_equal(a, b)
    assert np.all(x.start_s >= 0) and np.all(x.finish_s >= x.start_s)
    assert np.all(x.arrive_s >= x.sent_s) and np.all(x.sent_s >= x.begin_s)
    assert np.all(x.begin_s >= x.emit_s)
    # a consumer starts only after every message it waits for has arrived
    inst_off = np.searchsorted(x.task_instance, x.msg_instance)
    consumer = graph.cons_task[graph.cons_ptr[x.msg_tmpl]] + inst_off
    assert np.all(x.start_s[consumer] >= x.arrive_s - 1e-15)
    # every remote bit crossed the links: the windows hold each message's flits per hop
    remote = np.diff(x.routes.hop_ptr)[x.msg_tmpl]
    flits = np.ceil(graph.msg_bits[x.msg_tmpl] / mesh[2].flit_bits)
    assert x.link_window_bits.sum() == pytest.approx(
        float((flits * remote).sum() * mesh[2].flit_bits), rel=1e-9)


GRS_AT_FLIT_RATE = {"preset": "grs", "gbps_per_lane": 1.0}


def chiplet_spec(network: str, inferences: int):
    """2 x 2 chiplets of 4 x 4 PEs on a mesh NoI, ResNet-20 on 32 x 32 images; die-to-die
    links of 32 Gb/s (SIAM's 32-lane GRS at 1 Gb/s a lane), a flit per cycle, which both
    backends represent (the flit kernel moves no more than a flit per cycle on a link)."""
    return parse_run({
        "workload": {"networks": [{"model": "resnet20", "arrivals": {"batch": inferences}}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 2, "cols": 2},
                   "pes": {"rows": 4, "cols": 4},
                   "noi": {"topology": "mesh", "interface": GRS_AT_FLIT_RATE},
                   "noc": {"topology": "mesh"}},
        "simulation": {"engine": "event", "network": network}})


@pytest.mark.parametrize("inferences", [1, 8])
def test_flit_and_flow_backends_agree_on_a_small_chiplet_design(inferences):
    flow = evaluate_full(chiplet_spec("flow", inferences), detail=False).result
    flit = evaluate_full(chiplet_spec("flit", inferences), detail=False).result
    a = flow.extra["inference_latency_s"]["mean"]
    b = flit.extra["inference_latency_s"]["mean"]
    assert b == pytest.approx(a, rel=0.10)
    assert flit.extra["event"]["network"] == "flit"
    assert set(flit.extra) == set(flow.extra)
    assert set(flit.extra["inference_latency_s"]) == set(flow.extra["inference_latency_s"])
    # the same work: dynamic energy identical, leakage over each one's makespan
    for part in ("compute", "router", "link"):
        assert flit.energy_j[part] == pytest.approx(flow.energy_j[part], rel=1e-12)


def _chiplet_mesh(interface=None, ports=1):
    """(topology, routing, network tech) of 2 x 2 chiplets of 4 x 4 PEs."""
    noi = {"topology": "mesh", "ports_per_chiplet": ports}
    if interface:
        noi["interface"] = interface
    spec = parse_run({"workload": {"networks": [{"model": "resnet20"}]},
                      "design": {"integration": "2.5d", "chiplets": {"rows": 2, "cols": 2},
                                 "pes": {"rows": 4, "cols": 4}, "noi": noi}})
    topo, routing = topology_and_routing(spec)
    return topo, routing, spec.network_tech()


def test_a_slow_die_to_die_link_serialises_each_flit_in_both_backends():
    # GRS with 32 lanes at 0.25 Gb/s = 8 Gb/s: a 32-bit flit every 4 network cycles
    slow = _chiplet_mesh({"preset": "grs", "gbps_per_lane": 0.25})
    fast = _chiplet_mesh()
    topo = slow[0]
    assert link_cycles_per_flit(topo, slow[2]).max() == 4
    assert link_cycles_per_flit(topo, fast[2]).max() == 1  # faster links: one flit per cycle
    pes = np.asarray(topo.compute_nodes)
    a, b = int(pes[0]), int(pes[-1])
    assert topo.node_chiplet[a] != topo.node_chiplet[b]
    flits = 2000
    graph = make_graph([a, b], [0.0, 0.0], [(0, 1, b, float(flits * slow[2].flit_bits))])
    flit_slow, flit_fast = run_flit(graph, slow), run_flit(graph, fast)
    cycles = (flit_slow.arrive_s[0] - flit_fast.arrive_s[0]) / slow[2].cycle_s
    assert cycles == pytest.approx(3 * flits, rel=0.01)  # 4 cycles a flit instead of 1
    routes = message_routes(graph, slow[1], slow[2])
    flow = execute(graph, routes, Instances(np.zeros(1, dtype=np.int64), np.zeros(1)),
                   slow[2], topo.num_nodes, topo.num_directed_links,
                   link_bps=slow[2].link_bandwidth_bps / link_cycles_per_flit(topo, slow[2]))
    assert flow.arrive_s[0] == pytest.approx(flit_slow.arrive_s[0], rel=0.01)


def test_several_ports_per_chiplet_run_without_deadlock_and_match_the_flow_backend():
    def run(network):
        spec = chiplet_spec(network, 2)
        noi = spec.design.noi.model_copy(update={"ports_per_chiplet": 2})
        design = spec.design.model_copy(update={"noi": noi})
        sim = spec.simulation.model_copy(update={"granularity": "layer"})
        return evaluate_full(spec.model_copy(update={"design": design, "simulation": sim}),
                             detail=False).result

    flow, flit = run("flow"), run("flit")
    assert flit.extra["inference_latency_s"]["mean"] == pytest.approx(
        flow.extra["inference_latency_s"]["mean"], rel=0.10)


def test_a_kite_noi_runs_with_escape_vcs_and_matches_the_flow_backend():
    def spec(network):
        return parse_run({
            "workload": {"networks": [{"model": "resnet20", "arrivals": {"batch": 2}}]},
            "design": {"integration": "2.5d", "chiplets": {"rows": 3, "cols": 3},
                       "pes": {"rows": 2, "cols": 2},
                       "noi": {"topology": "kite_medium", "interface": GRS_AT_FLIT_RATE},
                       "noc": {"topology": "mesh"}},
            "simulation": {"engine": "event", "network": network}})

    topo, routing = topology_and_routing(spec("flit"))
    assert uses_escape(routing)
    network = build_network(topo, routing, SimParams())
    assert network.prm[K.P_ESCAPE] == 1 and network.routing is routing
    flow = evaluate_full(spec("flow"), detail=False).result
    flit = evaluate_full(spec("flit"), detail=False).result
    assert flit.extra["event"]["network"] == "flit"
    assert flit.extra["inference_latency_s"]["mean"] == pytest.approx(
        flow.extra["inference_latency_s"]["mean"], rel=0.10)


def test_the_event_loop_reads_the_kernel_arrays_at_their_positions(mesh):
    topo, _routing, net = mesh
    state = State(build_network(topo, None, SimParams()), _closed_traffic(
        np.asarray(topo.compute_nodes), topo.num_nodes))
    ks = state.kernel_arrays()
    for pos, array in ((2, state.glob), (41, state.link_flits), (45, state.msg_dst),
                       (46, state.msg_flits), (48, state.msg_begin), (49, state.msg_sent),
                       (50, state.msg_done), (51, state.mq_head), (52, state.mq_tail),
                       (53, state.mq_next), (54, state.done_list)):
        assert ks[pos] is array
