"""Up*/down* routing: deadlock-free destination-based routes on any connected network.

Autonet's rule (Schroeder et al., "Autonet: a high-speed, self-configuring local area
network using point-to-point links", IEEE JSAC 1991): a breadth-first spanning tree from a
root orders the routers by (tree level, id); a link is "up" when it leads to a router earlier
in that order. A legal route takes zero or more up links, then zero or more down links, so no
cycle of channel dependencies can form. Routes here are destination-based (the next hop
depends only on the current router and the destination) and as short as the up*/down* rule
allows; the root is chosen to make them shortest on average. Ties go to the lowest link id.

`escape` is minimal routing with an up*/down* escape virtual channel (Duato, "A new theory
of deadlock-free adaptive routing in wormhole networks", IEEE TPDS 1993): packets follow
minimal routes on the ordinary virtual-channel classes; the escape class follows up*/down*,
whose channel-dependency graph is acyclic and which reaches every destination from every
router. A packet that cannot advance on its minimal route may take the escape channel and
keeps to it until delivered (the conservative form of the protocol), so every blocked
packet has a path over acyclic dependencies: no deadlock, minimal paths when uncongested.
The papers of the irregular NoIs (Kite, ButterDonut, HexaMesh, SWAP) route minimally with
virtual channels for deadlock freedom; this is that scheme. The routes pimnoc walks are the
minimal ones; the deadlock check (`routing.check_deadlock_free`) is made on the escape
network (`routing.escape_network`); the flit kernel runs it with escape VCs
(docs/cycle_model.md).
"""

from __future__ import annotations

import numpy as np

from pimnoc.errors import TopologyError
from pimnoc.hardware.routing import (
    ESCAPE,
    ROUTINGS,
    NextHop,
    _out_links,
    check_connected,
    hop_distances,
)
from pimnoc.hardware.topology import Topology


def _adjacency(n: int, src: np.ndarray, dst: np.ndarray):
    from scipy.sparse import coo_matrix  # scipy.sparse costs 0.4 s of start-up: loaded when used

    return coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()


def updown_root(topo: Topology, max_candidates: int | None = None) -> int:
    """The spanning-tree root whose up*/down* routes are shortest on average.

    Every router is tried on networks of up to 128 routers; on larger ones `max_candidates`
    (default: fewer as the network grows, at least 16), spread evenly from the most to the
    least central. Ties go to the lowest id.
    """
    from scipy.sparse.csgraph import shortest_path

    n = topo.num_nodes
    if max_candidates is None:
        max_candidates = 128 if n <= 128 else max(16, 16384 // n)
    dist = shortest_path(_adjacency(n, topo.link_src, topo.link_dst), method="D",
                         unweighted=True)
    if not np.all(np.isfinite(dist)):
        check_connected(topo)
    by_centrality = np.argsort(dist.sum(axis=1), kind="stable")
    if n > max_candidates:
        by_centrality = by_centrality[np.linspace(0, n - 1, max_candidates).astype(int)]
    best, best_root = np.inf, int(by_centrality[0])
    for root in sorted(int(r) for r in by_centrality):
        mean = float(updown_lengths(topo, updown_rank(topo, root)).mean())
        if mean < best - 1e-12:
            best, best_root = mean, root
    return best_root


def updown_lengths(topo: Topology, rank: np.ndarray) -> np.ndarray:
    """Shortest legal up*/down* hop counts between all routers for a given order."""
    from scipy.sparse.csgraph import shortest_path

    n = topo.num_nodes
    src, dst = topo.link_src, topo.link_dst
    is_up = rank[dst] < rank[src]
    d_down = shortest_path(_adjacency(n, src[~is_up], dst[~is_up]), method="D",
                           unweighted=True)
    lengths = np.full((n, n), np.inf)
    up_of = [dst[(src == node) & is_up] for node in range(n)]
    for node in np.argsort(rank):
        via_up = lengths[up_of[node]].min(axis=0) + 1 if up_of[node].size else np.inf
        lengths[node] = np.minimum(d_down[node], via_up)
    return lengths


def updown_rank(topo: Topology, root: int) -> np.ndarray:
    """Position of each router in the (BFS level, id) order; up links go to a lower rank."""
    from scipy.sparse.csgraph import breadth_first_order

    n = topo.num_nodes
    adj = _adjacency(n, topo.link_src, topo.link_dst)
    order, pred = breadth_first_order(adj, root, directed=True, return_predecessors=True)
    if order.size < n:
        check_connected(topo)
        raise TopologyError(f"topology '{topo.name}' is disconnected; add links")
    level = np.zeros(n, dtype=np.int64)
    for node in order[1:]:
        level[node] = level[pred[node]] + 1
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), level))] = np.arange(n)
    return rank


def updown_table(topo: Topology, root: int | None = None) -> np.ndarray:
    """next_link[cur, dst] of up*/down* routing (-1 on the diagonal).

    Routers are settled in up*/down* order, root first, for all destinations at once. A
    router that some settled router reaches over a down link must itself route down only (a
    packet may arrive there going down); any other router takes whichever is shorter: a
    down-only route, or an up link to an already settled router plus that router's route.
    """
    from scipy.sparse.csgraph import shortest_path

    n = topo.num_nodes
    if n == 1:
        return np.full((1, 1), -1, dtype=np.int64)
    rank = updown_rank(topo, updown_root(topo) if root is None else root)
    src, dst = topo.link_src, topo.link_dst
    is_up = rank[dst] < rank[src]
    down = ~is_up
    # Hop counts using down links only: d_down[u, d].
    d_down = shortest_path(_adjacency(n, src[down], dst[down]), method="D", unweighted=True)
    out = _out_links(topo)
    cost = np.full((n, n), np.inf)
    forced = np.zeros((n, n), dtype=bool)
    table = np.full((n, n), -1, dtype=np.int64)
    dests = np.arange(n)
    for node in np.argsort(rank):
        links = out[node][out[node] >= 0]
        best_up = np.full(n, np.inf)
        up_link = np.full(n, -1, dtype=np.int64)
        for link in links[is_up[links]]:
            via = cost[dst[link]] + 1
            better = via < best_up
            best_up = np.where(better, via, best_up)
            up_link = np.where(better, link, up_link)
        down_link = np.full(n, -1, dtype=np.int64)
        down_forced = np.zeros(n, dtype=bool)
        for link in links[down[links]]:
            nxt = dst[link]
            closer = d_down[nxt] == d_down[node] - 1
            take = closer & ((down_link < 0) | (forced[nxt] & ~down_forced))
            down_link = np.where(take, link, down_link)
            down_forced = np.where(take, forced[nxt], down_forced)
        can_down = down_link >= 0
        go_down = can_down & (forced[node] | (d_down[node] <= best_up))
        cost[node] = np.where(go_down, d_down[node], best_up)
        table[node] = np.where(go_down, down_link, up_link)
        cost[node, node] = 0
        table[node, node] = -1
        chosen = go_down & (dests != node)
        forced[dst[down_link[chosen]], dests[chosen]] = True
    if np.any(table[~np.eye(n, dtype=bool)] < 0):
        raise TopologyError(f"topology '{topo.name}': up*/down* finds no route for some pairs")
    return table


def updown(topo: Topology) -> NextHop:
    """Up*/down* routing (deadlock-free on irregular networks, no virtual channels needed)."""
    table = updown_table(topo)

    def next_hop(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        return table[cur, dst]

    return next_hop


ROUTINGS.register("updown")(updown)


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
