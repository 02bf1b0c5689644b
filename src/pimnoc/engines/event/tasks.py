"""Tasks and messages of one inference of a mapped workload: the event engine's input.

A layer's work runs on *workers* (a PE and the range of output positions it computes); a
worker's range splits into row blocks, one task each (`granularity: rows`; one block per
worker with `granularity: layer`). A task's duration is its share of the layer's compute
time (pim/compute.py), so the executed work is the analytical engine's. Output *units*
(node, position range, channel range, worker) are the traffic model's output pieces
(network/traffic.py); a message carries the overlap of one producer task's rows with one
consumer node's need, so per (source, destination, producer, consumer) the message bits sum
to the traffic model's flow bits. A consumer task waits for the messages whose rows fall
under its window: the kernel window of a convolution or pooling, the same rows for
row-local operators, everything for classifiers over a flattened map, a matmul's second
operand and graph aggregation. Partial sums go from each row tile's task to a reduce task
on the holder of the first row tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.engines.compute.layer import LayerCompute
from pimnoc.mapping.mapper import Mapping
from pimnoc.traffic.flows import (
    ACTIVATION,
    PARTIAL_SUM,
    Pieces,
    layer_segments,
    weighted_needs,
)
from pimnoc.traffic.hosted import hosted_pieces

DEPENDENCY = 2
"""Message kind of a pure dependency (no bits; a reduce or barrier waiting on a task)."""

COMPUTE, REDUCE, GATE, SOURCE = range(4)
"""Task roles: crossbar or digital work; partial-sum reduction; layer barrier; network input."""

EPS = 1e-12


@dataclass(frozen=True)
class TaskGraph:
    """Tasks and messages of one inference of every network (tasks grouped by network)."""

    task_node: np.ndarray
    task_duration_s: np.ndarray
    task_layer: np.ndarray
    task_network: np.ndarray
    task_role: np.ndarray
    task_energy_j: np.ndarray
    msg_task: np.ndarray  # producer task (messages sorted by it)
    msg_src: np.ndarray
    msg_dst: np.ndarray
    msg_bits: np.ndarray
    msg_producer_layer: np.ndarray
    msg_consumer_layer: np.ndarray
    msg_kind: np.ndarray
    cons_ptr: np.ndarray  # CSR: message -> consumer tasks
    cons_task: np.ndarray

    @property
    def num_tasks(self) -> int:
        """Tasks of one inference."""
        return int(self.task_node.size)

    @property
    def num_messages(self) -> int:
        """Messages of one inference."""
        return int(self.msg_task.size)

    @property
    def occupies(self) -> np.ndarray:
        """Tasks that hold their PE (compute); the others complete as soon as ready."""
        return self.task_role == COMPUTE

    def dependency_count(self) -> np.ndarray:
        """Incoming messages of every task."""
        return np.bincount(self.cons_task, minlength=self.num_tasks).astype(np.int64)


class _Builder:
    """Accumulates workers, tasks and messages layer by layer."""

    def __init__(self, mapping: Mapping, compute: LayerCompute, blocks: np.ndarray) -> None:
        self.mapping = mapping
        self.compute = compute
        self.blocks = blocks  # row blocks per layer
        self.task_cols: dict[str, list] = {k: [] for k in
                                           ("node", "dur", "layer", "role", "p0", "p1")}
        self.num_tasks = 0
        # worker: first task, first block, block count, blocks of its layer
        self.w_first: list[int] = []
        self.w_j0: list[int] = []
        self.w_n: list[int] = []
        self.w_rows: list[int] = []
        self.w_range: list[tuple[float, float]] = []
        self._table = np.zeros((1024, 4), dtype=np.int64)  # worker_arrays, grown on demand
        self._filled = 0
        self.msg_cols: dict[str, list] = {k: [] for k in ("task", "dst", "bits", "u", "v",
                                                          "kind")}
        self.dep_msg: list[np.ndarray] = []  # (message index, consumer task) pairs
        self.dep_task: list[np.ndarray] = []
        self.num_msgs = 0
        self.consumers: list[tuple] = []  # per layer: (task ids, node, p0, p1) taking inputs

    def worker(self, layer: int, node: int, p0: float, p1: float, time_s: float,
               role: int) -> int:
        """Add a worker computing positions [p0, p1) of `layer` in `time_s`; its id."""
        rows = int(self.blocks[layer])
        j0 = int(np.floor(p0 * rows + 1e-9))
        j1 = max(j0 + 1, int(np.ceil(p1 * rows - 1e-9)))
        j = np.arange(j0, j1)
        lo = np.maximum(p0, j / rows)
        hi = np.minimum(p1, (j + 1) / rows)
        width = max(p1 - p0, EPS)
        n = j.size
        c = self.task_cols
        c["node"].append(np.full(n, node))
        c["dur"].append(time_s * np.clip(hi - lo, 0.0, None) / width)
        c["layer"].append(np.full(n, layer))
        c["role"].append(np.full(n, role))
        c["p0"].append(lo)
        c["p1"].append(hi)
        self.w_first.append(self.num_tasks)
        self.w_j0.append(j0)
        self.w_n.append(n)
        self.w_rows.append(rows)
        self.w_range.append((p0, p1))
        self.num_tasks += n
        return len(self.w_first) - 1

    def worker_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(first task, first block, block count, blocks of the layer) of every worker."""
        n = len(self.w_first)
        if self._table.shape[0] < n:
            grown = np.zeros((max(2 * self._table.shape[0], n), 4), dtype=np.int64)
            grown[:self._filled] = self._table[:self._filled]
            self._table = grown
        if self._filled < n:
            self._table[self._filled:n] = np.column_stack(
                [self.w_first[self._filled:], self.w_j0[self._filled:],
                 self.w_n[self._filled:], self.w_rows[self._filled:]])
            self._filled = n
        t = self._table[:n]
        return t[:, 0], t[:, 1], t[:, 2], t[:, 3]

    def task_p0(self, w: int) -> float:
        """Start of worker `w`'s position range."""
        return self.w_range[w][0]

    def task_p1(self, w: int) -> float:
        """End of worker `w`'s position range."""
        return self.w_range[w][1]

    def worker_tasks(self, w: int) -> np.ndarray:
        """Task ids of worker `w`."""
        return self.w_first[w] + np.arange(self.w_n[w])

    def messages(self, worker: np.ndarray, dst: np.ndarray, bits: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray, u: int, v: int, kind: int):
        """Messages for (producer worker, destination, bits over positions [lo, hi)) pairs.

        The bits split over the worker's row blocks inside [lo, hi) by their width; messages
        with the same (task, destination) merge. Returns (message ids, their position ranges).
        """
        keep = (bits > 0) & (hi - lo > EPS)
        worker, dst, bits, lo, hi = worker[keep], dst[keep], bits[keep], lo[keep], hi[keep]
        if worker.size == 0:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64)
        w_first, w_j0, w_n, w_rows = self.worker_arrays()
        first, j0w, nw, rows = w_first[worker], w_j0[worker], w_n[worker], w_rows[worker]
        j_lo = np.clip(np.floor(lo * rows + 1e-9).astype(np.int64), j0w, j0w + nw - 1)
        j_hi = np.clip(np.ceil(hi * rows - 1e-9).astype(np.int64), j_lo + 1, j0w + nw)
        count = j_hi - j_lo
        pair = np.repeat(np.arange(worker.size), count)
        j = j_lo[pair] + np.arange(pair.size) - np.repeat(np.cumsum(count) - count, count)
        m_lo = np.maximum(lo[pair], j / rows[pair])
        m_hi = np.minimum(hi[pair], (j + 1) / rows[pair])
        share = np.clip(m_hi - m_lo, 0.0, None) / (hi - lo)[pair]
        task = first[pair] + j - j0w[pair]
        key = task * (int(dst.max()) + 1) + dst[pair]
        keys, inverse = np.unique(key, return_inverse=True)
        m_bits = np.bincount(inverse, weights=bits[pair] * share)
        m_p0 = np.full(keys.size, np.inf)
        m_p1 = np.full(keys.size, -np.inf)
        np.minimum.at(m_p0, inverse, m_lo)
        np.maximum.at(m_p1, inverse, m_hi)
        m_task = keys // (int(dst.max()) + 1)
        m_dst = keys % (int(dst.max()) + 1)
        ids = self.add_messages(m_task, m_dst, m_bits, u, v, kind)
        return ids, m_p0, m_p1, m_dst

    def add_messages(self, task, dst, bits, u: int, v: int, kind: int) -> np.ndarray:
        """Append messages; their ids."""
        n = np.size(task)
        c = self.msg_cols
        c["task"].append(np.asarray(task, np.int64))
        c["dst"].append(np.asarray(dst, np.int64))
        c["bits"].append(np.asarray(bits, float))
        c["u"].append(np.full(n, u))
        c["v"].append(np.full(n, v))
        c["kind"].append(np.full(n, kind))
        ids = self.num_msgs + np.arange(n)
        self.num_msgs += n
        return ids

    def depend(self, msgs: np.ndarray, tasks: np.ndarray) -> None:
        """Consumer `tasks[k]` waits for message `msgs[k]`."""
        self.dep_msg.append(np.asarray(msgs, np.int64))
        self.dep_task.append(np.asarray(tasks, np.int64))


def _rule(mapping: Mapping, v: int, j: int) -> str:
    """How consumer `v`'s output rows map to the rows of its j-th input."""
    layer = mapping.layers[v]
    u = mapping.layers[mapping.preds[v][j]]
    if layer.op in ("aggregate",) or (layer.op == "matmul" and j > 0):
        return "all"
    if layer.op == "linear":
        return "local" if layer.in_hw[0] * layer.in_hw[1] == u.positions else "all"
    if layer.op in ("conv", "pool"):
        if layer.mode == "adaptive_avg" or layer.in_hw[0] != u.out_hw[0]:
            return "all"
        return "kernel"
    return "local"


def _window(mapping: Mapping, v: int, j: int, p0: np.ndarray, p1: np.ndarray):
    """Fractions of input j's rows that consumer tasks over output fractions [p0, p1) read."""
    rule = _rule(mapping, v, j)
    if rule == "all":
        return np.zeros(p0.size), np.ones(p0.size)
    if rule == "local":
        return p0, p1
    layer = mapping.layers[v]
    rows_out, rows_in = layer.out_hw[0], mapping.layers[mapping.preds[v][j]].out_hw[0]
    first = np.floor(p0 * rows_out + 1e-9)
    last = np.ceil(p1 * rows_out - 1e-9) - 1
    lo = first * layer.stride[0] - layer.padding[0]
    hi = last * layer.stride[0] - layer.padding[0] + layer.kernel[0]
    return np.clip(lo, 0, rows_in) / rows_in, np.clip(hi, 0, rows_in) / rows_in


def _bind(b: _Builder, mapping: Mapping, v: int, j: int, ids, m_p0, m_p1, m_dst) -> None:
    """Make each consumer task of layer v wait for the messages of input j under its window."""
    if ids.size == 0 or v >= len(b.consumers) or b.consumers[v] is None:
        return
    tasks, node, p0, p1 = b.consumers[v]
    w0, w1 = _window(mapping, v, j, p0, p1)
    for d in np.unique(m_dst):
        at = np.flatnonzero(node == d)
        got = np.flatnonzero(m_dst == d)
        if at.size == 0:
            continue
        hit = (m_p0[got][None, :] < w1[at][:, None] - EPS) & \
              (m_p1[got][None, :] > w0[at][:, None] + EPS)
        # A task whose window catches none of the data sent here waits for the nearest piece.
        empty = ~hit.any(axis=1)
        if empty.any():
            mid = 0.5 * (m_p0[got] + m_p1[got])
            want = 0.5 * (w0[at[empty]] + w1[at[empty]])
            hit[np.flatnonzero(empty), np.argmin(np.abs(want[:, None] - mid[None, :]),
                                                 axis=1)] = True
        t_idx, m_idx = np.nonzero(hit)
        b.depend(ids[got[m_idx]], tasks[at[t_idx]])


def _units(node, p0, p1, c0, c1, worker) -> dict[str, np.ndarray]:
    return {"node": np.asarray(node, np.int64), "p0": np.asarray(p0, float),
            "p1": np.asarray(p1, float), "c0": np.asarray(c0, float),
            "c1": np.asarray(c1, float), "worker": np.asarray(worker, np.int64)}


def _as_pieces(units: dict[str, np.ndarray]) -> Pieces:
    return Pieces(units["node"], units["p0"], units["p1"], units["c0"], units["c1"])


def _overlap_messages(b: _Builder, src: dict, need: Pieces, tensor_bits: float, u: int,
                      v: int):
    """Messages of the overlaps between producer units and a consumer's need pieces."""
    lo = np.maximum(src["p0"][:, None], need.p0[None, :])
    hi = np.minimum(src["p1"][:, None], need.p1[None, :])
    cw = np.clip(np.minimum(src["c1"][:, None], need.c1[None, :])
                 - np.maximum(src["c0"][:, None], need.c0[None, :]), 0, None)
    area = np.clip(hi - lo, 0, None) * cw
    a, k = np.nonzero(area > 1e-15)
    return b.messages(src["worker"][a], need.node[k], area[a, k] * tensor_bits, lo[a, k],
                      hi[a, k], u, v, ACTIVATION)


def _graph_messages(b: _Builder, src: dict, need, tensor_bits: float, u: int, v: int):
    """Messages of a graph aggregation: each producer unit's flows over its rows."""
    worker, dst, bits, lo, hi = [], [], [], [], []
    for a in range(src["node"].size):
        one = Pieces(src["node"][a:a + 1], src["p0"][a:a + 1], src["p1"][a:a + 1],
                     src["c0"][a:a + 1], src["c1"][a:a + 1])
        _s, d, bit = need(one, tensor_bits)
        worker.append(np.full(d.size, src["worker"][a]))
        dst.append(d)
        bits.append(bit)
        lo.append(np.full(d.size, src["p0"][a]))
        hi.append(np.full(d.size, src["p1"][a]))
    cat = np.concatenate
    return b.messages(cat(worker), cat(dst).astype(np.int64), cat(bits), cat(lo), cat(hi), u,
                      v, ACTIVATION)


def _weighted(b: _Builder, mapping: Mapping, i: int, time_s: float):
    """Workers, partial sums and output units of a crossbar layer; its input needs.

    A PE's copies of the layer are separate crossbars working at once (the partition
    model's replication), so one worker per PE covers all its copies' positions in the
    layer's time; its row tiles of a column tile held elsewhere send partial sums to a
    reduce worker on the holder, which the layer's consumers then wait for.
    """
    seg = layer_segments(mapping, i)
    tiles, r, pe = mapping.tiles[i], int(mapping.replication[i]), mapping.pe
    compute = {}
    for node in np.unique(seg.node).tolist():
        reps = seg.replica[seg.node == node]
        compute[node] = b.worker(i, node, reps.min() / r, (reps.max() + 1) / r, time_s,
                                 COMPUTE)
    holder = seg.row_lo == 0
    block = seg.replica * tiles.col_tiles + seg.col_tile
    holder_node = np.empty(r * tiles.col_tiles, dtype=np.int64)
    holder_node[block[holder]] = seg.node[holder]
    senders = np.flatnonzero(~holder)
    reduce = {}
    if senders.size:
        h_node = holder_node[block[senders]]
        for node in np.unique(h_node).tolist():
            own = compute[node]
            reduce[node] = b.worker(i, node, b.task_p0(own),
                                    b.task_p1(own), 0.0, REDUCE)
            tasks = b.worker_tasks(own)  # the holder's own row tiles feed the reduction
            ids = b.add_messages(tasks, np.full(tasks.size, node), np.zeros(tasks.size), i, i,
                                 DEPENDENCY)
            b.depend(ids, b.worker_tasks(reduce[node]))
        lo_c = seg.col_tile[senders] * pe.crossbar_cols / tiles.cols
        hi_c = np.minimum((seg.col_tile[senders] + 1) * pe.crossbar_cols, tiles.cols) / tiles.cols
        layer = mapping.layers[i]
        bits = (layer.positions / r) * (hi_c - lo_c) * layer.cout * pe.psum_bits
        rep = seg.replica[senders]
        workers = np.array([compute[int(n)] for n in seg.node[senders]])
        ids, m_p0, m_p1, m_dst = b.messages(workers, h_node, bits, rep / r, (rep + 1) / r, i,
                                            i, PARTIAL_SUM)
        # Each partial-sum message feeds the reduce task of the same rows on its holder.
        red = np.array([reduce[int(n)] for n in m_dst])
        w_first, w_j0, w_n, w_rows = b.worker_arrays()
        j = np.floor(0.5 * (m_p0 + m_p1) * w_rows[red]).astype(np.int64)
        j = np.clip(j, w_j0[red], w_j0[red] + w_n[red] - 1)
        b.depend(ids, w_first[red] + j - w_j0[red])
    c0 = seg.col_tile[holder] * pe.crossbar_cols / tiles.cols
    c1 = np.minimum((seg.col_tile[holder] + 1) * pe.crossbar_cols, tiles.cols) / tiles.cols
    out_worker = [reduce.get(int(n), compute[int(n)]) for n in seg.node[holder]]
    rep = seg.replica[holder]
    units = _units(seg.node[holder], rep / r, (rep + 1) / r, c0, c1, out_worker)
    tasks = np.concatenate([b.worker_tasks(w) for w in compute.values()])
    return units, weighted_needs(mapping, i, seg), tasks


def _hosted(b: _Builder, mapping: Mapping, i: int, time_s: float, units: list):
    """Workers and output units of an operator without crossbars; its input needs."""
    outputs = [(_as_pieces(x) if x is not None else None) for x in units]
    out, need = hosted_pieces(mapping, i, outputs)
    digital = mapping.digital
    if digital is not None and digital.placed(i):
        share = dict(zip(digital.hosts[i].tolist(), digital.shares[i].tolist(), strict=True))
        workers = [b.worker(i, int(n), float(p0), float(p1), time_s * share[int(n)], COMPUTE)
                   for n, p0, p1 in zip(out.node, out.p0, out.p1, strict=True)]
    else:
        seen: dict[tuple, int] = {}
        workers = []
        for n, p0, p1 in zip(out.node.tolist(), out.p0.tolist(), out.p1.tolist(), strict=True):
            if (n, p0, p1) not in seen:
                seen[(n, p0, p1)] = b.worker(i, n, p0, p1, time_s, COMPUTE)
            workers.append(seen[(n, p0, p1)])
    tasks = np.unique(np.concatenate([b.worker_tasks(w) for w in set(workers)]))
    return _units(out.node, out.p0, out.p1, out.c0, out.c1, workers), need, tasks


def build_tasks(mapping: Mapping, compute: LayerCompute, granularity: str = "rows",
                max_row_blocks: int = 256, layer_barrier: bool = False) -> TaskGraph:
    """Tasks and messages of one inference of every network of `mapping`."""
    rows = np.array([max(1, layer.out_hw[0]) for layer in mapping.layers])
    blocks = np.minimum(rows, max_row_blocks) if granularity == "rows" else np.ones_like(rows)
    b = _Builder(mapping, compute, blocks)
    act_bits = mapping.pe.act_bits
    units: list[dict | None] = []
    needs: list = []
    gates: list[int] = []
    for i, layer in enumerate(mapping.layers):
        preds = mapping.preds[i]
        time_s = float(compute.time_s[i])
        chunk_start, task_start = len(b.task_cols["node"]), b.num_tasks
        gates.append(b.worker(i, _layer_home(mapping, i), 0.0, 1.0, 0.0, GATE)
                     if layer_barrier and preds and layer.op != "concat" else -1)
        if layer.op == "concat":
            parts, offset = [], 0
            for u in preds:
                width = mapping.layers[u].cout / layer.cout
                src = units[u]
                parts.append(_units(src["node"], src["p0"], src["p1"],
                                    offset / layer.cout + src["c0"] * width,
                                    offset / layer.cout + src["c1"] * width, src["worker"]))
                offset += mapping.layers[u].cout
            units.append({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
            needs.append(None)
            b.consumers.append(None)
            continue
        if layer.weighted:
            out, need, tasks = _weighted(b, mapping, i, time_s)
        elif layer.op == "input" or not preds:
            node = mapping.network_first_node(int(mapping.network_of[i]))
            w = b.worker(i, node, 0.0, 1.0, time_s, SOURCE if time_s == 0 else COMPUTE)
            out, need, tasks = _units([node], [0.0], [1.0], [0.0], [1.0], [w]), None, \
                b.worker_tasks(w)
        else:
            out, need, tasks = _hosted(b, mapping, i, time_s, units)
        units.append(out)
        needs.append(need)
        p, first = b.task_cols, chunk_start
        local = tasks - task_start
        b.consumers.append((tasks, np.concatenate(p["node"][first:])[local],
                            np.concatenate(p["p0"][first:])[local],
                            np.concatenate(p["p1"][first:])[local]))
        if need is None:
            continue
        for j, u in enumerate(preds):
            tensor_bits = float(mapping.layers[u].output_elements * act_bits)
            one = need[j] if isinstance(need, tuple) else need
            if callable(one):
                got = _graph_messages(b, units[u], one, tensor_bits, u, i)
            else:
                got = _overlap_messages(b, units[u], one, tensor_bits, u, i)
            _bind(b, mapping, i, j, *got)
    graph = _assemble(b, mapping, compute)
    if layer_barrier:
        graph = _with_barriers(graph, np.asarray(gates))
    return graph


def _layer_home(mapping: Mapping, i: int) -> int:
    """A node to hang a layer's barrier on (its network's first node)."""
    return mapping.network_first_node(int(mapping.network_of[i]))


def _assemble(b: _Builder, mapping: Mapping, compute: LayerCompute) -> TaskGraph:
    """Arrays of the builder's tasks and messages, messages sorted by producer task."""
    cat = np.concatenate
    t = {k: cat(v) if v else np.zeros(0) for k, v in b.task_cols.items()}
    node = t["node"].astype(np.int64)
    layer = t["layer"].astype(np.int64)
    role = t["role"].astype(np.int64)
    dur = t["dur"].astype(float)
    energy = _task_energy(layer, role, dur, compute.energy_j)
    m = {k: cat(v) if v else np.zeros(0, np.int64) for k, v in b.msg_cols.items()}
    order = np.argsort(m["task"].astype(np.int64), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    dep_msg = rank[cat(b.dep_msg)] if b.dep_msg else np.zeros(0, np.int64)
    dep_task = cat(b.dep_task) if b.dep_task else np.zeros(0, np.int64)
    task = m["task"][order].astype(np.int64)
    return _graph(node, dur, layer, np.asarray(mapping.network_of)[layer], role, energy, task,
                  node[task], m["dst"][order].astype(np.int64), m["bits"][order].astype(float),
                  m["u"][order].astype(np.int64), m["v"][order].astype(np.int64),
                  m["kind"][order].astype(np.int64), dep_msg, dep_task)


def _graph(node, dur, layer, network, role, energy, task, src, dst, bits, u, v, kind,
           dep_msg, dep_task) -> TaskGraph:
    """A TaskGraph with its (message, consumer) pairs in CSR form (duplicates dropped)."""
    width = max(int(node.size), 1)
    pairs = np.unique(dep_msg * width + dep_task)
    dep_msg, dep_task = pairs // width, pairs % width
    ptr = np.zeros(task.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(dep_msg, minlength=task.size), out=ptr[1:])
    return TaskGraph(node, dur, layer, network, role, energy, task, src, dst, bits, u, v, kind,
                     ptr, dep_task.astype(np.int64))


def _task_energy(layer, role, dur, layer_energy_j) -> np.ndarray:
    """Each layer's compute energy split over its compute tasks by duration (evenly if 0)."""
    work = role == COMPUTE
    total = np.bincount(layer[work], weights=dur[work], minlength=layer_energy_j.size)
    count = np.bincount(layer[work], minlength=layer_energy_j.size)
    energy = np.zeros(dur.size)
    by_time = work & (total[layer] > 0)
    energy[by_time] = layer_energy_j[layer[by_time]] * dur[by_time] / total[layer[by_time]]
    even = work & (total[layer] <= 0)
    energy[even] = layer_energy_j[layer[even]] / np.maximum(count[layer[even]], 1)
    return energy


def _with_barriers(g: TaskGraph, gates: np.ndarray) -> TaskGraph:
    """Layer by layer: all data into a layer feeds its gate, which then releases its work."""
    msg_of_pair = np.repeat(np.arange(g.num_messages), np.diff(g.cons_ptr))
    gated = (g.msg_kind == ACTIVATION) & (gates[g.msg_consumer_layer] >= 0)
    keep = ~gated[msg_of_pair]
    inputs = np.flatnonzero(gated)
    released = np.flatnonzero((g.task_role == COMPUTE) & (gates[g.task_layer] >= 0))
    gate_of = _gate_task(g, gates, g.task_layer[released])
    n = released.size
    task = np.concatenate([g.msg_task, gate_of])
    order = np.argsort(task, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    new_ids = g.num_messages + np.arange(n)
    dep_msg = rank[np.concatenate([msg_of_pair[keep], inputs, new_ids])]
    dep_task = np.concatenate([g.cons_task[keep],
                               _gate_task(g, gates, g.msg_consumer_layer[inputs]), released])

    def extend(old, new):
        return np.concatenate([old, new])[order]

    node = g.task_node
    return _graph(node, g.task_duration_s, g.task_layer, g.task_network, g.task_role,
                  g.task_energy_j, task[order], extend(g.msg_src, node[gate_of]),
                  extend(g.msg_dst, node[gate_of]), extend(g.msg_bits, np.zeros(n)),
                  extend(g.msg_producer_layer, g.task_layer[released]),
                  extend(g.msg_consumer_layer, g.task_layer[released]),
                  extend(g.msg_kind, np.full(n, DEPENDENCY)), dep_msg, dep_task)


def _gate_task(g: TaskGraph, gates: np.ndarray, layers: np.ndarray) -> np.ndarray:
    """Task id of the gate of each layer in `layers`."""
    gate_tasks = np.flatnonzero(g.task_role == GATE)
    by_layer = np.full(gates.size, -1, dtype=np.int64)
    by_layer[g.task_layer[gate_tasks]] = gate_tasks
    return by_layer[layers]
