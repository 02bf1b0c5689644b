"""The cycle engine as a pipeline stage: mapped-workload flows through the flit simulator."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np

from pimnoc.engines.analytical.network import (
    NetworkEstimate,
    RoutedFlows,
    estimate,
    router_delay_extra,
)
from pimnoc.engines.flit.params import SimParams
from pimnoc.errors import ConfigError, suggest
from pimnoc.hardware.routing import Routing
from pimnoc.hardware.tech import NetworkTech
from pimnoc.traffic.flows import Flows

INTERVAL_STEP = 1.15
"""Factor by which the inference interval grows while the simulated network saturates."""

MAX_STEPS = 8
"""How many times the interval may grow before the run gives up (and says so)."""

RUN_KEYS = ("engine", "routing")


def router_params(net: NetworkTech) -> dict[str, int]:
    """The flit engine's packet size and router delays that `design.network` describes.

    `router_stages` cycles split as BookSim's pipeline: routing, VC allocation, switch
    allocation, switch traversal (1 each for the default 4; extra stages lengthen the
    traversal; 3 stages drop the routing stage, i.e. lookahead routing).
    """
    stages = net.router_stages
    if stages < 3:
        raise ConfigError("design.network.router_stages: the flit engine needs at least 3 "
                          "(VC allocation, switch allocation, switch traversal); set 3 or more")
    routing = 1 if stages >= 4 else 0
    return {"packet_size": net.packet_flits, "routing_delay": routing, "vc_alloc_delay": 1,
            "sw_alloc_delay": 1, "st_prepare_delay": 0, "st_final_delay": stages - 2 - routing}


def sim_params(options: dict[str, Any], net: NetworkTech | None = None):
    """SimParams from `simulation` keys; unknown keys name the nearest parameter.

    With `net`, the packet size and router delays follow `design.network`; giving them in
    `simulation` too is an error unless they agree.
    """

    names = [f.name for f in fields(SimParams)]
    for key in options:
        if key not in names:
            raise ConfigError(f"simulation.{key}: not a cycle-engine parameter"
                              f"{suggest(key, names)}; parameters: {', '.join(names)}")
    given = dict(options)
    if net is not None:
        derived = router_params(net)
        for key, value in derived.items():
            if key in given and given[key] != value:
                owner = "packet_flits" if key == "packet_size" else "router_stages"
                raise ConfigError(
                    f"simulation.{key}: {given[key]!r} disagrees with design.network.{owner} "
                    f"(which gives {value}); set it in design.network only")
        given.update(derived)
    try:
        return SimParams(**given)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"simulation: {exc}") from None


def cycle_estimate(routing: Routing, flows: Flows, net: NetworkTech, interval_s: float,
                   routed: RoutedFlows, options: dict[str, Any]) -> NetworkEstimate:
    """Simulate the flows at the pipeline's interval, lengthening it while the network saturates.

    Each flow's head latency is its measured mean packet latency; the link utilisation is
    the measured one. Energies stay the analytical ones (the same bits cross the same links).
    """

    from pimnoc.engines.flit.engine import simulate_flows  # numba, loaded when used

    params = sim_params(options, net)
    idx = routed.flow_index
    interval = interval_s
    extra = router_delay_extra(routing.topology, net)
    for step in range(MAX_STEPS + 1):
        sim = simulate_flows(routing.topology, routing, flows.src[idx], flows.dst[idx],
                             flows.bits[idx], interval / net.cycle_s, net.flit_bits, params,
                             router_delay_extra=extra)
        if not sim.saturated:
            break
        if step < MAX_STEPS:
            interval *= INTERVAL_STEP
    analytic = estimate(routing, flows, net, interval, routed)
    bits = flows.bits[idx]
    bandwidth = net.link_bandwidth_bps
    measured = np.asarray(sim.flow_packet_latency_mean, dtype=float)
    head = analytic.flow_latency_s - bits / bandwidth
    head = np.where(np.isfinite(measured) & (measured > 0), measured * net.cycle_s, head)
    info = {"cycle": {**sim.summary(), "interval_s": interval,
                      "interval_steps": step, "saturated": bool(sim.saturated)}}
    return replace(analytic, flow_latency_s=head + bits / bandwidth,
                   link_utilisation=np.minimum(np.asarray(sim.link_utilisation), 1.0),
                   network_interval_s=max(analytic.network_interval_s, interval), info=info)
