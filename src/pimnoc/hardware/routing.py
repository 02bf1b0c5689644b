"""Routing: destination-based next-hop functions, route walking and the deadlock check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from pimnoc.errors import TopologyError
from pimnoc.hardware.topology import NOI_ROUTER, UBUMP, Topology
from pimnoc.registry import Registry

NextHop = Callable[[np.ndarray, np.ndarray], np.ndarray]
RoutingBuilder = Callable[[Topology], NextHop]
ROUTINGS: Registry[RoutingBuilder] = Registry("routing", "simulation.routing")


def _port_table(topo: Topology) -> np.ndarray:
    """ports[node, dim, 0 for +/1 for -] = directed link index, or -1."""
    ports = np.full((topo.num_nodes, 3, 2), -1, dtype=np.int64)
    has_dim = topo.link_dim >= 0
    idx = np.flatnonzero(has_dim)
    ports[topo.link_src[idx], topo.link_dim[idx], (topo.link_dir[idx] < 0).astype(int)] = idx
    return ports


DOR_TABLE_MAX_NODES = 256
"""Grids up to this many nodes get a table of each pair's first move (a few gathers per hop
instead of the coordinate arithmetic); larger ones compute the moves asked for
(assumption: 256 nodes, a 64 kB table, costs less to build than a few route walks)."""


def _dor_moves(coord_a: np.ndarray, coord_b: np.ndarray, size: np.ndarray,
               wrap: np.ndarray) -> np.ndarray:
    """Dimension-order move from a to b: 2 * dimension + (1 if the - way), or -1 if a == b.

    `size` and `wrap` are per dimension (3) or per pair (n x 3). Taken a dimension at a time,
    the last first, so that the first dimension that differs sets the move.
    """
    move = np.full(coord_a.shape[0], -1, dtype=np.int64)
    for d in range(coord_a.shape[1] - 1, -1, -1):
        diff = coord_b[:, d] - coord_a[:, d]
        moving = diff != 0
        if not moving.any():
            continue
        wraps = wrap[..., d]
        minus = diff < 0
        if np.any(wraps):
            minus = np.where(wraps, np.mod(diff, size[..., d]) > size[..., d] / 2, minus)
        np.copyto(move, 2 * d + minus, where=moving)
    return move


@dataclass(frozen=True)
class _DorTables:
    """Dimension-order move tables: `moves[base[cur] + flat[dst]]` is the move (2 * dimension
    + 1 if the - way, -1 if cur == dst) for nodes whose grid shape is `tabled`."""

    ports: np.ndarray  # ports[node, move] = directed link, or -1
    moves: np.ndarray
    base: np.ndarray
    flat: np.ndarray
    shape: np.ndarray  # grid shape number of each node
    tabled: np.ndarray  # per grid shape: whether it has a move table


def _dor_tables(topo: Topology) -> _DorTables:
    """The move tables of dimension-order routing on `topo`'s small grids."""
    ports = _port_table(topo).reshape(topo.num_nodes, 6)
    coord, group = topo.node_coord, topo.node_group
    dims, wraps = topo.group_dims, topo.group_wraps
    # one move table per grid shape (size and wraps) small enough, its nodes by grid index
    shapes, shape_of_group = np.unique(np.column_stack([dims, wraps]).astype(np.int64),
                                       axis=0, return_inverse=True)
    shape = shape_of_group.ravel()[group]
    size = np.prod(shapes[:, :3], axis=1)
    inside = np.all((coord >= 0) & (coord < dims[group]), axis=1)
    tabled = (size <= DOR_TABLE_MAX_NODES) & (
        np.bincount(shape[~inside], minlength=len(shapes)) == 0)
    offset = np.concatenate([[0], np.cumsum(np.where(tabled, size * size, 0))])
    moves = np.full(int(offset[-1]) + 1, -1, dtype=np.int8)  # the last: for no table
    for s in np.flatnonzero(tabled).tolist():
        d = shapes[s, :3]
        grid = np.stack(np.unravel_index(np.arange(size[s]), tuple(d[::-1]))[::-1], axis=1)
        a, b = np.divmod(np.arange(size[s] * size[s]), size[s])
        moves[offset[s]:offset[s + 1]] = _dor_moves(grid[a], grid[b], d, shapes[s, 3:] != 0)
    d_node = dims[group]
    flat = np.where(inside, coord[:, 0] + d_node[:, 0] * (coord[:, 1]
                                                         + d_node[:, 1] * coord[:, 2]), 0)
    width = size[shape]
    base = offset[:-1][shape] + flat * width
    return _DorTables(ports, moves, base, flat, shape, tabled)


def dimension_order(topo: Topology) -> NextHop:
    """Dimension-order routing (x, then y, then z) within each node's grid group.

    On wrapped dimensions (tori) the shorter way round is taken, ties going the + way.
    """
    tables = _dor_tables(topo)
    ports, moves, base, flat = tables.ports, tables.moves, tables.base, tables.flat
    shape, tabled = tables.shape, tables.tabled
    coord, group = topo.node_coord, topo.node_group
    dims, wraps = topo.group_dims, topo.group_wraps

    any_table = bool(tabled.any())
    one_group = dims.shape[0] == 1  # its size and wraps hold for every pair

    def next_hop(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        if any_table:
            sc = shape[cur]
            fast = (sc == shape[dst]) & tabled[sc]
        if any_table and fast.all():
            move = moves[base[cur] + flat[dst]].astype(np.int64)
        else:
            if any_table:
                move = np.where(fast, moves[np.where(fast, base[cur] + flat[dst], 0)], -1)
                slow = np.flatnonzero(~fast & (cur != dst))  # a node to itself: no move
            else:
                move = np.full(cur.shape, -1, dtype=np.int64)
                slow = np.flatnonzero(cur != dst)
            if slow.size:
                at, to = cur[slow], dst[slow]
                size, wrap = ((dims[0], wraps[0]) if one_group
                              else (dims[group[at]], wraps[group[at]]))
                move[slow] = _dor_moves(coord[at], coord[to], size, wrap)
        return np.where(move >= 0, ports[cur, np.maximum(move, 0)], -1)

    return next_hop


def _out_links(topo: Topology) -> np.ndarray:
    """out[node, k] = k-th outgoing link of node (ascending link index), -1 padded."""
    order = np.argsort(topo.link_src, kind="stable")
    src = topo.link_src[order]
    degree = np.bincount(src, minlength=topo.num_nodes)
    start = np.concatenate([[0], np.cumsum(degree)[:-1]])
    slot = np.arange(order.size) - start[src]
    out = np.full((topo.num_nodes, max(1, degree.max(initial=0))), -1, dtype=np.int64)
    out[src, slot] = order
    return out


def hop_distances(topo: Topology) -> np.ndarray:
    """All-pairs hop counts over the directed links (inf where unreachable)."""
    from scipy.sparse import coo_matrix  # scipy.sparse costs 0.4 s of start-up
    from scipy.sparse.csgraph import shortest_path

    n = topo.num_nodes
    adj = coo_matrix((np.ones(topo.num_directed_links), (topo.link_src, topo.link_dst)),
                     shape=(n, n)).tocsr()
    return shortest_path(adj, method="D", unweighted=True)


def full_grid_coords(topo: Topology) -> np.ndarray | None:
    """The nodes' grid coordinates if the links are exactly those of a full mesh, else None.

    A full mesh (every node of a box of grid points, a link each way between every pair of
    neighbours and no other links) has hop distances equal to the coordinates' L1 distance.
    """
    coord = np.asarray(topo.node_coord, dtype=np.int64)
    if coord.ndim != 2 or topo.num_nodes == 0:
        return None
    lo, hi = coord.min(axis=0), coord.max(axis=0)
    dims = hi - lo + 1
    if int(np.prod(dims)) != topo.num_nodes:
        return None
    flat = np.ravel_multi_index(tuple((coord - lo).T), tuple(dims))
    if np.unique(flat).size != topo.num_nodes:
        return None
    steps = np.abs(coord[topo.link_src] - coord[topo.link_dst]).sum(axis=1)
    if np.any(steps != 1):
        return None
    full = 2 * sum(int((dims[k] - 1) * np.prod(np.delete(dims, k))) for k in range(dims.size))
    pairs = np.unique(flat[topo.link_src] * topo.num_nodes + flat[topo.link_dst])
    return coord if pairs.size == full == topo.num_directed_links else None


def _hop_count(topo: Topology) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """dist(a, b): hop counts of node pairs; arithmetic on a full mesh, else all-pairs table."""
    coord = full_grid_coords(topo)
    if coord is not None:
        return lambda a, b: np.abs(coord[a] - coord[b]).sum(axis=-1)
    table = hop_distances(topo)
    return lambda a, b: table[a, b]


def shortest_path_routing(topo: Topology) -> NextHop:
    """Minimal (hop-count) routing; ties go to the lowest-numbered outgoing link."""
    dist = _hop_count(topo)
    out = _out_links(topo)
    link_dst = np.append(topo.link_dst, 0)

    def next_hop(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        cand = out[cur]
        nxt = link_dst[cand]
        good = (cand >= 0) & (dist(nxt, dst[:, None]) == dist(cur, dst)[:, None] - 1)
        first = np.argmax(good, axis=1)
        link = cand[np.arange(cur.shape[0]), first]
        return np.where(good.any(axis=1) & (cur != dst), link, -1)

    return next_hop


NOI_TABLE_MAX_ROUTERS = 1024
"""Interposer networks up to this many routers get a next-hop table over every router pair (a
gather per hop); larger ones compute the hops asked for, so that memory and set-up grow with
the routers, not with their pairs (assumption: 1024 routers = an 8 MB table)."""


def _subtopology(topo: Topology, nodes: np.ndarray) -> tuple[Topology, np.ndarray] | None:
    """The sub-topology of `nodes` (numbered by position) with only the links inside that set,
    and the global id of each of its links; None if it has no link."""
    inside = np.zeros(topo.num_nodes, dtype=bool)
    inside[nodes] = True
    keep = inside[topo.link_src] & inside[topo.link_dst]
    local = -np.ones(topo.num_nodes, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    global_link = np.flatnonzero(keep)
    if global_link.size == 0:
        return None
    sub = Topology(
        name=topo.name + "-sub",
        node_xy_mm=topo.node_xy_mm[nodes], node_tier=topo.node_tier[nodes],
        node_chiplet=topo.node_chiplet[nodes], node_kind=topo.node_kind[nodes],
        node_coord=topo.node_coord[nodes], node_group=np.zeros(nodes.size, dtype=np.int64),
        link_src=local[topo.link_src[keep]], link_dst=local[topo.link_dst[keep]],
        link_kind=topo.link_kind[keep], link_length_mm=topo.link_length_mm[keep],
        link_latency_cycles=topo.link_latency_cycles[keep], link_dim=topo.link_dim[keep],
        link_dir=topo.link_dir[keep], link_dateline=topo.link_dateline[keep],
        group_dims=topo.group_dims[topo.node_group[nodes[:1]]],
        group_wraps=topo.group_wraps[topo.node_group[nodes[:1]]],
    )
    return sub, global_link


def _subtopology_hops(part: tuple[Topology, np.ndarray] | None, algorithm: str) -> NextHop:
    """Next hop (global link ids) between positions of a `_subtopology`, using only its links.

    Up to NOI_TABLE_MAX_ROUTERS nodes the hops of every pair are computed once into a table.
    """
    if part is None:  # one node (a single chiplet's NoI router): nowhere to go
        return lambda cur, dst: np.full(np.shape(cur), -1, dtype=np.int64)
    sub, global_link = part
    next_hop = ROUTINGS.get(algorithm)(sub)

    def hops(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        link = next_hop(cur, dst)
        return np.where(link >= 0, global_link[np.maximum(link, 0)], -1)

    n = sub.num_nodes
    if n > NOI_TABLE_MAX_ROUTERS:
        return hops
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    table = hops(a.ravel(), b.ravel()).reshape(n, n)
    return lambda cur, dst: table[cur, dst]


@dataclass(frozen=True, eq=False)
class _PeHopTables:
    """PE hops as two gathers: `links[7 * here + 1 + moves[base[here] + flat[target]]]`."""

    links: np.ndarray  # per node the link up (move -1), then the links of the six moves
    moves: np.ndarray
    base: np.ndarray
    flat: np.ndarray


def _pe_hop_tables(topo: Topology, is_router: np.ndarray, up: np.ndarray
                   ) -> _PeHopTables | None:
    """The tables of `_pe_hops`; None unless every PE is on a grid of one shape with a table."""
    tables = _dor_tables(topo)
    pe_shapes = np.unique(tables.shape[~is_router])
    if pe_shapes.size != 1 or not tables.tabled[pe_shapes[0]]:
        return None
    links = np.column_stack([up, tables.ports]).ravel()
    return _PeHopTables(links, tables.moves, tables.base, tables.flat)


def _pe_hops(tables: _PeHopTables | None
             ) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None:
    """hop(here, target, dst) for PEs: the dimension-order link towards `target` on the same
    chiplet, the link up to the NoI router where here == target != dst, -1 where here == dst.

    One gather in a move table and one in a link table per hop (the same links as
    `dimension_order` then `up`); None without tables (`_pe_hop_tables`).
    """
    if tables is None:
        return None
    links, moves, base, flat = tables.links, tables.moves, tables.base, tables.flat
    row = np.arange(base.size, dtype=np.int64) * 7 + 1

    def hop(here: np.ndarray, target: np.ndarray, dst: np.ndarray) -> np.ndarray:
        link = links[row[here] + moves[base[here] + flat[target]]]
        link[here == dst] = -1
        return link

    return hop


@dataclass(frozen=True, eq=False)
class HierarchicalTables:
    """Everything a compiled walk needs to take `hierarchical`'s hops, where the PE hops are
    tabled (`_PeHopTables`) and the NoI routes by dimension order (computed, not tabled).

    At a PE `here` for `to`: the PE hop towards `to` on its chiplet, else towards
    `ports[chip[here], port_of[to]]` (then up). At a router: `down[chip, port_of[to]]` on the
    destination's chiplet (-1 if `to` is the router), else the NoI's dimension-order move
    from `noi_coord[chip[here]]` to `noi_coord[chip[to]]` (the first dimension that differs;
    on a wrapped one the - way if (diff mod size) > size / 2), the link `noi_ports[chip, move]`.
    """

    is_router: np.ndarray
    chip: np.ndarray
    pe_chip: np.ndarray  # a PE's chiplet, -1 for routers
    ports: np.ndarray  # ports[chip, port] = boundary PE
    port_of: np.ndarray
    down: np.ndarray  # down[chip, port] = link from the chiplet's router down to the port
    pe: _PeHopTables
    noi_ports: np.ndarray  # noi_ports[chip, 2 * dimension + (1 if the - way)] = link, or -1
    noi_coord: np.ndarray
    noi_dims: np.ndarray
    noi_wraps: np.ndarray


@dataclass(frozen=True, eq=False)
class HierarchicalNextHop:
    """`hierarchical`'s next-hop function, with its tables where a compiled walk can use them."""

    hop: NextHop
    tables: HierarchicalTables | None

    def __call__(self, cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        return self.hop(cur, dst)


def _noi_dor_arrays(part: tuple[Topology, np.ndarray] | None, routers: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ports by move as global links, coordinates, grid size, wraps) of a NoI routed by
    dimension order (the arrays `dimension_order` computes its moves and links from)."""
    if part is None:  # no NoI link: no move between chiplets is ever asked for
        return (np.full((routers, 6), -1, dtype=np.int64), np.zeros((routers, 3), np.int64),
                np.ones(3, dtype=np.int64), np.zeros(3, dtype=bool))
    sub, global_link = part
    local = _port_table(sub).reshape(sub.num_nodes, 6)
    ports = np.where(local >= 0, global_link[np.maximum(local, 0)], -1)
    return (ports, np.asarray(sub.node_coord, dtype=np.int64),
            np.asarray(sub.group_dims[0], dtype=np.int64),
            np.asarray(sub.group_wraps[0], dtype=bool))


def hierarchical(topo: Topology) -> HierarchicalNextHop:
    """2.5D routing: on-chip DOR to the boundary router, up, NoI routing, down, on-chip DOR."""
    noi_nodes = np.asarray(topo.meta["noi_nodes"])
    ports = np.asarray(topo.meta.get("boundary_ports",
                                     np.asarray(topo.meta["boundary_nodes"])[:, None]))
    # the port a route uses: the one nearest to its destination PE (0 for routers)
    port_of = np.zeros(topo.num_nodes, dtype=np.int64)
    port_of_pe = np.asarray(topo.meta.get("port_of_pe", ()), dtype=np.int64)
    port_of[:port_of_pe.size] = port_of_pe
    noi_routing = topo.meta.get("noi_routing", "shortest")
    noi_part = _subtopology(topo, noi_nodes)
    noi_hops = _subtopology_hops(noi_part, noi_routing)
    up = np.full(topo.num_nodes, -1, dtype=np.int64)
    ubump = np.flatnonzero(topo.link_kind == UBUMP)
    going_up = topo.node_kind[topo.link_dst[ubump]] == NOI_ROUTER
    up[topo.link_src[ubump[going_up]]] = ubump[going_up]
    down = np.full(ports.shape, -1, dtype=np.int64)  # down[chip, port]
    down_links = ubump[~going_up]
    chip = topo.node_chiplet
    port_index = {int(node): k for row in ports for k, node in enumerate(row)}
    for link in down_links.tolist():
        node = int(topo.link_dst[link])
        down[chip[node], port_index[node]] = link
    is_router = topo.node_kind == NOI_ROUTER
    pe_tables = _pe_hop_tables(topo, is_router, up)
    pe_hop = _pe_hops(pe_tables)
    if pe_hop is None:  # PEs on grids of several shapes, or untabled: dimension order then up
        on_chip = dimension_order(topo)

        def pe_hop(here: np.ndarray, target: np.ndarray, to: np.ndarray) -> np.ndarray:
            leave = (here == target) & (here != to)
            return np.where(leave, up[here], on_chip(here, target))

    pe_chip = np.where(is_router, -1, chip)  # a router is no PE destination on any chiplet

    def from_pes(here: np.ndarray, to: np.ndarray) -> np.ndarray:
        """On a PE: dimension order to the destination, or to the port leaving the chiplet."""
        here_chip = chip[here]
        target = np.where(here_chip == pe_chip[to], to, ports[here_chip, port_of[to]])
        return pe_hop(here, target, to)

    def from_routers(here: np.ndarray, to: np.ndarray) -> np.ndarray:
        """At a chiplet's NoI router: down to the destination's port, or along the NoI."""
        here_chip, to_chip = chip[here], chip[to]
        same_chip = here_chip == to_chip
        step = np.where(is_router[to], -1, down[here_chip, port_of[to]])
        between = ~same_chip  # the only hops that use the NoI routing
        step[between] = noi_hops(here_chip[between], to_chip[between])
        return step

    def next_hop(cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        at_router = is_router[cur]
        if not at_router.any():
            return from_pes(cur, dst)
        result = np.empty(cur.shape, dtype=np.int64)
        on_pe = ~at_router
        result[on_pe] = from_pes(cur[on_pe], dst[on_pe])
        result[at_router] = from_routers(cur[at_router], dst[at_router])
        return result

    tables = None
    if pe_tables is not None and noi_routing == "dor":
        noi_ports, noi_coord, noi_dims, noi_wraps = _noi_dor_arrays(noi_part, noi_nodes.size)
        tables = HierarchicalTables(is_router, chip.astype(np.int64), pe_chip.astype(np.int64),
                                    ports.astype(np.int64), port_of, down, pe_tables,
                                    noi_ports, noi_coord, noi_dims, noi_wraps)
    return HierarchicalNextHop(next_hop, tables)


ROUTINGS.register("dor")(dimension_order)
ROUTINGS.register("shortest")(shortest_path_routing)
ROUTINGS.register("min")(shortest_path_routing)
ROUTINGS.register("hierarchical")(hierarchical)


TABLE_MAX_NODES = 4096
"""Largest network whose full next-hop table (N x N) is cached for route walking."""

TABLE_AFTER_LOOKUPS = 600
"""Hop lookups (about 20 per walk) after which walking switches to the full table."""


@dataclass(frozen=True, eq=False)
class Routing:
    """A topology with its routing function; `table()` gives the full next-hop matrix."""

    topology: Topology
    algorithm: str
    next_hop: NextHop
    _cache: dict = field(default_factory=dict, repr=False)

    def table(self) -> np.ndarray:
        """next_link[cur, dst] for all node pairs (-1 on the diagonal)."""
        if "table" not in self._cache:
            n = self.topology.num_nodes
            table = np.empty((n, n), dtype=np.int32)
            rows = max(1, 2_000_000 // n)
            for first in range(0, n, rows):
                cur, dst = np.divmod(np.arange(first * n, min(n, first + rows) * n), n)
                table[first:first + rows] = self.next_hop(cur, dst).reshape(-1, n)
            self._cache["table"] = table
        return self._cache["table"]

    def lookup(self, cur: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Next links for (cur, dst) pairs: from the full table once it exists or pays off.

        The table costs about as much as a few dozen route walks, so it is built only for a
        routing that keeps being walked (the same design evaluated again and again).
        """
        if "table" not in self._cache:
            calls = self._cache["lookups"] = self._cache.get("lookups", 0) + 1
            if calls < TABLE_AFTER_LOOKUPS or self.topology.num_nodes > TABLE_MAX_NODES:
                return self.next_hop(cur, dst)
        return self.table()[cur, dst]

    def walk(self, src: np.ndarray, dst: np.ndarray):
        """Yield (flow indices, link ids) hop by hop for flows src->dst (vectorised per hop)."""
        active = np.flatnonzero(src != dst)
        cur = src[active].copy()
        target = dst[active]
        for _ in range(self.topology.num_nodes + 1):
            if active.size == 0:
                return
            link = self.lookup(cur, target)
            if np.any(link < 0):
                bad = active[link < 0][0]
                raise TopologyError(
                    f"topology '{self.topology.name}': routing '{self.algorithm}' finds no "
                    f"route from node {src[bad]} to node {dst[bad]}; check that the topology "
                    "is connected (design.noi / design.noc)"
                )
            yield active, link
            cur = self.topology.link_dst[link]
            arrived = cur == target
            active, cur, target = active[~arrived], cur[~arrived], target[~arrived]
        raise TopologyError(
            f"topology '{self.topology.name}': routing '{self.algorithm}' loops without "
            "reaching the destination; use another simulation.routing"
        )


def make_routing(topo: Topology, algorithm: str | None = None) -> Routing:
    """The routing for `topo` (its own default algorithm unless one is named)."""
    check_connected(topo)
    name = algorithm or topo.routing
    return Routing(topo, name, ROUTINGS.get(name)(topo))


def _reaches_all(n: int, src: np.ndarray, dst: np.ndarray) -> bool:
    """Whether a breadth-first search from node 0 along the links src -> dst reaches every node."""
    order = np.argsort(src, kind="stable")
    targets = dst[order]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
    seen = np.zeros(n, dtype=bool)
    seen[0] = True
    slot = np.empty(n, dtype=np.int64)  # where a node last landed in the new frontier
    frontier = np.zeros(1, dtype=np.int64)
    while frontier.size:
        starts = ptr[frontier]
        counts = ptr[frontier + 1] - starts
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        reached = targets[np.arange(counts.sum()) + offsets]
        fresh = reached[~seen[reached]]
        # each new node once (not np.unique: its first plain call imports numpy.ma, ~20 ms)
        places = np.arange(fresh.size)
        slot[fresh] = places
        frontier = fresh[slot[fresh] == places]
        seen[frontier] = True
    return bool(seen.all())


def check_connected(topo: Topology) -> None:
    """Raise TopologyError if some router cannot reach another."""
    n = topo.num_nodes
    src, dst = np.asarray(topo.link_src, dtype=np.int64), np.asarray(topo.link_dst, dtype=np.int64)
    if n <= 1 or (_reaches_all(n, src, dst) and _reaches_all(n, dst, src)):
        return  # node 0 reaches every node and every node reaches node 0: strongly connected
    from scipy.sparse import coo_matrix  # only to name the parts in the message
    from scipy.sparse.csgraph import connected_components

    adj = coo_matrix((np.ones(topo.num_directed_links), (src, dst)), shape=(n, n))
    count, labels = connected_components(adj, directed=True, connection="strong")
    sizes = np.bincount(labels)
    lonely = np.flatnonzero(labels != np.argmax(sizes))[:5]
    raise TopologyError(
        f"topology '{topo.name}' is disconnected: {count} separate parts (nodes "
        f"{lonely.tolist()} cannot reach the rest); add links in design.noi / design.noc"
    )


def channel_dependencies(routing: Routing) -> np.ndarray:
    """Edges (l1, l2) of the channel-dependency graph of a destination-based routing.

    A packet for d holding l1 = (m -> n) waits for l2 = next(n, d). Dependencies out of a
    dateline link into its own dimension are dropped: with dateline virtual channels the
    packet moves to the second VC class there, which breaks the ring's cycle.
    """
    topo = routing.topology
    table = routing.table()
    n = topo.num_nodes
    m, d = np.divmod(np.arange(n * n), n)
    l1 = table[m, d]
    used = l1 >= 0
    l1, d = l1[used], d[used]
    l2 = table[topo.link_dst[l1], d]
    keep = l2 >= 0
    l1, l2 = l1[keep], l2[keep]
    dateline_break = topo.link_dateline[l1] & (topo.link_dim[l1] == topo.link_dim[l2])
    if topo.meta.get("phase_classes"):
        # 2.5D with several ports per chiplet: a packet coming down from the interposer
        # moves to the second VC class, as on a dateline (Dally & Seitz 1987); class 1
        # holds only the destination chiplet's dimension-order hops
        down = (topo.link_kind[l1] == UBUMP) & (topo.node_kind[topo.link_src[l1]] == NOI_ROUTER)
        dateline_break |= down
    l1, l2 = l1[~dateline_break], l2[~dateline_break]
    return np.unique(np.column_stack([l1, l2]), axis=0)


ESCAPE = "escape"
"""Routing name of minimal routing with an up*/down* escape channel (`updown.escape`)."""


def uses_escape(routing: Routing) -> bool:
    """Whether the routing (or, in 2.5D, its NoI routing) relies on an escape channel."""
    topo = routing.topology
    return routing.algorithm == ESCAPE or (routing.algorithm == "hierarchical"
                                           and topo.meta.get("noi_routing") == ESCAPE)


def escape_network(routing: Routing) -> Routing:
    """The routing packets follow on the escape channel: up*/down* where the routes are minimal."""
    topo = routing.topology
    if routing.algorithm == ESCAPE:
        return make_routing(replace(topo, routing="updown"), "updown")
    meta = {**topo.meta, "noi_routing": "updown"}
    return make_routing(replace(topo, meta=meta), routing.algorithm)


def find_dependency_cycle(routing: Routing) -> list[int] | None:
    """A cycle of channels in the dependency graph, or None if the routing is deadlock-free.

    A routing with an escape channel (`updown.escape`) is checked on its escape network.
    """
    import networkx as nx

    if uses_escape(routing):
        routing = escape_network(routing)
    edges = channel_dependencies(routing)
    graph = nx.DiGraph()
    graph.add_edges_from(map(tuple, edges.tolist()))
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    return [int(a) for a, _ in cycle]


def check_deadlock_free(routing: Routing) -> None:
    """Raise TopologyError naming a channel cycle if the routing can deadlock."""
    cycle = find_dependency_cycle(routing)
    if cycle is not None:
        topo = routing.topology
        hops = [f"{topo.link_src[c]}->{topo.link_dst[c]}" for c in cycle[:6]]
        raise TopologyError(
            f"topology '{topo.name}' with routing '{routing.algorithm}' can deadlock: the "
            f"channel-dependency graph has a cycle through links {', '.join(hops)}"
            f"{' ...' if len(cycle) > 6 else ''}; use a deadlock-free routing (dor on "
            "meshes/tori, updown on irregular networks) or add virtual channels"
        )
