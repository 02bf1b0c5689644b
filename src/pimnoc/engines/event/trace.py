"""Chrome / Perfetto trace-event JSON of an executed run: a track per PE and per busy link."""

from __future__ import annotations

from typing import Any

import numpy as np

from pimnoc.engines.event.engine import Execution
from pimnoc.hardware.topology import LINK_KINDS
from pimnoc.result import write_text_atomic

MAX_EVENTS = 200_000
"""Slices written at most (the earliest ones), so that a trace stays openable."""

BUSY_LINKS = 32
"""Links with a track of their own: the ones that carried the most bits."""


def trace_events(x: Execution, layer_names: list[str], network_names: list[str],
                 num_links: int, link_names: list[str],
                 max_events: int = MAX_EVENTS) -> dict[str, Any]:
    """The trace-event document (`traceEvents`, times in microseconds)."""
    g = x.graph
    occupy = g.occupies[x.task_tmpl]
    tasks = np.flatnonzero(occupy)
    node = g.task_node[x.task_tmpl[tasks]]
    layer = g.task_layer[x.task_tmpl[tasks]]
    r = x.routes
    hops = np.diff(r.hop_ptr)
    owner = np.repeat(np.arange(hops.size), hops)
    counts = np.bincount(x.msg_tmpl, minlength=hops.size)
    load = np.bincount(r.hop_links, weights=(g.msg_bits * counts)[owner], minlength=num_links)
    busy = np.argsort(-load, kind="stable")[:BUSY_LINKS]
    busy = busy[load[busy] > 0]
    slices = []
    for t, n, lay in zip(tasks.tolist(), node.tolist(), layer.tolist(), strict=True):
        slices.append((x.start_s[t], 1, n, layer_names[lay], x.finish_s[t] - x.start_s[t],
                       int(x.task_instance[t])))
    track_of = {int(link): k for k, link in enumerate(busy.tolist())}
    on_busy = np.isin(r.hop_links, busy)
    msgs_on = {}
    for tm, link in zip(owner[on_busy].tolist(), r.hop_links[on_busy].tolist(), strict=True):
        msgs_on.setdefault(tm, []).append(link)
    if msgs_on:
        wanted = np.isin(x.msg_tmpl, np.fromiter(msgs_on, dtype=np.int64))
        for m in np.flatnonzero(wanted).tolist():
            tm = int(x.msg_tmpl[m])
            for link in msgs_on[tm]:
                slices.append((x.begin_s[m], 2, track_of[link],
                               f"{layer_names[g.msg_producer_layer[tm]]} -> "
                               f"{layer_names[g.msg_consumer_layer[tm]]}",
                               x.sent_s[m] - x.begin_s[m], int(x.msg_instance[m])))
    slices.sort(key=lambda s: (s[0], s[1], s[2]))
    truncated = len(slices) > max_events
    slices = slices[:max_events]
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": 1, "args": {"name": "PEs"}},
        {"name": "process_name", "ph": "M", "pid": 2, "args": {"name": "busiest links"}},
    ]
    for n in np.unique(node).tolist():
        events.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": n,
                       "args": {"name": f"PE node {n}"}})
    for link, k in track_of.items():
        events.append({"name": "thread_name", "ph": "M", "pid": 2, "tid": k,
                       "args": {"name": link_names[link]}})
    nets = x.instances.network
    for start, pid, tid, name, dur, inst in slices:
        events.append({"name": name, "ph": "X", "pid": pid, "tid": tid,
                       "ts": float(start) * 1e6, "dur": max(float(dur), 0.0) * 1e6,
                       "args": {"inference": inst, "network": network_names[int(nets[inst])]}})
    return {"traceEvents": events, "displayTimeUnit": "ns",
            "otherData": {"truncated": truncated, "slices": len(slices),
                          "max_events": max_events}}


def write_trace(evaluation, path) -> None:
    """Write the trace of an evaluation's event-engine run to `path` (atomically)."""
    import json


    topo = evaluation.topology
    links = [f"link {s}->{d} ({LINK_KINDS[k]})" for s, d, k in
             zip(topo.link_src.tolist(), topo.link_dst.tolist(), topo.link_kind.tolist(),
                 strict=True)]
    doc = trace_events(evaluation.execution, [layer.name for layer in evaluation.mapping.layers],
                       [w.name for w in evaluation.mapping.workloads],
                       topo.num_directed_links, links)
    write_text_atomic(json.dumps(doc), path)
