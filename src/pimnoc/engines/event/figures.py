"""Figures of an executed run: latency distribution, throughput, busy time, link use, power."""

from __future__ import annotations

from typing import Any

import numpy as np

from pimnoc.engines.event.engine import Execution


def latency_stats(latency_s: np.ndarray) -> dict[str, float]:
    """Mean, median, 95th and 99th percentile and maximum of inference latencies."""
    if latency_s.size == 0:
        return {"mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    p50, p95, p99 = np.percentile(latency_s, [50, 95, 99])
    return {"mean": float(latency_s.mean()), "p50": float(p50), "p95": float(p95),
            "p99": float(p99), "max": float(latency_s.max())}


def steady_throughput_ips(completion_s: np.ndarray, arrival_s: np.ndarray) -> float:
    """Completions per second between the first and the last completion ((N-1)/span); with
    a single inference, 1 / its latency."""
    done = np.sort(completion_s)
    if done.size >= 2 and done[-1] > done[0]:
        return float((done.size - 1) / (done[-1] - done[0]))
    span = float(done.max(initial=0.0) - arrival_s.min(initial=0.0))
    return float(done.size / span) if span > 0 else 0.0


def completions(x: Execution) -> np.ndarray:
    """Completion time of every inference: its last task's finish."""
    done = np.zeros(x.instances.network.size)
    np.maximum.at(done, x.task_instance, x.finish_s)
    return done


def window_edges(x: Execution, makespan_s: float) -> np.ndarray:
    """Edges of the recorded time windows up to the makespan."""
    used = max(1, min(x.link_window_bits.shape[0], int(np.ceil(makespan_s / x.window_s))))
    edges = np.arange(used + 1) * x.window_s
    edges[-1] = max(min(edges[-1], makespan_s), edges[-2] if used > 1 else makespan_s)
    return edges


def spread(start: np.ndarray, finish: np.ndarray, amount: np.ndarray,
           edges: np.ndarray) -> np.ndarray:
    """Per window, the part of each amount spread evenly over [start, finish) (instants go
    to the window they fall in)."""
    span = finish - start
    instant = span <= 0
    out = np.histogram(np.clip(start[instant], edges[0], edges[-1]), bins=edges,
                       weights=amount[instant])[0]
    s, f, a = start[~instant], finish[~instant], amount[~instant] / span[~instant]
    # integral of a * 1[s <= t < f] from 0 to each edge, by sorted cumulative sums
    order_s, order_f = np.argsort(s), np.argsort(f)
    cs_a = np.concatenate([[0], np.cumsum(a[order_s])])
    cs_as = np.concatenate([[0], np.cumsum((a * s)[order_s])])
    cf_a = np.concatenate([[0], np.cumsum(a[order_f])])
    cf_af = np.concatenate([[0], np.cumsum((a * f)[order_f])])
    ns = np.searchsorted(s[order_s], edges, side="right")
    nf = np.searchsorted(f[order_f], edges, side="right")
    integral = (edges * cs_a[ns] - cs_as[ns]) - (edges * cf_a[nf] - cf_af[nf])
    return out + np.diff(integral)


def event_figures(x: Execution, names: list[str], task_energy_j: np.ndarray,
                  msg_energy_j: np.ndarray, link_bandwidth_bps: float | np.ndarray,
                  leakage_w: float, num_pes: int,
                  link_energy_per_bit_j: np.ndarray) -> dict[str, Any]:
    """Every figure of an executed run, as plain JSON values."""
    inst = x.instances
    done = completions(x)
    latency = done - inst.arrival_s
    makespan = float(x.finish_s.max(initial=0.0))
    per_network: dict[str, Any] = {}
    throughput = []
    for k, name in enumerate(names):
        mine = inst.network == k
        stats = latency_stats(latency[mine])
        thr = steady_throughput_ips(done[mine], inst.arrival_s[mine])
        per_network[name] = {**stats, "inferences": int(mine.sum()), "throughput_ips": thr}
        throughput.append(thr)
    g = x.graph
    occupy = g.occupies[x.task_tmpl]
    busy = np.bincount(g.task_node[x.task_tmpl][occupy],
                       weights=(x.finish_s - x.start_s)[occupy], minlength=num_pes)
    used = np.unique(g.task_node[g.occupies])
    busy_fraction = busy[used] / makespan if makespan > 0 else np.zeros(used.size)
    edges = window_edges(x, makespan)
    widths = np.diff(edges)
    n_win = widths.size
    bits = x.link_window_bits[:n_win]
    bandwidth = np.asarray(link_bandwidth_bps, dtype=float)  # one figure, or one per link
    util = bits / (np.maximum(widths, 1e-300)[:, None] * bandwidth)
    total_bits = bits.sum(axis=0)
    mean_util = total_bits / (bandwidth * makespan) if makespan > 0 else total_bits
    compute_w = spread(x.start_s, x.finish_s, task_energy_j[x.task_tmpl], edges)
    network_w = bits @ link_energy_per_bit_j
    eject = np.histogram(np.clip(x.sent_s, edges[0], edges[-1]), bins=edges,
                         weights=msg_energy_j[x.msg_tmpl])[0]
    # link + router energy per bit over each link is in `link_energy_per_bit_j`; what the
    # messages' energy holds beyond it (the destination routers) goes where a message ends
    eject = eject - np.histogram(np.clip(x.sent_s, edges[0], edges[-1]), bins=edges,
                                 weights=_hop_energy(x, link_energy_per_bit_j))[0]
    power = (compute_w + network_w + eject) / np.maximum(widths, 1e-300) + leakage_w
    sent = x.wire_bits[x.msg_tmpl]
    received = np.where(x.arrive_s >= 0, sent, 0.0)
    remote = np.diff(x.routes.ptr)[x.msg_tmpl] > 0
    return {
        "inference_latency_s": {**latency_stats(latency), "per_network": per_network},
        "throughput_ips": float(min(throughput)) if throughput else 0.0,
        "completions_ips": float(sum(throughput)),
        "makespan_s": makespan,
        "inferences": int(inst.network.size),
        "pe_busy_fraction": {"mean": float(busy_fraction.mean()) if used.size else 0.0,
                             "max": float(busy_fraction.max(initial=0.0))},
        "link_utilisation": {
            "mean": float(mean_util.mean()) if mean_util.size else 0.0,
            "busiest_mean": float(mean_util.max(initial=0.0)),
            "peak_window": float(util.max(initial=0.0)),
            "window_s": float(x.window_s),
        },
        "power_trace": {"window_s": float(x.window_s),
                        "time_s": edges[:-1].tolist(), "end_s": float(edges[-1]),
                        "power_w": power.tolist(),
                        "network_w": ((network_w + eject) / np.maximum(widths, 1e-300)
                                      ).tolist()},
        "bits": {"sent": float(sent[remote].sum()), "received": float(received[remote].sum())},
        "_link_mean": mean_util, "_link_peak": util.max(axis=0) if n_win else mean_util,
        "tasks": int(x.task_tmpl.size), "messages": int(x.msg_tmpl.size),
    }


def _hop_energy(x: Execution, link_energy_per_bit_j: np.ndarray) -> np.ndarray:
    """Per global message, its payload bits times the per-bit energies of its links."""
    r = x.routes
    owner = np.repeat(np.arange(r.hop_ptr.size - 1), np.diff(r.hop_ptr))
    per_msg = np.bincount(owner, weights=link_energy_per_bit_j[r.hop_links],
                          minlength=r.hop_ptr.size - 1)
    return (x.graph.msg_bits * per_msg)[x.msg_tmpl]
