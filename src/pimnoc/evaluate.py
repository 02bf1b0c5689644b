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

from pimnoc import pipeline_latency
from pimnoc.config import RunSpec
from pimnoc.errors import ConfigError
from pimnoc.mapping.digital import attach_digital
from pimnoc.mapping.mapper import Mapping, map_workloads
from pimnoc.network.analytical import (
    NetworkEstimate,
    edge_parts,
    estimate,
    flow_network_energy_j,
    network_interval,
    route_flows,
)
from pimnoc.network.heterogeneous import with_digital
from pimnoc.network.routing import Routing, make_routing
from pimnoc.network.system import SystemSpec, build_system
from pimnoc.network.topology import DIGITAL, LINK_KINDS, Topology
from pimnoc.network.traffic import Flows, workload_flows
from pimnoc.pim.compute import LayerCompute, layer_compute
from pimnoc.pim.tech import NetworkTech, PeTech
from pimnoc.registry import Registry
from pimnoc.result import Result
from pimnoc.workload.ir import Workload
from pimnoc.workload.loader import load_network


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

    Cycle-engine keys in `simulation` are accepted (to switch engines by one word) but
    must be real ones: a misspelt key is an error here too.
    """
    from pimnoc.network.cycle.pipeline import sim_params

    sim_params(spec.simulation.params())
    return estimate(routing, flows, net, interval_s, routed)


@ENGINES.register("cycle")
def cycle_engine(routing: Routing, flows: Flows, net: NetworkTech, interval_s: float,
                 routed: Any, spec: RunSpec) -> NetworkEstimate:
    """The flit-level simulator (network/cycle) on the mapped workload's flows."""
    from pimnoc.network.cycle.pipeline import cycle_estimate

    if net.multicast:
        raise ConfigError("design.network.multicast: the cycle engine simulates unicast "
                          "packets only; set simulation.engine: analytical, or multicast: "
                          "false")
    return cycle_estimate(routing, flows, net, interval_s, routed, spec.simulation.params())


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
def _workload(model: str, input_hw: int, num_classes: int | None,
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
    mapping = map_workloads(workloads_of(spec), topo, pe, spec.mapping.placement,
                            spec.mapping.replication, spec.mapping.seed,
                            {"thermal_weight": spec.mapping.thermal_weight,
                             "thermal": spec.thermal.params()})
    mapping = attach_digital(mapping, spec.mapping.placement, spec.mapping.seed,
                             spec.digital_tech())
    value = (mapping, workload_flows(mapping))
    if key is not None:
        _mapping_cache[key] = value
        while len(_mapping_cache) > MAPPING_CACHE_SIZE:
            _mapping_cache.popitem(last=False)
    return value


def critical_path(mapping: Mapping, compute_s: np.ndarray,
                  comm: dict[tuple[int, int], float]) -> np.ndarray:
    """Finish time of each layer: its inputs' finish plus communication, then its compute."""
    return pipeline_latency.sequential(mapping.preds, compute_s, comm)


def latency_without_network(evaluation: Evaluation) -> float:
    """Latency the design would have with free communication (same latency model)."""
    mapping, compute_s = evaluation.mapping, evaluation.compute.time_s
    if evaluation.spec.simulation.layer_overlap:
        finish = pipeline_latency.overlapped(mapping.layers, mapping.preds, compute_s,
                                             compute_steps(mapping), {})
    else:
        finish = critical_path(mapping, compute_s, {})
    return float(finish.max(initial=0.0))


def compute_steps(mapping: Mapping) -> np.ndarray:
    """Sequential steps of each layer: MVM rounds of weighted layers, output rows otherwise."""
    positions = np.array([layer.positions for layer in mapping.layers])
    rows = np.array([layer.out_hw[0] for layer in mapping.layers])
    reps = np.maximum(mapping.replication, 1)
    return np.where(mapping.replication > 0, -(-positions // reps), rows)


def _area(topo: Topology, pe: PeTech, net: NetworkTech, digital=None) -> dict[str, float]:
    n_digital = int(np.count_nonzero(topo.node_kind == DIGITAL))
    n_pe = int(topo.compute_nodes.size) - n_digital
    ports = topo.router_ports
    router_area = net.router_area_mm2 * ports / net.router_reference_ports  # assumption: linear
    phy_ends = int(np.count_nonzero(topo.link_kind == LINK_KINDS.index("interposer")))
    # vertical links: one via per bit and direction, each a pitch x pitch square (CACTI-3DD)
    vias_um2 = sum(int(np.count_nonzero(topo.link_kind == LINK_KINDS.index(kind))) * pitch**2
                   for kind, pitch in (("tsv", net.tsv_pitch_um), ("miv", net.miv_pitch_um)))
    return {
        "pes": n_pe * pe.area_mm2,
        "routers": float(router_area.sum()),
        "link_phys": phy_ends * net.flit_bits * net.phy_area_um2_per_lane * 1e-6,
        **({"vertical_vias": vias_um2 * net.flit_bits * 1e-6} if vias_um2 else {}),
        **({"digital_pes": n_digital * digital.area_mm2} if digital is not None else {}),
    }


def evaluate_full(spec: RunSpec, detail: bool = True) -> Evaluation:
    """Evaluate one design point and keep every intermediate stage.

    Without `detail` the Result's per-layer and per-link lists stay empty (sweeps).
    """
    started = time.perf_counter()
    if spec.thermal.enabled:
        from pimnoc.thermal_analysis import ThermalParams

        ThermalParams.from_spec(spec.thermal.params())  # bad thermal keys fail before the work
    pe, net = spec.pe_tech(), spec.network_tech()
    topo, routing = topology_and_routing(spec)
    mapping, flows = mapped_flows(spec, topo, pe, net)
    compute = layer_compute(mapping, net)
    routed = route_flows(routing, flows, net)
    compute_interval = max(float(compute.time_s.max(initial=0.0)), compute.busiest_node_s)
    net_interval = network_interval(topo, routed, flows, net)
    offered = 1.0 / spec.simulation.rate_ips if spec.simulation.rate_ips else 0.0
    interval = max(compute_interval, net_interval, offered)
    engine = ENGINES.get(spec.simulation.engine)
    network = engine(routing, flows, net, interval, routed, spec)
    interval = max(interval, network.network_interval_s)
    parts = edge_parts(flows, network.routed, network.flow_latency_s, net,
                       mapping.num_layers, interval)
    comm = {edge: head + transfer for edge, (head, transfer) in parts.items()}
    if spec.simulation.layer_overlap:
        finish = pipeline_latency.overlapped(mapping.layers, mapping.preds, compute.time_s,
                                             compute_steps(mapping), parts)
    else:
        finish = critical_path(mapping, compute.time_s, comm)
    result = _assemble(spec, pe, net, topo, mapping, compute, flows, network, routing, finish,
                       comm, interval, compute_interval, started, detail)
    execution = None
    if spec.simulation.engine == "event":
        from pimnoc.engines.event.run import simulate

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
        from pimnoc.thermal_analysis import thermal_extras

        extra = {**result.extra, **thermal_extras(evaluation)}
        result = replace(result, extra=extra, wall_s=time.perf_counter() - started)
        evaluation = replace(evaluation, result=result)
    return evaluation


def evaluate(spec: RunSpec, detail: bool = True) -> Result:
    """Evaluate one design point (`detail=False`: no per-layer and per-link lists)."""
    return evaluate_full(spec, detail).result


def _per_layer(mapping, compute, comm_in, finish, layer_net_energy,
               layer_bits) -> list[dict[str, Any]]:
    """One row of figures per layer."""
    rows = []
    for i, layer in enumerate(mapping.layers):
        nodes, _counts = mapping.layer_node_crossbars[i]
        rows.append({
            "network": int(mapping.network_of[i]), "name": layer.name, "op": layer.op,
            "macs": layer.macs, "crossbars": int(mapping.xbar_count[i]),
            "replication": int(mapping.replication[i]), "pes": int(nodes.size),
            "compute_s": float(compute.time_s[i]), "comm_in_s": float(comm_in[i]),
            "finish_s": float(finish[i]), "compute_energy_j": float(compute.energy_j[i]),
            "network_energy_j": float(layer_net_energy[i]), "bits_in": float(layer_bits[i]),
        })
    return rows


def _link_rows(topo: Topology, loads: np.ndarray, util: np.ndarray,
               rows: np.ndarray) -> list[dict[str, Any]]:
    """One row of figures for each of the directed links `rows`."""
    kinds = [LINK_KINDS[k] for k in topo.link_kind[rows].tolist()]
    columns = (topo.link_src[rows].tolist(), topo.link_dst[rows].tolist(), kinds,
               topo.link_length_mm[rows].tolist(), loads[rows].tolist(), util[rows].tolist())
    keys = ("src", "dst", "kind", "length_mm", "load_bits", "utilisation")
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _assemble(spec, pe, net, topo, mapping, compute, flows, network, routing, finish, comm,
              interval, compute_interval, started, detail: bool = True) -> Result:
    n_routers = topo.num_nodes
    digital = mapping.digital.tech if mapping.digital is not None else None
    n_digital = int(np.count_nonzero(topo.node_kind == DIGITAL))
    leakage_w = topo.compute_nodes.size * pe.leakage_mw * 1e-3 + n_routers * \
        net.router_leakage_mw * 1e-3
    if digital is not None:
        leakage_w += n_digital * (digital.leakage_mw - pe.leakage_mw) * 1e-3
    energy = {
        "compute": float(compute.energy_j.sum()),
        "router": network.router_energy_j,
        "link": network.link_energy_j,
        "leakage": float(leakage_w * interval),
    }
    energy["total"] = sum(energy.values())
    latency = float(max(finish[np.asarray(mapping.network_of) == k].max()
                        for k in range(len(mapping.workloads))))
    area = _area(topo, pe, net, digital)
    flow_energy = flow_network_energy_j(routing, flows, network.routed, net)
    consumer = flows.consumer[network.routed.flow_index]
    layer_net_energy = np.bincount(consumer, weights=flow_energy, minlength=mapping.num_layers)
    layer_bits = np.bincount(consumer, weights=flows.bits[network.routed.flow_index],
                             minlength=mapping.num_layers)
    comm_in = np.zeros(mapping.num_layers)
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
    per_network = []
    for k, w in enumerate(mapping.workloads):
        members = np.asarray(mapping.network_of) == k
        per_network.append({
            "name": w.name, "layers": int(members.sum()),
            "pes": int(mapping.network_slots[k]),
            "crossbars": int(mapping.xbar_count[members].sum()),
            "latency_s": float(finish[members].max()),
            "slowest_stage_s": float(compute.time_s[members].max()),
        })
    summary = topo.summary()
    bottleneck = "compute" if compute_interval >= interval * (1 - 1e-12) else "network"
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
        wall_s=time.perf_counter() - started, extra=dict(network.info),
    )
