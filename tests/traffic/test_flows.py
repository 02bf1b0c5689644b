"""Traffic and the analytical model: conservation and load properties (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pimnoc.engines.analytical.network import estimate, route_flows
from pimnoc.errors import CapacityError
from pimnoc.hardware.routing import make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech, PeTech
from pimnoc.mapping.mapper import map_workloads
from pimnoc.traffic import flows as traffic_flows
from pimnoc.traffic.flows import ACTIVATION, layer_pieces, workload_flows
from pimnoc.workload.builder import GraphBuilder


@st.composite
def small_networks(draw):
    """A random small CNN with a residual add, a concat and a classifier."""
    hw = draw(st.sampled_from([8, 12, 16]))
    g = GraphBuilder("rand", draw(st.integers(1, 8)), (hw, hw))
    c1 = draw(st.integers(4, 96))
    a = g.conv("c1", "input", c1, draw(st.sampled_from([1, 3])), padding=1 if hw else 0)
    b = g.conv("c2", a, c1, 3, padding=1)
    s = g.add("add", a, b)
    c = g.conv("c3", s, draw(st.integers(4, 64)), 1)
    cat = g.concat("cat", s, c)
    if draw(st.booleans()):  # a concatenation of a concatenation
        cat = g.concat("cat2", cat, a)
    p = g.pool("pool", cat, 2, 2)
    g.linear("fc", p, draw(st.integers(2, 40)))
    return g.build()


def _setup(workload, rows, cols, xbar, per_pe, placement):
    topo = build_system(SystemSpec("2d", pe_rows=rows, pe_cols=cols))
    pe = PeTech(crossbars=per_pe, crossbar_rows=xbar, crossbar_cols=xbar)
    try:
        mapping = map_workloads([workload], topo, pe, placement)
    except CapacityError:
        assume(False)
    return topo, pe, mapping


settings_small = settings(max_examples=25, deadline=None)
setups = st.tuples(st.integers(2, 5), st.integers(2, 5), st.sampled_from([32, 64, 128]),
                   st.integers(8, 64), st.sampled_from(["row_major", "snake", "random"]))


@settings_small
@given(small_networks(), setups)
def test_output_pieces_tile_each_tensor_exactly_once(workload, setup):
    _topo, _pe, mapping = _setup(workload, *setup)
    outputs, _needs = layer_pieces(mapping)
    for pieces in outputs:
        assert np.isclose(pieces.area.sum(), 1.0)
        assert np.all(pieces.p0 >= 0) and np.all(pieces.p1 <= 1 + 1e-12)
        assert np.all(pieces.c0 >= 0) and np.all(pieces.c1 <= 1 + 1e-12)


@settings_small
@given(small_networks(), setups)
def test_bits_are_conserved_from_edges_to_flows(workload, setup):
    _topo, pe, mapping = _setup(workload, *setup)
    flows = workload_flows(mapping)
    _outputs, needs = layer_pieces(mapping)
    for v, preds in enumerate(mapping.preds):
        if needs[v] is None:
            continue
        for u in preds:
            tensor_bits = mapping.layers[u].output_elements * pe.act_bits
            mask = (flows.producer == u) & (flows.consumer == v) & (flows.kind == ACTIVATION)
            expected = tensor_bits * needs[v].area.sum()
            assert np.isclose(flows.bits[mask].sum(), expected, rtol=1e-9)
            # every consumer needs at least the whole tensor once
            assert flows.bits[mask].sum() >= tensor_bits * (1 - 1e-9)


@settings_small
@given(small_networks(), setups)
def test_link_load_is_the_sum_of_flows_routed_over_it(workload, setup):
    topo, _pe, mapping = _setup(workload, *setup)
    routing = make_routing(topo)
    flows = workload_flows(mapping)
    routed = route_flows(routing, flows, NetworkTech())
    table = routing.table()
    expected = np.zeros(topo.num_directed_links)
    for s, d, b in zip(flows.src, flows.dst, flows.bits, strict=True):
        node = s
        while node != d:
            link = table[node, d]
            expected[link] += b
            node = topo.link_dst[link]
    assert np.allclose(routed.link_load_bits, expected)


@settings_small
@given(small_networks(), setups, st.floats(1e-7, 1e-3))
def test_latency_at_least_zero_load_and_energy_non_negative(workload, setup, interval):
    topo, _pe, mapping = _setup(workload, *setup)
    net = NetworkTech()
    flows = workload_flows(mapping)
    est = estimate(make_routing(topo), flows, net, interval)
    zero_load = est.routed.zero_load_cycles * net.cycle_s
    assert np.all(est.flow_latency_s >= zero_load - 1e-18)
    assert est.router_energy_j >= 0 and est.link_energy_j >= 0
    assert np.all((est.link_utilisation >= 0) & (est.link_utilisation <= 1))


def _same_pieces(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) and
               getattr(a, f).dtype == getattr(b, f).dtype
               for f in ("node", "p0", "p1", "c0", "c1"))


@settings_small
@given(small_networks(), setups)
def test_all_layers_at_once_match_layer_by_layer(workload, setup):
    """One-pass runs and pieces of every weighted layer equal the per-layer ones, bit for bit."""
    from pimnoc.traffic.flows import (
        layer_segments,
        weighted_needs,
        weighted_outputs,
        weighted_pieces,
        weighted_runs,
        weighted_segments,
    )

    _topo, _pe, mapping = _setup(workload, *setup)
    batched = weighted_segments(mapping)
    outputs, needs = weighted_pieces(mapping, weighted_runs(mapping))
    for i, layer in enumerate(mapping.layers):
        if not layer.weighted:
            continue
        alone = layer_segments(mapping, i)
        for f in ("node", "replica", "col_tile", "row_lo", "row_hi"):
            assert np.array_equal(getattr(batched[i], f), getattr(alone, f))
        assert _same_pieces(outputs[i], weighted_outputs(mapping, i, alone))
        assert _same_pieces(needs[i], weighted_needs(mapping, i, alone))


@settings_small
@given(small_networks(), setups)
def test_edges_overlapped_together_match_one_by_one(workload, setup):
    """Batched overlaps of every edge equal each edge's own, bit for bit and in order."""
    from pimnoc.traffic.flows import _overlap_flows, _overlap_many

    _topo, pe, mapping = _setup(workload, *setup)
    outputs, needs = layer_pieces(mapping)
    edges = [(outputs[u], needs[v], float(mapping.layers[u].output_elements * pe.act_bits))
             for v, preds in enumerate(mapping.preds) if needs[v] is not None for u in preds]
    src, dst, bits, keys, edge = _overlap_many(edges)
    for i, one in enumerate(edges):
        alone = _overlap_flows(*one)
        for batched, single in zip((src, dst, bits, keys), alone, strict=True):
            assert np.array_equal(batched[edge == i], single)


def _table_and_pieces_flows(mapping):
    """(flows from the layer table, flows from per-layer Pieces), their columns checked equal
    bit for bit and in order."""
    fast = traffic_flows.workload_flows(mapping)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(traffic_flows, "_by_index", lambda _mapping: False)
        slow = traffic_flows.workload_flows(mapping)
    for name in ("src", "dst", "bits", "producer", "consumer", "kind"):
        assert _same_columns(getattr(fast, name), getattr(slow, name)), name
    return fast, slow


@settings_small
@given(small_networks(), setups)
def test_table_path_matches_the_pieces_path(workload, setup):
    """Flows from the layer table equal those from per-layer Pieces, bit for bit and in order."""
    _topo, _pe, mapping = _setup(workload, *setup)
    assert traffic_flows._by_index(mapping)
    fast, slow = _table_and_pieces_flows(mapping)
    pairs = np.unique(np.column_stack([fast.group, slow.group]), axis=0).shape[0]
    assert pairs == np.unique(fast.group).size == np.unique(slow.group).size


@settings_small
@given(small_networks(), small_networks(), st.sampled_from(["row_major", "snake", "random"]))
def test_table_path_matches_the_pieces_path_over_several_networks(first, second, placement):
    """Copies of networks side by side: the vectorised layer table gives the per-layer flows."""
    topo = build_system(SystemSpec("2d", pe_rows=8, pe_cols=8))
    pe = PeTech(crossbars=16, crossbar_rows=64, crossbar_cols=64)
    try:
        mapping = map_workloads([first, second, first, second, first], topo, pe, placement)
    except CapacityError:
        assume(False)
    _table_and_pieces_flows(mapping)


def _same_columns(a, b) -> bool:
    return a.dtype == b.dtype and np.array_equal(a, b)


@settings_small
@given(small_networks(), small_networks(), st.sampled_from(["row_major", "snake", "random"]),
       st.sampled_from([8, 16, 24]), st.lists(st.integers(0, 1), min_size=1, max_size=6))
def test_streams_worked_out_once_equal_the_runs_of_every_network(first, second, placement,
                                                                 per_pe, which):
    """`weighted_tables` (each distinct stream once, laid over its copies) equals the pieces
    and partial sums of every network's own runs, bit for bit and in order."""
    from pimnoc.traffic.flows import (
        all_partial_sum_flows,
        weighted_pieces_flat,
        weighted_runs,
        weighted_tables,
    )

    topo = build_system(SystemSpec("2d", pe_rows=8, pe_cols=8))
    pe = PeTech(crossbars=per_pe, crossbar_rows=64, crossbar_cols=64)
    try:
        mapping = map_workloads([(first, second)[k] for k in which], topo, pe, placement)
    except CapacityError:
        assume(False)
    fast = weighted_tables(mapping)
    runs = weighted_runs(mapping)
    outputs, out_bounds, needs, need_bounds = weighted_pieces_flat(mapping, runs)
    for name in ("node", "p0", "p1", "c0", "c1"):
        assert _same_columns(getattr(fast.outputs, name), getattr(outputs, name))
        assert _same_columns(getattr(fast.needs, name), getattr(needs, name))
    assert np.array_equal(fast.out_bounds, out_bounds)
    assert np.array_equal(fast.need_bounds, need_bounds)
    for a, b in zip(fast.partial_sums, all_partial_sum_flows(mapping, runs), strict=True):
        assert _same_columns(a, b)


def test_streams_worked_out_once_with_grouped_convolutions():
    """Depthwise (grouped) layers' needs are per run: laid over copies as well."""
    from pimnoc.traffic.flows import (
        all_partial_sum_flows,
        weighted_pieces_flat,
        weighted_runs,
        weighted_tables,
    )
    from pimnoc.workload.loader import load_network

    mobile, resnet = (load_network(m, 32, None, None) for m in ("mobilenet_v2", "resnet18"))
    topo = build_system(SystemSpec("2.5d", pe_rows=4, pe_cols=4, chiplet_rows=8,
                                   chiplet_cols=8))
    mapping = map_workloads([mobile, resnet, mobile, mobile], topo, PeTech(), "hilbert")
    assert (mapping.arrays.groups[mapping.weighted] > 1).any()
    fast = weighted_tables(mapping)
    runs = weighted_runs(mapping)
    outputs, out_bounds, needs, need_bounds = weighted_pieces_flat(mapping, runs)
    for name in ("node", "p0", "p1", "c0", "c1"):
        assert _same_columns(getattr(fast.outputs, name), getattr(outputs, name))
        assert _same_columns(getattr(fast.needs, name), getattr(needs, name))
    assert np.array_equal(fast.need_bounds, need_bounds)
    for a, b in zip(fast.partial_sums, all_partial_sum_flows(mapping, runs), strict=True):
        assert _same_columns(a, b)


def test_groups_are_numbered_when_first_read_and_kept():
    """`Flows.group` from data keys: numbered on the first read, as `data_groups` numbers
    the keys, then kept; an explicit group or none (every flow its own) as before."""
    from dataclasses import replace

    from pimnoc.traffic.flows import DataKeys, Flows, data_groups

    keys = np.array([[3, 1, 0, 0, 5, 5], [3, 1, 0, 0, 5, 5], [2, 1, 0, 0, 5, 5]])
    order = np.array([3, 0, 2, 1])
    column = np.arange(4)
    flows = Flows(column, column, np.ones(4), column, column, column, DataKeys(keys, order))
    assert isinstance(flows.__dict__["_group"], DataKeys)  # not numbered yet
    expected = np.concatenate([data_groups(keys), [3]])[order]
    assert np.array_equal(flows.group, expected) and flows.group is flows.group
    assert np.array_equal(replace(flows, bits=np.zeros(4)).group, expected)
    assert Flows(column, column, np.ones(4), column, column, column).group.tolist() == [0, 1, 2, 3]
    given = np.array([1, 1, 0, 0])
    assert Flows(column, column, np.ones(4), column, column, column, given).group is given
