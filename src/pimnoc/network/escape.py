"""Minimal routing with an up*/down* escape virtual channel, for irregular networks.

Duato, "A new theory of deadlock-free adaptive routing in wormhole networks" (IEEE TPDS
1993): packets follow minimal routes on the ordinary virtual-channel classes; one class, the
escape channel, follows a routing whose channel-dependency graph is acyclic (here up*/down*,
`updown.py`) and that reaches every destination from every router. A packet that cannot
advance on its minimal route may take the escape channel, and keeps to it until it is
delivered (the conservative form of the protocol), so every blocked packet has a path to
its destination over acyclic dependencies: no deadlock, with minimal paths whenever the
network is not congested. The papers of the irregular NoIs (Kite, ButterDonut, HexaMesh,
SWAP) route minimally with virtual channels for deadlock freedom; this is that scheme.

In pimnoc the routes (what the analytical engine walks) are the minimal ones; the deadlock
check (`routing.check_deadlock_free`) is made on the escape network (`escape_network`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pimnoc.network.routing import ROUTINGS, NextHop, Routing, _out_links, hop_distances
from pimnoc.network.topology import Topology
from pimnoc.network.updown import updown_table

ESCAPE = "escape"
"""Routing name of minimal routing with an up*/down* escape channel."""


def minimal_preferring(topo: Topology, preferred: np.ndarray) -> np.ndarray:
    """next_link[cur, dst] over minimal paths, taking `preferred[cur, dst]` where it is minimal.

    Preferring the escape route's own link where it is minimal keeps packets on links whose
    escape dependencies are acyclic; ties otherwise go to the lowest link id.
    """
    n = topo.num_nodes
    dist = hop_distances(topo)
    out = _out_links(topo)
    link_dst = np.append(topo.link_dst, 0)
    table = np.full((n, n), -1, dtype=np.int64)
    dests = np.arange(n)
    for node in range(n):
        cand = out[node]
        nxt = link_dst[cand]
        good = (cand[:, None] >= 0) & (dist[nxt][:, dests] == dist[node, dests] - 1)
        first = np.argmax(good, axis=0)
        fallback = np.where(good.any(axis=0), cand[first], -1)
        pref = preferred[node]
        pref_ok = (pref >= 0) & (dist[topo.link_dst[np.maximum(pref, 0)], dests]
                                 == dist[node, dests] - 1)
        table[node] = np.where(pref_ok, pref, fallback)
        table[node, node] = -1
    return table


def escape(topo: Topology) -> NextHop:
    """Minimal routes on the adaptive VCs; up*/down* on the escape VC (Duato's protocol)."""
    table = minimal_preferring(topo, updown_table(topo))

    def next_hop(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        return table[cur, dst]

    return next_hop


ROUTINGS.register(ESCAPE)(escape)


def uses_escape(routing: Routing) -> bool:
    """Whether the routing (or, in 2.5D, its NoI routing) relies on an escape channel."""
    topo = routing.topology
    return routing.algorithm == ESCAPE or (routing.algorithm == "hierarchical"
                                           and topo.meta.get("noi_routing") == ESCAPE)


def escape_network(routing: Routing) -> Routing:
    """The routing packets follow on the escape channel: up*/down* where the routes are minimal."""
    from pimnoc.network.routing import make_routing

    topo = routing.topology
    if routing.algorithm == ESCAPE:
        return make_routing(dataclasses.replace(topo, routing="updown"), "updown")
    meta = {**topo.meta, "noi_routing": "updown"}
    return make_routing(dataclasses.replace(topo, meta=meta), routing.algorithm)
