"""The flit simulator against BookSim2: every reference case, every unsaturated rate.

Each point is simulated with BookSim's own measurement protocol (3 warm-up periods of 1000
cycles, then periods until convergence) for several seeds. Latency must agree within 5 %
and accepted flit rate within 3 % — or, where BookSim's single-seed figure is itself less
precise than that, within three standard deviations of that figure's sampling spread
(estimated from our seeds for latency; from the Poisson count of accepted packets in
BookSim's 3000-cycle window for throughput). docs/cycle_model.md lists the points.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from support import DATA_DIR

from pimnoc.engines.flit import SimParams, kary_topology, simulate
from pimnoc.hardware.topologies.anynet import anynet_topology

REFERENCE = json.loads(
    (DATA_DIR / "booksim_reference.json").read_text()
)
SEEDS = 8
POINTS = [(case, point) for case in REFERENCE["cases"] for point in case["points"]
          if not point["saturated"]]


def booksim_like(case: dict):
    """Topology and routing named by a reference case's BookSim config."""
    cfg = case["config"]
    if cfg["topology"] == "anynet":
        return anynet_topology(case["edges"]), "min"
    return kary_topology(cfg["topology"], cfg["k"]), "dor"


def params_of(cfg: dict, seed: int) -> SimParams:
    """SimParams with the reference case's BookSim parameters."""
    return SimParams(
        num_vcs=cfg["num_vcs"], vc_buf_size=cfg["vc_buf_size"],
        packet_size=cfg["packet_size"], routing_delay=cfg["routing_delay"],
        vc_alloc_delay=cfg["vc_alloc_delay"], sw_alloc_delay=cfg["sw_alloc_delay"],
        st_final_delay=cfg["st_final_delay"], credit_delay=cfg["credit_delay"],
        warmup_periods=cfg["warmup_periods"], sample_period=cfg["sample_period"],
        max_samples=cfg["max_samples"], latency_thres=cfg["latency_thres"], seed=seed,
    )


@pytest.mark.parametrize(
    ("case", "point"), POINTS,
    ids=[f"{c['name']}@{p['injection_rate_packets']}" for c, p in POINTS],
)
def test_matches_booksim(case: dict, point: dict) -> None:
    cfg = case["config"]
    topo, routing = booksim_like(case)
    rate = point["injection_rate_packets"]
    runs = [simulate(topo, routing, cfg["traffic"], rate, params_of(cfg, seed))
            for seed in range(1, SEEDS + 1)]
    assert not any(r.saturated for r in runs)
    latency = np.array([r.packet_latency_mean for r in runs])
    accepted = np.array([r.accepted_flit_rate for r in runs])
    hops = np.mean([r.hops_mean for r in runs])

    ref_lat = point["packet_latency"]
    lat_spread = latency.std(ddof=1) / latency.mean()
    lat_tol = max(0.05, 3 * lat_spread)
    assert abs(latency.mean() - ref_lat) / ref_lat <= lat_tol, (latency, ref_lat)

    ref_acc = point["accepted_flit_rate"]
    window = 3 * cfg["sample_period"]
    packets = rate * topo.num_nodes * window
    acc_tol = max(0.03, 3 / np.sqrt(packets))
    assert abs(accepted.mean() - ref_acc) / ref_acc <= acc_tol, (accepted, ref_acc)
    assert abs(hops - point["hops"]) / point["hops"] <= 0.03


def test_zero_load_latency_follows_booksim_pipeline() -> None:
    """Without contention: 2 cycles in, per router the four stage delays, per link its
    latency + 1, 2 cycles out, then one cycle per further flit (BookSim's IQ router)."""
    topo = kary_topology("mesh", 4)
    p = SimParams(num_vcs=2, vc_buf_size=4, packet_size=3, routing_delay=2,
                  vc_alloc_delay=1, sw_alloc_delay=1, st_final_delay=1, credit_delay=0)
    r = simulate(topo, "dor", "bitcomp", 0.001, p)
    hops = r.hops_mean  # routers traversed
    per_router = 2 + 1 + 1 + 1 - 1  # stages, the last one sending in its own cycle
    expected = 2 + per_router * hops + (1 + 1) * (hops - 1) + 2 + (3 - 1)
    assert r.packet_latency_mean == pytest.approx(expected, rel=0.005)
    t = np.arange(16)  # bit complement on 4x4: t -> 15 - t
    possible = np.abs(t % 4 - (15 - t) % 4) + np.abs(t // 4 - (15 - t) // 4) + 1
    assert possible.min() <= hops <= possible.max()
