"""Run the pipeline for one design point: workload -> mapping -> traffic -> network -> Result."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from pimnoc.analysis.sanity import physical_warnings
from pimnoc.config import RunSpec
from pimnoc.engines.analytical import latency as pipeline_latency
from pimnoc.engines.analytical.latency import EdgeTable
from pimnoc.engines.analytical.network import (
    NetworkEstimate,
    edge_part_tables,
    estimate,
    flow_network_energy_j,
    link_bandwidth_bps,
    network_bounds,
    route_flows,
)
from pimnoc.engines.compute.layer import LayerCompute, layer_compute
from pimnoc.engines.flit.pipeline import sim_params
from pimnoc.gc_pause import collector_paused
from pimnoc.hardware.heterogeneous import with_digital
from pimnoc.hardware.interfaces import ChipletInterface
from pimnoc.hardware.leakage import design_leakage_w
from pimnoc.hardware.routing import Routing, make_routing
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech, PeTech
from pimnoc.hardware.topology import DIGITAL, LINK_KINDS, Topology
from pimnoc.mapping.mapper import Mapping, attach_digital
from pimnoc.numeric import weighted_bincount
from pimnoc.registry import Registry, deferred
from pimnoc.result import Result, Rows
from pimnoc.search import map_and_place, start_order
from pimnoc.traffic.flows import Flows, workload_flows
from pimnoc.workload.ir import Workload
from pimnoc.workload.loader import load_network

simulate = deferred("pimnoc.engines.event.run", "simulate")
event_thermal = deferred("pimnoc.analysis.event_thermal", "event_thermal")
thermal_params = deferred("pimnoc.analysis.design_thermal", "ThermalParams.from_spec")
thermal_extras = deferred("pimnoc.analysis.design_thermal", "thermal_extras")
node_power = deferred("pimnoc.analysis.design_thermal", "node_power")
"""The event engine and the thermal model, imported by the first run that uses them."""


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation computed, for reports, plots and other engines."""

    spec: RunSpec
    pe: PeTech
    net: NetworkTech
    topology: Topology
    routing: Routing
    mapping: Mapping
    compute: LayerCompute
    flows: Flows
    network: NetworkEstimate
    result: Result
    execution: Any = None  # the event engine's record (engines/event), if it ran


EngineFn = Callable[[Routing, Flows, NetworkTech, float, Any, RunSpec], NetworkEstimate]
ENGINES: Registry[EngineFn] = Registry("network engine", "simulation.engine")


@ENGINES.register("analytical")
def analytical_engine(routing: Routing, flows: Flows, net: NetworkTech, interval_s: float,
                      routed: Any, spec: RunSpec) -> NetworkEstimate:
    """Closed-form loads, calibrated packet latency and processor-sharing transfers.

    Measured against the event engine over the 15 bundled examples
    (benchmarks/event_vs_analytical.py, docs/execution_model.md): latency (the fitted
    default of engines/analytical/latency.py) -43 % to +171 %, mean |log error| 0.40 where
    fitted and 0.30 held out; throughput (not re-fitted) -99 % (GNNs) to +492 % (designs
    whose PEs hold several layers, which the event engine runs one task at a time);
    dynamic energy equal to rounding.

    Flit-simulator keys in `simulation` (engines/flit SimParams) are accepted but must be
    real ones: a misspelt key is an error here too.
    """
    sim_params(spec.simulation.params())
    return estimate(routing, flows, net, interval_s, routed)


@ENGINES.register("event")
def event_engine(routing: Routing, flows: Flows, net: NetworkTech, interval_s: float,
                 routed: Any, spec: RunSpec) -> NetworkEstimate:
    """Executes the dataflow (engines/event, run by `evaluate_full`); the per-link loads of
    one inference come from the analytical model."""
    return estimate(routing, flows, net, interval_s, routed)


def _freeze(value: Any) -> Any:
    """A hashable copy of nested lists and dicts (for caching by design)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def system_spec(spec: RunSpec, net: NetworkTech, pe: PeTech) -> SystemSpec:
    """The topology builders' view of a design."""
    d = spec.design
    pitch = float(np.sqrt(pe.area_mm2 + net.router_area_mm2))  # square PE tile with router
    chiplets = d.chiplets if d.integration == "2.5d" else None
    return SystemSpec(
        integration=d.integration,
        pe_rows=d.pes.rows, pe_cols=d.pes.cols,
        chiplet_rows=chiplets.rows if chiplets else 1,
        chiplet_cols=chiplets.cols if chiplets else 1,
        tiers=d.tiers, noc=d.noc.topology, noi=d.noi.topology,
        noi_params=_freeze(d.noi.params()), vertical=d.vertical,
        pe_pitch_mm=pitch, chiplet_gap_mm=net.chiplet_gap_mm,
        onchip_cycles_per_mm=net.onchip_cycles_per_mm,
        interposer_cycles_per_mm=net.interposer_cycles_per_mm, boundary=d.noi.boundary,
        ports_per_chiplet=d.noi.ports_per_chiplet if chiplets else 1,
        d2d_latency_cycles=net.d2d_latency_cycles if chiplets else 0,
    )


@lru_cache(maxsize=16)
def _topology_and_routing(system: SystemSpec, routing: str | None,
                          digital: tuple[float, str] | None = None) -> tuple[Topology, Routing]:
    topo = build_system(system)
    if digital is not None:
        topo = with_digital(topo, *digital)
    return topo, make_routing(topo, routing)


def topology_and_routing(spec: RunSpec) -> tuple[Topology, Routing]:
    """Build (or reuse) the topology and routing of a design (with its digital PEs)."""
    pe, net = spec.pe_tech(), spec.network_tech()
    d = spec.design.digital
    digital = (d.fraction, d.placement) if d is not None else None
    return _topology_and_routing(system_spec(spec, net, pe), spec.simulation.routing, digital)


@lru_cache(maxsize=32)
def _workload(model: str, input_hw: int | None, num_classes: int | None,
              seq_len: int | None) -> Workload:
    return load_network(model, input_hw, num_classes, seq_len)


def workloads_of(spec: RunSpec) -> list[Workload]:
    """The networks of a run, built from the zoo or imported."""
    return [_workload(n.model, n.input_hw, n.num_classes, n.seq_len)
            for n in spec.workload.networks]


MAPPING_CACHE_SIZE = 8
"""Mappings (with their flows) kept per process: sweep points that differ only in
parameters the mapping does not depend on (link width, energies, clock) reuse them."""

_mapping_cache: OrderedDict[str, tuple[Mapping, Flows]] = OrderedDict()


def _mapping_key(spec: RunSpec, pe: PeTech, net: NetworkTech) -> str | None:
    """What a mapping and its flows depend on; None where they must not be reused."""
    if spec.mapping.placement == "annealed":  # replays a per-process registered order
        return None
    return json.dumps([repr(system_spec(spec, net, pe)), repr(pe),
                       spec.workload.model_dump(), spec.mapping.model_dump(),
                       spec.design.digital.model_dump() if spec.design.digital else None,
                       spec.thermal.model_dump()], sort_keys=True, default=str)


def mapped_flows(spec: RunSpec, topo: Topology, pe: PeTech,
                 net: NetworkTech) -> tuple[Mapping, Flows]:
    """Partition, place and derive the flows of a design (reused across equal mappings)."""
    key = _mapping_key(spec, pe, net)
    if key is not None and key in _mapping_cache:
        _mapping_cache.move_to_end(key)
        return _mapping_cache[key]
    m = spec.mapping
    mapping = map_and_place(workloads_of(spec), topo, pe, m.placement, m.replication, m.seed,
                            {"thermal_weight": m.thermal_weight, "thermal": spec.thermal.params()})
    mapping = attach_digital(mapping, start_order(topo, m.placement, m.seed), spec.digital_tech())
    value = (mapping, workload_flows(mapping))
    if key is not None:
        _mapping_cache[key] = value
        while len(_mapping_cache) > MAPPING_CACHE_SIZE:
            _mapping_cache.popitem(last=False)
    return value


def critical_path(mapping: Mapping, compute_s: np.ndarray,
                  comm: dict[tuple[int, int], float] | EdgeTable,
                  levels=None) -> np.ndarray:
    """Finish time of each layer: its inputs' finish plus communication, then its compute."""
    return pipeline_latency.sequential(mapping.preds, compute_s, comm, levels)


def _summed(parts: dict | EdgeTable) -> dict | EdgeTable:
    """Each edge's head plus transfer."""
    if isinstance(parts, EdgeTable):
        return parts.summed()
    return {edge: head + transfer for edge, (head, transfer) in parts.items()}


def latency_without_network(evaluation: Evaluation) -> float:
    """Latency the design would have with free communication (same latency model)."""
    mapping, compute_s = evaluation.mapping, evaluation.compute.time_s
    finish = layer_finish(evaluation.spec.simulation.layer_overlap, mapping, compute_s, {}, {})
    return float(finish.max(initial=0.0))


def layer_finish(overlap: bool | str, mapping: Mapping, compute_s: np.ndarray,
                 parts: dict | EdgeTable, alone_parts: dict | EdgeTable) -> np.ndarray:
    """Finish time of each layer of one inference under `simulation.layer_overlap`.

    `parts` are the (head, transfer) of each edge sharing its channels with the pipeline's
    other traffic, `alone_parts` those of the inference alone (the fitted model's); dicts
    by (producer, consumer) or tables (`edge_part_tables`)."""
    levels = pipeline_latency.levels_of(mapping.preds)
    if overlap == "fitted":
        return pipeline_latency.fitted(
            critical_path(mapping, compute_s, _summed(alone_parts), levels),
            pipeline_latency.overlapped(mapping.layers, mapping.preds, compute_s,
                                        compute_steps(mapping), alone_parts, levels))
    if overlap:
        return pipeline_latency.overlapped(mapping.layers, mapping.preds, compute_s,
                                           compute_steps(mapping), parts, levels)
    return critical_path(mapping, compute_s, _summed(parts), levels)


def compute_steps(mapping: Mapping) -> np.ndarray:
    """Sequential steps of each layer: MVM rounds of weighted layers, output rows otherwise."""
    positions = np.array([layer.positions for layer in mapping.layers])
    rows = np.array([layer.out_hw[0] for layer in mapping.layers])
    reps = np.maximum(mapping.replication, 1)
    return np.where(mapping.replication > 0, -(-positions // reps), rows)


def _area(topo: Topology, pe: PeTech, net: NetworkTech, iface: ChipletInterface,
          digital=None) -> dict[str, float]:
    n_digital = int(np.count_nonzero(topo.node_kind == DIGITAL))
    n_pe = int(topo.compute_nodes.size) - n_digital
    ports = topo.router_ports
    router_area = net.router_area_mm2 * ports / net.router_reference_ports  # assumption: linear
    # one interface module at each end of an interposer link and at each chiplet port
    phy_ends = int(np.count_nonzero(topo.link_kind == LINK_KINDS.index("interposer"))) + \
        int(np.count_nonzero(topo.link_kind == LINK_KINDS.index("ubump")) // 2)
    # vertical links: one via per bit and direction, each a pitch x pitch square (CACTI-3DD)
    vias_um2 = sum(int(np.count_nonzero(topo.link_kind == LINK_KINDS.index(kind))) * pitch**2
                   for kind, pitch in (("tsv", net.tsv_pitch_um), ("miv", net.miv_pitch_um)))
    return {
        "pes": n_pe * pe.area_mm2,
        "routers": float(router_area.sum()),
        "link_phys": phy_ends * iface.area_mm2,
        **({"vertical_vias": vias_um2 * net.flit_bits * 1e-6} if vias_um2 else {}),
        **({"digital_pes": n_digital * digital.area_mm2} if digital is not None else {}),
    }


def evaluate_full(spec: RunSpec, detail: bool = True,
                  progress: Callable[[str], None] | None = None) -> Evaluation:
    """Evaluate one design point and keep every intermediate stage.

    Without `detail` the Result's per-layer and per-link lists stay empty (sweeps);
    `progress(stage)` is told each stage as it starts.
    """
    with collector_paused():
        return _evaluate_full(spec, detail, progress)


def _evaluate_full(spec: RunSpec, detail: bool,
                   progress: Callable[[str], None] | None) -> Evaluation:
    """`evaluate_full`'s stages (run with the cyclic garbage collector paused)."""
    stage = progress or (lambda _name: None)
    started = time.perf_counter()
    if spec.thermal.enabled:
        thermal_params(spec.thermal.params())  # bad thermal keys fail before the work
    pe, net = spec.pe_tech(), spec.network_tech()
    stage("building the topology and its routing")
    topo, routing = topology_and_routing(spec)
    stage("mapping the workload and its traffic")
    mapping, flows = mapped_flows(spec, topo, pe, net)
    stage("computing the layers")
    compute = layer_compute(mapping, net)
    stage("routing the flows")
    routed = route_flows(routing, flows, net)
    compute_interval = max(float(compute.time_s.max(initial=0.0)), compute.busiest_node_s)
    network_s, chiplet_io_s = network_bounds(topo, routed, flows, net)
    net_interval = max(network_s, chiplet_io_s)
    offered = 1.0 / spec.simulation.rate_ips if spec.simulation.rate_ips else 0.0
    interval = max(compute_interval, net_interval, offered)
    engine = ENGINES.get(spec.simulation.engine)
    stage(f"network engine: {spec.simulation.engine}")
    network = engine(routing, flows, net, interval, routed, spec)
    interval = max(interval, network.network_interval_s)
    stage("latency along the dataflow")
    overlap = spec.simulation.layer_overlap
    # the fitted overlap model also takes each edge alone (no interval): one grouping for both
    parts, *alone_at = edge_part_tables(flows, network.routed, network.flow_latency_s, net,
                                        mapping.num_layers,
                                        (interval, None) if overlap == "fitted"
                                        else (interval,), link_bandwidth_bps(topo, net))
    alone = alone_at[0] if alone_at else {}
    comm = parts.summed()
    finish = layer_finish(overlap, mapping, compute.time_s, parts, alone)
    bounds = {"compute_s": compute_interval, "network_s": network_s,
              "chiplet_io_s": chiplet_io_s}
    stage("assembling the result")
    result = _assemble(spec, pe, net, topo, mapping, compute, flows, network, routing, finish,
                       comm, interval, bounds, started, detail)
    execution = None
    if spec.simulation.engine == "event":
        result, execution = simulate(spec, mapping, compute, routing, net, result)
    if offered:
        sustained = max(compute_interval, net_interval, network.network_interval_s)
        rate = {"offered_ips": spec.simulation.rate_ips, "max_ips": 1.0 / sustained,
                "met": offered >= sustained * (1 - 1e-12)}
        result = replace(result, extra={**result.extra, "rate": rate},
                         bottleneck="rate" if rate["met"] and offered > sustained
                         else result.bottleneck)
    evaluation = Evaluation(spec, pe, net, topo, routing, mapping, compute, flows, network,
                            result, execution)
    if spec.thermal.enabled:
        stage("thermal and accuracy")
        extra = {**result.extra, **thermal_extras(evaluation)}
        if execution is not None:
            params = thermal_params(spec.thermal.params())
            extra["thermal_transient"] = event_thermal(evaluation, params,
                                                       node_power(evaluation))
        result = replace(result, extra=extra, wall_s=time.perf_counter() - started)
        evaluation = replace(evaluation, result=result)
    warnings = physical_warnings(result)
    if warnings:
        result = replace(result, extra={**result.extra, "warnings": warnings})
        evaluation = replace(evaluation, result=result)
    return evaluation


def evaluate(spec: RunSpec, detail: bool = True) -> Result:
    """Evaluate one design point (`detail=False`: no per-layer and per-link lists)."""
    return evaluate_full(spec, detail).result


def layer_places(mapping) -> list[tuple[str, np.ndarray]]:
    """Where each layer runs, and on which nodes.

    `crossbars` (its weights' PEs, `replication` copies), `digital PEs` (its hosts), or
    `with input` (an operator without weights runs where its first input is produced).
    """
    digital = mapping.digital
    crossbars, preds = mapping.layer_node_crossbars, mapping.preds
    places: list[tuple[str, np.ndarray]] = []
    add = places.append
    for i, weighted in enumerate(mapping.weighted.tolist()):
        if weighted:
            add(("crossbars", crossbars[i][0]))
        elif digital is not None and digital.placed(i):
            add(("digital PEs", np.asarray(digital.hosts[i])))
        elif preds[i]:
            add(("with input", places[preds[i][0]][1]))
        else:
            add(("with input", np.zeros(0, dtype=np.int64)))
    return places


def _per_layer(mapping, compute, comm_in, finish, layer_net_energy, layer_bits) -> Rows:
    """One row of figures per layer (columns gathered as arrays, rows made once)."""
    places = layer_places(mapping)
    keys = ("network", "name", "op", "macs", "crossbars", "replication", "runs_on", "pes",
            "compute_s", "comm_in_s", "finish_s", "compute_energy_j", "network_energy_j",
            "bits_in")
    columns = (
        np.asarray(mapping.network_of, dtype=np.int64), [layer.name for layer in mapping.layers],
        [layer.op for layer in mapping.layers], [layer.macs for layer in mapping.layers],
        np.asarray(mapping.xbar_count, dtype=np.int64),
        np.asarray(mapping.replication, dtype=np.int64),
        [runs_on for runs_on, _nodes in places],
        np.array([nodes.size for _on, nodes in places], dtype=np.int64),
        np.asarray(compute.time_s, dtype=np.float64), np.asarray(comm_in, dtype=np.float64),
        np.asarray(finish, dtype=np.float64), np.asarray(compute.energy_j, dtype=np.float64),
        np.asarray(layer_net_energy, dtype=np.float64),
        np.asarray(layer_bits, dtype=np.float64))
    return Rows(dict(zip(keys, columns, strict=True)))


def _link_rows(topo: Topology, loads: np.ndarray, util: np.ndarray, rows: np.ndarray) -> Rows:
    """The figures of each of the directed links `rows`, as columns."""
    kinds = np.asarray(LINK_KINDS, dtype=object)[topo.link_kind[rows]].tolist()
    return Rows({"src": topo.link_src[rows], "dst": topo.link_dst[rows], "kind": kinds,
                 "length_mm": topo.link_length_mm[rows].astype(np.float64),
                 "load_bits": loads[rows].astype(np.float64),
                 "utilisation": util[rows].astype(np.float64)})


def chiplet_io_bps(spec: RunSpec, topo: Topology, net: NetworkTech) -> list[float]:
    """Bandwidth out of (and into) each chiplet: its ports times one interface module."""
    if topo.meta.get("integration") != "2.5d":
        return []
    ports = np.asarray(topo.meta["boundary_ports"])
    return [float(ports.shape[1] * net.chiplet_link_bps)] * int(ports.shape[0])


def bottleneck_of(bounds: dict[str, float], interval: float) -> str:
    """The bound that sets the interval: compute, network or chiplet_io (ties: that order)."""
    for name in ("compute", "network", "chiplet_io"):
        if bounds[f"{name}_s"] >= interval * (1 - 1e-12):
            return name
    return "network"  # the engine's measured interval exceeds every closed-form bound


def _assemble(spec, pe, net, topo, mapping, compute, flows, network, routing, finish, comm,
              interval, bounds, started, detail: bool = True) -> Result:
    digital = mapping.digital.tech if mapping.digital is not None else None
    leakage_w = float(design_leakage_w(topo, pe, net, mapping, flows, network.routed,
                                       spec.design.power_gating).sum())
    energy = {
        "compute": float(compute.energy_j.sum()),
        "router": network.router_energy_j,
        "link": network.link_energy_j,
        "leakage": float(leakage_w * interval),
    }
    energy["total"] = sum(energy.values())
    network_of = np.asarray(mapping.network_of, dtype=np.int64)
    networks = len(mapping.workloads)
    net_latency = np.full(networks, -np.inf)  # the slowest layer's finish, per network
    np.maximum.at(net_latency, network_of, finish)
    latency = float(net_latency.max())
    area = _area(topo, pe, net, spec.chiplet_interface(), digital)
    flow_energy = flow_network_energy_j(routing, flows, network.routed, net)
    consumer = flows.consumer[network.routed.flow_index]
    layer_net_energy = weighted_bincount(consumer, weights=flow_energy,
                                         minlength=mapping.num_layers)
    layer_bits = weighted_bincount(consumer, weights=flows.bits[network.routed.flow_index],
                                   minlength=mapping.num_layers)
    comm_in = np.zeros(mapping.num_layers)
    if isinstance(comm, EdgeTable):  # the slowest input of each layer (maxima: any order)
        np.maximum.at(comm_in, comm.code % comm.width, comm.values)
    else:
        for (_u, v), t in comm.items():
            comm_in[v] = max(comm_in[v], t)
    per_layer = (_per_layer(mapping, compute, comm_in, finish, layer_net_energy, layer_bits)
                 if detail else [])
    util = network.link_utilisation
    loads = network.routed.link_load_bits
    rows = np.arange(topo.num_directed_links) if detail else np.array([np.argmax(util)])
    per_link = _link_rows(topo, loads, util, rows) if util.size else []
    busiest = (per_link[int(np.argmax(util))] if detail else per_link[0]) if per_link else {}
    per_link = per_link if detail else []
    layers = np.bincount(network_of, minlength=networks)
    crossbars = np.zeros(networks, dtype=np.int64)  # integer sums: exact in any order
    np.add.at(crossbars, network_of, np.asarray(mapping.xbar_count, dtype=np.int64))
    slowest = np.full(networks, -np.inf)
    np.maximum.at(slowest, network_of, compute.time_s)
    per_network = [{
        "name": w.name, "layers": int(layers[k]), "pes": int(mapping.network_slots[k]),
        "crossbars": int(crossbars[k]), "latency_s": float(net_latency[k]),
        "slowest_stage_s": float(slowest[k]),
    } for k, w in enumerate(mapping.workloads)]
    summary = topo.summary()
    bottleneck = bottleneck_of(bounds, interval)
    iface = spec.chiplet_interface()
    io_extra = {"chiplet_io_bps": chiplet_io_bps(spec, topo, net), "bounds": bounds,
                **({"chiplet_interface": {"name": iface.name, "source": iface.source,
                                          "module_bps": net.chiplet_link_bps,
                                          "ports_per_chiplet": spec.design.noi.ports_per_chiplet}}
                   if topo.meta.get("integration") == "2.5d" else {})}
    return Result(
        latency_s=latency, throughput_ips=1.0 / interval if interval > 0 else float("inf"),
        interval_s=interval, bottleneck=bottleneck, energy_j=energy,
        compute_energy_j={k: float(v.sum()) for k, v in compute.energy_by_part.items()},
        edp_js=energy["total"] * latency, area_mm2=float(sum(area.values())),
        area_breakdown_mm2=area, links=summary["links"],
        wire_length_mm=summary["wire_length_mm"], router_ports=summary["router_ports"],
        pes_used=mapping.pes_used, crossbars_used=int(mapping.xbar_count.sum()),
        busiest_link=busiest, per_network=per_network, per_layer=per_layer,
        per_link=per_link, topology=json.loads(json.dumps(summary)),
        wall_s=time.perf_counter() - started, extra={**io_extra, **network.info},
    )
