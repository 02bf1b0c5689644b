"""BookSim-style k-ary 2-cube networks for the flit simulator and its comparisons."""

from __future__ import annotations

import dataclasses

import numpy as np

from pimnoc.errors import SimulationError
from pimnoc.hardware.system import SystemSpec, build_die
from pimnoc.hardware.topology import Topology

BOOKSIM_LINK_LATENCY = {"mesh": 1, "torus": 2}
"""Channel latency BookSim's k-ary n-cube gives its links (a torus is laid out folded)."""


def kary_topology(kind: str, k: int, link_latency: int | None = None) -> Topology:
    """A k x k mesh or torus die, one terminal per router, BookSim's link latencies by default.

    Router id = y * k + x as in BookSim. Pass `link_latency` to override the cycles per link.
    """
    if kind not in BOOKSIM_LINK_LATENCY:
        raise SimulationError(
            f"topology (--topology) '{kind}' is not a k-ary grid; choose mesh or torus"
        )
    if not isinstance(k, int) or k < 2:
        raise SimulationError(f"k (--k) must be an integer >= 2, got {k!r}")
    latency = BOOKSIM_LINK_LATENCY[kind] if link_latency is None else int(link_latency)
    if latency < 1:
        raise SimulationError(f"link latency (--link-latency) must be >= 1, got {latency}")
    topo = build_die(SystemSpec(integration="2d", pe_rows=k, pe_cols=k, noc=kind))
    return dataclasses.replace(
        topo, name=f"{kind}{k}x{k}",
        link_latency_cycles=np.full(topo.num_directed_links, latency, dtype=np.int64),
    )
