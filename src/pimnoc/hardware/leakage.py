"""Static power per network node, with idle PEs and routers power-gated or not.

`design.power_gating: true` (the default): a PE that holds no crossbar of the workload and
runs none of its operators leaks nothing, nor does a router that no bit crosses. Power
gating of idle tiles is the convention of the ReRAM accelerator models pimnoc follows
(CiMLoop's ISAAC architecture marks its tile and router containers `has_power_gating`);
no area or wake-up overhead is charged (assumption: the mapping is static, so gated blocks
never wake during inference). `false` charges every PE and router of the design.
"""

from __future__ import annotations

import numpy as np

from pimnoc.hardware.topology import DIGITAL, Topology


def active_nodes(topo: Topology, mapping, flows, routed) -> tuple[np.ndarray, np.ndarray]:
    """(PE in use, router in use) masks over the nodes, for one mapped workload."""
    n = topo.num_nodes
    pe = np.zeros(n, dtype=bool)
    for nodes, _counts in mapping.layer_node_crossbars:
        pe[nodes] = True
    digital = getattr(mapping, "digital", None)
    if digital is not None:
        for hosts in digital.hosts:
            pe[hosts] = True
    pe[flows.src] = True  # nodes that send or receive data run operators
    pe[flows.dst] = True
    router = pe.copy()
    loaded = routed.link_load_bits > 0
    router[topo.link_src[loaded]] = True
    router[topo.link_dst[loaded]] = True
    compute = np.zeros(n, dtype=bool)
    compute[topo.compute_nodes] = True
    return pe & compute, router


def node_leakage_w(topo: Topology, pe_leakage_mw: float, router_leakage_mw: float,
                   digital_leakage_mw: float | None,
                   active: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Static power of every node (W): its PE and its router, unless gated (`active`)."""
    n = topo.num_nodes
    pe_w = np.zeros(n)
    pe_w[topo.compute_nodes] = pe_leakage_mw * 1e-3
    if digital_leakage_mw is not None:
        pe_w[topo.node_kind == DIGITAL] = digital_leakage_mw * 1e-3
    router_w = np.full(n, router_leakage_mw * 1e-3)
    if active is not None:
        pe_on, router_on = active
        pe_w = np.where(pe_on, pe_w, 0.0)
        router_w = np.where(router_on, router_w, 0.0)
    return pe_w + router_w


def design_leakage_w(topo: Topology, pe, net, mapping, flows, routed,
                     power_gating: bool) -> np.ndarray:
    """Static power of every node of a mapped design (W), idle blocks gated if asked."""
    digital = mapping.digital.tech if mapping.digital is not None else None
    active = active_nodes(topo, mapping, flows, routed) if power_gating else None
    return node_leakage_w(topo, pe.leakage_mw, net.router_leakage_mw,
                          digital.leakage_mw if digital is not None else None, active)
