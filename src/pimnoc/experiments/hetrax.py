"""Reproduce HeTraX's comparison: a ReRAM-only PIM manycore vs a heterogeneous one.

Dhingra, Doppa and Pande, "HeTraX: Energy Efficient 3D Heterogeneous Manycore Architecture
for Transformer Acceleration" (ISLPED 2024) put attention's dynamic matrix products,
softmax and layer norm on GPU-like streaming-multiprocessor tiers and the static-weight
projections and feed-forward layers on a ReRAM tier, and report up to 5.6x speedup and
14.5x better EDP than state-of-the-art transformer accelerators, thermally feasible.

Here both designs have the same ReRAM PEs (576 ISAAC-style PEs); the heterogeneous one adds
digital PEs (Simba PEs, `hardware/digital.py`) as whole chiplets in 2.5D (12 digital chiplets
beside the 36 ReRAM ones) or as a whole tier in 3D (one digital tier under four ReRAM tiers,
when 3D integration is available). In the ReRAM-only design the same operators run on the
small digital unit of the ReRAM PEs that produce their input, as pimnoc does for any design
without digital PEs. Every ratio is `ReRAM-only / heterogeneous` (above 1: heterogeneous is
better), computed from the two evaluations.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate
from pimnoc.hardware.system import INTEGRATIONS

PUBLISHED = {"speedup": 5.6, "edp_improvement": 14.5}
"""HeTraX's abstract: up to 5.6x speedup and 14.5x better EDP (vs prior accelerators)."""

DESIGNS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "2.5d": (
        {"integration": "2.5d", "chiplets": {"rows": 6, "cols": 6}, "pes": {"rows": 4, "cols": 4}},
        {"integration": "2.5d", "chiplets": {"rows": 6, "cols": 8}, "pes": {"rows": 4, "cols": 4},
         "digital": {"fraction": 0.25, "placement": "chiplet"}},
    ),
    "3d": (
        {"integration": "3d", "tiers": 4, "pes": {"rows": 12, "cols": 12},
         "noc": {"topology": "mesh3d"}},
        {"integration": "3d", "tiers": 5, "pes": {"rows": 12, "cols": 12},
         "noc": {"topology": "mesh3d"}, "digital": {"fraction": 0.2, "placement": "tier"}},
    ),
}
"""(ReRAM-only, heterogeneous) design of each integration: 576 ReRAM PEs in both."""

WORKLOADS: tuple[dict[str, Any], ...] = (
    {"model": "bert_base", "seq_len": 128},
    {"model": "bert_base", "seq_len": 512},
    {"model": "vit_b_16"},
    {"model": "gpt2", "seq_len": 512},
    {"model": "gpt2_decode", "seq_len": 1024},
)
"""Transformer workloads of the full run (HeTraX evaluates BERT- and GPT-class models)."""

QUICK_WORKLOADS: tuple[dict[str, Any], ...] = (
    {"model": "bert_base", "seq_len": 128},
    {"model": "bert_base", "seq_len": 512},
    {"model": "gpt2_decode", "seq_len": 1024},
)
"""The subset `--quick` runs."""

DIFFERENCES: tuple[str, ...] = (
    "baseline: HeTraX compares with published transformer accelerators (GPU- and "
    "PIM-based); here the baseline is pimnoc's own ReRAM-only design of the same ReRAM PEs, "
    "with attention on each PE's small digital unit (16 ops/cycle)",
    "digital PEs: one Simba PE each (64 MACs/cycle, 0.11 pJ/op, 16 nm) instead of GPU SMs "
    "with their memory controllers; no DRAM or memory-controller traffic is modelled",
    "iso-ReRAM, not iso-area: the heterogeneous design adds the digital PEs' area",
    "latency is the layer-by-layer critical path of one inference (no overlap of layers "
    "within one inference); the speedup is its ratio, the throughput ratio is listed apart",
    "thermal feasibility is not checked here (run with thermal.enabled for the 3D stack)",
    "HeTraX's figures are maxima over its models and sequence lengths; ours are per point",
)


@dataclass(frozen=True)
class HetraxRow:
    """One workload on one integration: both designs' figures and their ratios."""

    integration: str
    workload: str
    reram: dict[str, float]
    hetero: dict[str, float]
    speedup: float
    throughput_ratio: float
    energy_ratio: float
    edp_improvement: float


@dataclass(frozen=True)
class HetraxReport:
    """All rows, the published numbers, the differences, and what was skipped."""

    rows: list[HetraxRow]
    published: dict[str, float] = field(default_factory=lambda: dict(PUBLISHED))
    differences: tuple[str, ...] = DIFFERENCES
    skipped: list[dict[str, str]] = field(default_factory=list)
    wall_s: float = 0.0

    def best(self, key: str) -> float:
        """The largest value of a ratio over all rows."""
        return max((getattr(r, key) for r in self.rows), default=float("nan"))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        data = asdict(self)
        data["differences"] = list(self.differences)
        data["best"] = {k: self.best(k) for k in ("speedup", "throughput_ratio",
                                                  "energy_ratio", "edp_improvement")}
        return data


def workload_label(net: dict[str, Any]) -> str:
    """`bert_base@512` style name of a workload entry."""
    return net["model"] + (f"@{net['seq_len']}" if "seq_len" in net else "")


def _figures(result) -> dict[str, float]:
    return {"latency_s": result.latency_s, "throughput_ips": float(result.throughput_ips),
            "energy_j": result.energy_j["total"], "edp_js": result.edp_js,
            "area_mm2": result.area_mm2, "interval_s": float(result.interval_s),
            "bottleneck": result.bottleneck}


def reproduce_hetrax(quick: bool = False, integrations: Sequence[str] | None = None,
                     workloads: Sequence[dict[str, Any]] | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> HetraxReport:
    """Evaluate every (integration, workload) pair on both designs."""
    started = time.perf_counter()
    chosen = list(integrations or DESIGNS)
    nets = list(workloads or (QUICK_WORKLOADS if quick else WORKLOADS))
    rows, skipped = [], []
    todo = [(i, n) for i in chosen for n in nets]
    for done, (integration, net) in enumerate(todo):
        if progress is not None:
            progress(done, len(todo), f"{integration} {workload_label(net)}")
        if integration not in INTEGRATIONS:
            skipped.append({"integration": integration, "workload": workload_label(net),
                            "reason": f"integration '{integration}' is not available"})
            continue
        reram_design, hetero_design = DESIGNS[integration]
        results = [evaluate(parse_run({"workload": {"networks": [net]}, "design": design,
                                       "mapping": {"placement": "hilbert"}},
                                      f"hetrax {integration}"))
                   for design in (reram_design, hetero_design)]
        a, b = results
        rows.append(HetraxRow(
            integration, workload_label(net), _figures(a), _figures(b),
            speedup=a.latency_s / b.latency_s,
            throughput_ratio=float(b.throughput_ips / a.throughput_ips),
            energy_ratio=a.energy_j["total"] / b.energy_j["total"],
            edp_improvement=a.edp_js / b.edp_js))
    if progress is not None:
        progress(len(todo), len(todo), "done")
    return HetraxReport(rows, skipped=skipped, wall_s=time.perf_counter() - started)
