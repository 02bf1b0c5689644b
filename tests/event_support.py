"""Hand-made task graphs for the event-engine tests."""

from __future__ import annotations

import numpy as np

from pimnoc.engines.event.engine import Instances, execute, message_routes
from pimnoc.engines.event.tasks import COMPUTE, _graph


def make_graph(task_node, task_dur, messages):
    """A TaskGraph: tasks (node, duration) and messages (producer, consumer, dst node, bits)."""
    node = np.asarray(task_node, dtype=np.int64)
    dur = np.asarray(task_dur, dtype=float)
    n = node.size
    msgs = sorted(messages, key=lambda m: m[0])
    task = np.array([m[0] for m in msgs], dtype=np.int64)
    cons = np.array([m[1] for m in msgs], dtype=np.int64)
    dst = np.array([m[2] for m in msgs], dtype=np.int64)
    bits = np.array([m[3] for m in msgs], dtype=float)
    zeros_t, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(task.size, dtype=np.int64)
    return _graph(node, dur, np.arange(n), zeros_t, np.full(n, COMPUTE), np.zeros(n), task,
                  node[task] if task.size else zeros_m, dst, bits, zeros_m, zeros_m, zeros_m,
                  np.arange(task.size), cons)


def run_graph(graph, mesh, arrivals=(0.0,), header_flits=0):
    """Execute `graph` once per arrival time on the mesh."""
    topo, routing, net = mesh
    routes = message_routes(graph, routing, net)
    arrival = np.asarray(arrivals, dtype=float)
    instances = Instances(np.zeros(arrival.size, dtype=np.int64), arrival)
    return execute(graph, routes, instances, net, topo.num_nodes, topo.num_directed_links,
                   header_flits)
