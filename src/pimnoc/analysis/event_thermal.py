"""Temperatures over time of an event-engine run: its power trace into the transient solver.

Each time window of the run (the windows of `power_trace`) gets a power map: the compute
energy of the tasks that ran on each PE in the window (spread evenly over each task), the
network energy of the window placed on the nodes in proportion to their router and link
power in the design's power map, and each node's leakage at the reference temperature.
The run starts from the steady state of its mean power map (the chip serving this load
continuously) and is stepped window by window with the implicit-Euler transient solver.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pimnoc.analysis.design_thermal import (
    NodePower,
    ThermalParams,
    node_maps,
    stack_for,
)
from pimnoc.analysis.thermal import Stack, solve_steady, solve_transient
from pimnoc.engines.event.engine import Execution
from pimnoc.engines.event.figures import window_edges


def node_energy_windows(start_s: np.ndarray, finish_s: np.ndarray, energy_j: np.ndarray,
                        node: np.ndarray, edges: np.ndarray, num_nodes: int) -> np.ndarray:
    """Energy (J) per (window, node): each task's energy spread evenly over [start,
    finish), an instantaneous task's in the window it falls in."""
    n_win = edges.size - 1
    # cumulative energy at each edge: whole tasks finished by it, plus the started part
    # of those running across it
    cum = np.zeros((n_win + 2, num_nodes))
    done_at = np.maximum(np.searchsorted(edges, finish_s, side="left"), 1)  # edge >= finish
    np.add.at(cum, (np.minimum(done_at, n_win + 1), node), energy_j)
    cum = np.cumsum(cum, axis=0)[: n_win + 1]
    span = finish_s - start_s
    first = np.searchsorted(edges, start_s, side="right")  # first edge > start
    across = np.maximum(np.minimum(done_at, n_win + 1) - first, 0)
    task = np.repeat(np.arange(start_s.size), across)
    edge = np.arange(task.size) - np.repeat(np.cumsum(across) - across, across) + first[task]
    keep = edge <= n_win
    task, edge = task[keep], edge[keep]
    part = energy_j[task] * (edges[edge] - start_s[task]) / np.maximum(span[task], 1e-300)
    np.add.at(cum, (edge, node[task]), part)
    return np.diff(cum, axis=0)


def window_power_w(x: Execution, task_energy_j: np.ndarray, network_j: np.ndarray,
                   power: NodePower, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per window and node, dynamic power (W); and the window edges (s)."""
    makespan = float(x.finish_s.max(initial=0.0))
    edges = window_edges(x, makespan)
    widths = np.maximum(np.diff(edges), 1e-300)
    compute = node_energy_windows(x.start_s, x.finish_s, task_energy_j[x.task_tmpl],
                                  x.graph.task_node[x.task_tmpl], edges, num_nodes)
    net_shape = power.router_w + power.link_w
    share = net_shape / net_shape.sum() if net_shape.sum() > 0 else np.zeros(num_nodes)
    network = network_j[:, None] * share[None, :]
    return (compute + network) / widths[:, None], edges


def transient_extras(topo, stack: Stack, params: ThermalParams, node_w: np.ndarray,
                     edges: np.ndarray) -> dict[str, Any]:
    """Peak temperature over the run's windows, from the steady state at its mean power."""
    widths = np.diff(edges)
    maps = np.stack([node_maps(topo, w, stack, params.nx, params.ny) for w in node_w])
    mean_map = np.tensordot(widths / widths.sum(), maps, axes=1)
    steady = solve_steady(stack, mean_map)
    peaks, times, state, t = [steady.peak_temperature_k], [0.0], steady, 0.0
    # every window has one width but the last (cut at the makespan): a run per width
    same = np.flatnonzero(np.abs(widths - widths[0]) <= 1e-12 * widths[0])
    cut = int(same[-1]) + 1 if same.size and same[0] == 0 else 1
    for lo, hi in ((0, cut), (cut, len(widths))):
        if hi <= lo:
            continue
        run = solve_transient(stack, maps[lo:hi], float(widths[lo]), hi - lo, nx=params.nx,
                              ny=params.ny, initial=state)
        state = run.final
        times += (t + run.times_s[1:]).tolist()
        t = times[-1]
        peaks += run.peak_temperature_k[1:].tolist()
    return {"time_s": times, "peak_temperature_k": peaks,
            "max_peak_temperature_k": float(max(peaks)),
            "steady_mean_power_peak_k": steady.peak_temperature_k,
            "mean_power_w": float(mean_map.sum()),
            "start": "steady state of the run's mean power"}


def event_thermal(evaluation, params: ThermalParams, power: NodePower) -> dict[str, Any]:
    """`thermal_transient` of a Result: the event run's temperatures over time."""
    x = evaluation.execution
    topo = evaluation.topology
    stack = stack_for(topo, params)
    trace = evaluation.result.extra["power_trace"]
    edges = np.asarray(trace["time_s"] + [trace["end_s"]])
    network_j = np.asarray(trace["network_w"]) * np.diff(edges)
    node_w, _ = window_power_w(x, x.graph.task_energy_j, network_j, power, topo.num_nodes)
    node_w = node_w * params.power_scale + power.leakage_ref_w[None, :]
    return transient_extras(topo, stack, params, node_w, edges)
