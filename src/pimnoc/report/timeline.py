"""Timeline of an event-engine run: per-layer Gantt chart and link utilisation over time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.patches import Patch

from pimnoc.report.common import plt, save_figure


def timeline(evaluation, path: str | Path) -> Path:
    """Gantt bars of each layer's work per inference, above link utilisation per window."""
    x = evaluation.execution
    g = x.graph
    n_layers = evaluation.mapping.num_layers
    busy = g.occupies[x.task_tmpl]
    layer = g.task_layer[x.task_tmpl[busy]]
    inst = x.task_instance[busy]
    key = layer * x.instances.network.size + inst
    keys, inverse = np.unique(key, return_inverse=True)
    first = np.full(keys.size, np.inf)
    last = np.zeros(keys.size)
    np.minimum.at(first, inverse, x.start_s[busy])
    np.maximum.at(last, inverse, x.finish_s[busy])
    bar_layer = keys // x.instances.network.size
    network = np.asarray(evaluation.mapping.network_of)[bar_layer]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    colours = plt.get_cmap("tab10")
    top.barh(bar_layer, (last - first) * 1e6, left=first * 1e6, height=0.8,
             color=[colours(k % 10) for k in network.tolist()], linewidth=0)
    top.set_ylim(n_layers, -1)
    top.set_ylabel("layer (index)")
    names = [w.name for w in evaluation.mapping.workloads]
    handles = [Patch(color=colours(k % 10), label=name) for k, name in enumerate(names)]
    top.legend(handles=handles, loc="upper right", fontsize="small")
    top.set_title("layers at work, per inference (event engine)")
    makespan = float(x.finish_s.max(initial=0.0))
    used = max(1, min(x.link_window_bits.shape[0], int(np.ceil(makespan / x.window_s))))
    bits = x.link_window_bits[:used]
    util = bits / (evaluation.net.link_bandwidth_bps * x.window_s)
    mid = (np.arange(used) + 0.5) * x.window_s * 1e6
    bottom.step(mid, util.max(axis=1) * 100, where="mid", label="busiest link")
    bottom.step(mid, util[:, util.sum(axis=0) > 0].mean(axis=1) * 100 if util.any()
                else np.zeros(used), where="mid", label="mean over links in use")
    bottom.set_ylabel("link utilisation (%)")
    bottom.set_xlabel("time (µs)")
    bottom.legend(loc="upper right", fontsize="small")
    return save_figure(fig, path)
