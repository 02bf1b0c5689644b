"""Up*/down* routing: deadlock-free destination-based routes on any connected network.

Autonet's rule (Schroeder et al., "Autonet: a high-speed, self-configuring local area
network using point-to-point links", IEEE JSAC 1991): a breadth-first spanning tree from a
root orders the routers by (tree level, id); a link is "up" when it leads to a router earlier
in that order. A legal route takes zero or more up links, then zero or more down links, so no
cycle of channel dependencies can form. Routes here are destination-based (the next hop
depends only on the current router and the destination): a router from which the destination
is reachable by down links only goes down (shortest such way); any other router goes up, to
the neighbour whose onward route is shortest. Ties go to the lowest-numbered link.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, shortest_path

from pimnoc.errors import TopologyError
from pimnoc.network.routing import ROUTINGS, NextHop, _out_links, check_connected
from pimnoc.network.topology import Topology


def _adjacency(n: int, src: np.ndarray, dst: np.ndarray):
    return coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()


def updown_root(topo: Topology) -> int:
    """The root of the spanning tree: the router with the least total hop distance to all."""
    dist = shortest_path(_adjacency(topo.num_nodes, topo.link_src, topo.link_dst),
                         method="D", unweighted=True)
    if not np.all(np.isfinite(dist)):
        check_connected(topo)
    return int(np.argmin(dist.sum(axis=1)))


def updown_rank(topo: Topology, root: int) -> np.ndarray:
    """Position of each router in the (BFS level, id) order; up links go to a lower rank."""
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
    """next_link[cur, dst] of up*/down* routing (-1 on the diagonal)."""
    n = topo.num_nodes
    if n == 1:
        return np.full((1, 1), -1, dtype=np.int64)
    rank = updown_rank(topo, updown_root(topo) if root is None else root)
    src, dst = topo.link_src, topo.link_dst
    is_up = rank[dst] < rank[src]
    down = ~is_up
    # Hop counts using down links only: d_down[u, d].
    d_down = shortest_path(_adjacency(n, src[down], dst[down]), method="D", unweighted=True)
    # Route length under the policy, filled from the root downwards (up links point to
    # routers already done).
    route_len = np.full((n, n), np.inf)
    up_out = [[] for _ in range(n)]
    for link in np.flatnonzero(is_up):
        up_out[src[link]].append(int(dst[link]))
    for node in np.argsort(rank):
        best = np.full(n, np.inf)
        for parent in up_out[node]:
            best = np.minimum(best, route_len[parent])
        route_len[node] = np.where(np.isfinite(d_down[node]), d_down[node], best + 1)
    if not np.all(np.isfinite(route_len)):
        raise TopologyError(f"topology '{topo.name}': up*/down* finds no route for some pairs")
    out = _out_links(topo)
    cand = out  # (n, degree)
    valid = cand >= 0
    nxt = np.where(valid, dst[np.maximum(cand, 0)], 0)
    cand_up = valid & is_up[np.maximum(cand, 0)]
    cand_down = valid & ~is_up[np.maximum(cand, 0)]
    table = np.full((n, n), -1, dtype=np.int64)
    rows = np.arange(n)
    for d in range(n):
        going_down = np.isfinite(d_down[:, d])
        # Down step: a down link to a router one down-hop closer.
        ok_down = cand_down & (d_down[nxt, d] == d_down[:, d][:, None] - 1)
        # Up step: the up link whose onward route is shortest.
        cost_up = np.where(cand_up, route_len[nxt, d], np.inf)
        ok_up = cand_up & (cost_up == cost_up.min(axis=1, keepdims=True)) & \
            np.isfinite(cost_up)
        ok = np.where(going_down[:, None], ok_down, ok_up)
        first = np.argmax(ok, axis=1)
        link = cand[rows, first]
        table[:, d] = np.where(ok.any(axis=1), link, -1)
        table[d, d] = -1
    return table


def updown(topo: Topology) -> NextHop:
    """Up*/down* routing (deadlock-free on irregular networks, no virtual channels needed)."""
    table = updown_table(topo)

    def next_hop(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        return table[cur, dst]

    return next_hop


ROUTINGS.register("updown")(updown)
