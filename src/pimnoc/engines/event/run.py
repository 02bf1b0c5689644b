"""`simulation.engine: event` on one design point: from the mapped workload to a Result."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from pimnoc.config import RunSpec
from pimnoc.engines.analytical.network import (
    link_bandwidth_bps,
    link_cycles_per_flit,
    link_energy_pj_per_bit,
    router_energy_pj_per_bit,
)
from pimnoc.engines.compute.layer import LayerCompute
from pimnoc.engines.event.arrivals import instances_of
from pimnoc.engines.event.engine import (
    Execution,
    execute,
    message_energy_j,
    message_routes,
    packet_latency_summary,
)
from pimnoc.engines.event.figures import event_figures
from pimnoc.engines.event.tasks import build_tasks
from pimnoc.engines.flit.params import FLIT_KEYS
from pimnoc.errors import ConfigError, SimulationError
from pimnoc.hardware.routing import Routing
from pimnoc.hardware.tech import NetworkTech
from pimnoc.mapping.mapper import Mapping
from pimnoc.result import Result


def check_spec(spec: RunSpec, net: NetworkTech) -> None:
    """Reject settings the event engine does not take, naming the key."""
    flit = spec.simulation.network == "flit"
    extra = {k: v for k, v in spec.simulation.params().items()
             if not (flit and k in FLIT_KEYS)}
    if extra:
        key = sorted(extra)[0]
        raise ConfigError(f"simulation.{key}: not a parameter of the event engine (it takes "
                          "granularity, layer_barrier, network, max_row_blocks, header_flits, "
                          f"pe_sharing, routing; with network: flit also {', '.join(FLIT_KEYS)}"
                          "); remove it")
    if spec.simulation.rate_ips is not None:
        raise ConfigError("simulation.rate_ips: the event engine takes arrivals per network; "
                          "use workload.networks[i].arrivals: {poisson_ips: RATE, count: N}")
    if net.multicast:
        raise ConfigError("design.network.multicast: the event engine sends unicast "
                          "messages only; set multicast: false or simulation.engine: "
                          "analytical")


def flit_link_note(network: str, topo, net: NetworkTech) -> dict[str, str]:
    """Say when the flit backend moves die-to-die links slower than their interface does."""
    fastest = float(link_bandwidth_bps(topo, net).max(initial=0.0))
    if network != "flit" or fastest <= net.link_bandwidth_bps:
        return {}
    return {"die_to_die_note": (
        f"flit backend: die-to-die links move one flit per cycle "
        f"({net.link_bandwidth_bps / 1e9:g} Gb/s), below the chiplet interface's "
        f"{fastest / 1e9:g} Gb/s; the flow backend and the analytical engine use the "
        "interface's rate")}


def simulate(spec: RunSpec, mapping: Mapping, compute: LayerCompute, routing: Routing,
             net: NetworkTech, analytical: Result) -> tuple[Result, Execution]:
    """Execute the run's inferences; the analytical Result with the executed figures."""
    started = time.perf_counter()
    check_spec(spec, net)
    sim = spec.simulation
    topo = routing.topology
    graph = build_tasks(mapping, compute, sim.granularity, sim.max_row_blocks,
                        sim.layer_barrier)
    routes = message_routes(graph, routing, net)
    instances = instances_of(spec)
    # flow: each link at its own rate, a die-to-die link at its interface module's; the flit
    # kernel moves at most one flit per cycle on a link (router switch speed-up 1)
    link_bps = (net.link_bandwidth_bps / link_cycles_per_flit(topo, net)
                if sim.network == "flit" else link_bandwidth_bps(topo, net))
    built, loop_cpu = time.perf_counter(), time.process_time()
    if sim.network == "flit":
        from pimnoc.engines.event.flit_backend import execute_flit  # numba, loaded when used

        x = execute_flit(graph, routes, instances, routing, net, sim.header_flits,
                         sim.pe_sharing, sim.params())
    else:
        x = execute(graph, routes, instances, net, topo.num_nodes, topo.num_directed_links,
                    sim.header_flits, sim.pe_sharing, link_bps)
    ran, loop_cpu = time.perf_counter(), time.process_time() - loop_cpu
    if np.any(x.finish_s < 0):
        stuck = int(np.count_nonzero(x.finish_s < 0))
        raise SimulationError(f"simulation.engine: event: {stuck} tasks never ran (a "
                              "dependency was never met); report this design")
    msg_energy = message_energy_j(graph, routes, routing, net)
    e_link = link_energy_pj_per_bit(topo, net) * 1e-12
    e_router = router_energy_pj_per_bit(topo, net) * 1e-12
    per_bit = e_link + e_router[topo.link_src]
    owner = np.repeat(np.arange(graph.num_messages), np.diff(routes.hop_ptr))
    link_j = float(np.bincount(owner, weights=e_link[routes.hop_links],
                               minlength=graph.num_messages) @ graph.msg_bits)
    leakage_w = analytical.energy_j["leakage"] / analytical.interval_s \
        if analytical.interval_s > 0 else 0.0
    names = [w.name for w in mapping.workloads]
    figures = event_figures(x, names, graph.task_energy_j, msg_energy,
                            link_bps, leakage_w, topo.num_nodes, per_bit)
    link_mean, link_peak = figures.pop("_link_mean"), figures.pop("_link_peak")
    per_link = analytical.per_link
    if len(per_link) == link_mean.size:  # detail: each link's executed utilisation too
        per_link = [{**row, "event_utilisation_mean": float(mean),
                     "event_utilisation_peak": float(peak)}
                    for row, mean, peak in zip(per_link, link_mean.tolist(),
                                               link_peak.tolist(), strict=True)]
    per_workload = instances.network.size / max(len(names), 1)
    energy = {"compute": float(graph.task_energy_j.sum()),
              "router": float(msg_energy.sum()) - link_j, "link": link_j,
              "leakage": leakage_w * figures["makespan_s"] / per_workload}
    energy["total"] = sum(energy.values())
    by_net = figures["inference_latency_s"]["per_network"]
    latency = max(v["mean"] for v in by_net.values())
    throughput = figures["throughput_ips"]
    per_network = [{**row, "latency_s": by_net[row["name"]]["mean"]}
                   for row in analytical.per_network]
    extra = {**analytical.extra, **figures, "engine": "event",
             "packet_latency_s": packet_latency_summary(x, net),
             "event": {"granularity": sim.granularity, "network": sim.network,
                       "layer_barrier": sim.layer_barrier, "pe_sharing": sim.pe_sharing,
                       "build_s": built - started, "loop_s": ran - built,
                       "loop_cpu_s": loop_cpu, **flit_link_note(sim.network, topo, net),
                       "wall_s": time.perf_counter() - started, **x.loop},
             "analytical": {"latency_s": analytical.latency_s,
                            "throughput_ips": analytical.throughput_ips,
                            "energy_j": analytical.energy_j}}
    result = replace(analytical, latency_s=latency, throughput_ips=throughput,
                     interval_s=1.0 / throughput if throughput > 0 else 0.0,
                     energy_j=energy, edp_js=energy["total"] * latency,
                     per_network=per_network, per_link=per_link, extra=extra,
                     wall_s=analytical.wall_s + time.perf_counter() - started)
    return result, x
