"""Analytical-engine time and peak memory from 10^3 to 10^5 PEs, with the fitted growth (JSON).

The six-CNN mix of examples/floret_mix_100.yaml (ResNet-34/50/152, VGG-16, DenseNet-121/169)
on 2.5D meshes of 6x6-PE chiplets, from 5x5 to 50x50 chiplets (900 to 90,000 PEs). The mix
is listed once per 1,600 PEs (the example's ratio) and replicated automatically to fill the
rest. Each size runs in a fresh process: seconds of the whole `evaluate` (a cold run: nothing
cached, the zoo models built too), and the process's peak
resident memory (getrusage) above what it held after the imports, and seconds per stage
(routing lookups and the all-pairs next-hop table are inside route_flows). The growth exponent is
the slope of log(figure) against log(PEs), least squares. `evaluate_cpu_s` is the process's
CPU time over the same span (the machine is shared: wall time grows with the load, CPU time
much less). `--million` adds the 64x64 chiplets of 16x16 PEs (1,048,576 PEs) point, with
its own targets.
Usage: python benchmarks/scaling.py [LARGEST_GRID] [--million]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PES_PER_CHIPLET = 6  # 6x6 PEs, as the 100,000-PE design (50x50 chiplets)
GRIDS = (5, 9, 17, 29, 50)
PES_PER_MIX = 1600  # examples/floret_mix_100.yaml: the six CNNs on 10x10 chiplets of 4x4 PEs
TARGET_100K_S, TARGET_100K_MB = 5.0, 1000.0  # issue 16, at 100,000 PEs
MILLION_GRID, MILLION_PES_PER_CHIPLET = 64, 16  # issue 16: 64x64 chiplets of 16x16 PEs
TARGET_1M_S, TARGET_1M_MB = 60.0, 8000.0  # issue 16, at a million PEs
MIX = ["resnet34", "resnet50", "resnet152", "vgg16", "densenet121", "densenet169"]

CHILD = """
import json, resource, sys, time
import pimnoc.evaluate as e
from pimnoc.config import parse_run
from pimnoc.hardware.routing import Routing
grid, copies, pes = (int(v) for v in sys.argv[1:4])
mix = json.loads(sys.argv[4])
spec = parse_run({
    "workload": {"networks": [{"model": m, "input_hw": 224} for m in mix] * copies},
    "design": {"integration": "2.5d", "chiplets": {"rows": grid, "cols": grid},
               "pes": {"rows": pes, "cols": pes}, "noi": {"topology": "mesh"}},
    "mapping": {"placement": "hilbert", "replication": "auto"},
    "simulation": {"engine": "analytical"},
})
stages, stages_cpu = {}, {}
def timed(owner, name, label):
    fn = getattr(owner, name)
    def wrapper(*args, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            stages[label] = stages.get(label, 0.0) + time.perf_counter() - started
            stages_cpu[label] = stages_cpu.get(label, 0.0) + time.process_time() - cpu
    setattr(owner, name, wrapper)
for name in ("topology_and_routing", "workloads_of", "map_and_place", "workload_flows",
             "layer_compute", "route_flows", "estimate", "edge_part_tables", "layer_finish",
             "_assemble"):
    timed(e, name, name)
timed(Routing, "lookup", "routing lookups (inside route_flows)")
timed(Routing, "table", "all-pairs next-hop table (inside lookups)")
base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started, cpu_started = time.perf_counter(), time.process_time()
result = e.evaluate(spec)
total_s = time.perf_counter() - started
cpu_s = time.process_time() - cpu_started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"nodes": result.topology["nodes"], "evaluate_s": total_s,
                  "evaluate_cpu_s": cpu_s,
                  "peak_rss_above_imports_mb": (peak_kb - base_kb) / 1024,
                  "peak_rss_mb": peak_kb / 1024, "stages_s": stages,
                  "stages_cpu_s": stages_cpu}))
"""


def run_size(grid: int, pes_per_chiplet: int = PES_PER_CHIPLET) -> dict:
    """One design size in a fresh process."""
    pes = grid * grid * pes_per_chiplet**2
    copies = max(1, round(pes / PES_PER_MIX))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = [str(grid), str(copies), str(pes_per_chiplet), json.dumps(MIX)]
    done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"chiplets": f"{grid}x{grid}", "pes": pes, "error": done.stderr.strip()[-400:]}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"chiplets": f"{grid}x{grid}", "pes": pes, "mix_copies": copies,
            **{k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()
               if not k.startswith("stages")},
            **{key: {k: round(v, 3) for k, v in sorted(figures[key].items(),
                                                       key=lambda kv: -kv[1])}
               for key in ("stages_s", "stages_cpu_s")}}


def slope(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log(y) on log(x)."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main(largest: int = GRIDS[-1], million: bool = False) -> dict:
    """Every size up to `largest` chiplets a side (and the million-PE point); the fits."""
    load_at_start = round(os.getloadavg()[0], 2)
    sizes = [run_size(g) for g in GRIDS if g <= largest]
    ok = [s for s in sizes if "error" not in s]
    report = {"benchmark": "scaling",
              "workload": "six-CNN mix of examples/floret_mix_100.yaml, one copy per 1,600 PEs, "
                          "replication auto", "design": "2.5d mesh NoI, 6x6-PE chiplets, hilbert",
              "load_average_1min_at_start": load_at_start, "sizes": sizes}
    if len(ok) >= 2:
        pes = [s["pes"] for s in ok]
        report["growth_exponent_evaluate_s"] = round(slope(pes, [s["evaluate_s"] for s in ok]), 2)
        report["growth_exponent_evaluate_cpu_s"] = round(
            slope(pes, [s["evaluate_cpu_s"] for s in ok]), 2)
        for stage in ("workload_flows", "route_flows", "map_and_place", "edge_part_tables",
                      "layer_finish", "_assemble"):
            report[f"growth_exponent_{stage}_s"] = round(
                slope(pes, [max(s["stages_s"].get(stage, 0.0), 1e-4) for s in ok]), 2)
        report["growth_exponent_peak_rss"] = round(
            slope(pes, [max(s["peak_rss_above_imports_mb"], 1.0) for s in ok]), 2)
    largest_ok = max(ok, key=lambda s: s["pes"]) if ok else None
    if largest_ok is not None:
        report["largest"] = {"pes": largest_ok["pes"],
                             "stage_share_of_evaluate": {
                                 k: round(v / largest_ok["evaluate_s"], 3)
                                 for k, v in largest_ok["stages_s"].items()},
                             "target_s_at_100k_pes": TARGET_100K_S,
                             "target_mb_at_100k_pes": TARGET_100K_MB}
        if largest_ok["pes"] >= 90_000:  # the 100,000-PE design: 50x50 chiplets of 6x6
            report["largest"]["meets_time_target"] = largest_ok["evaluate_s"] < TARGET_100K_S
            report["largest"]["meets_memory_target"] = (
                largest_ok["peak_rss_above_imports_mb"] < TARGET_100K_MB)
    if million:
        point = run_size(MILLION_GRID, MILLION_PES_PER_CHIPLET)
        report["million"] = {**point, "target_s": TARGET_1M_S, "target_mb": TARGET_1M_MB,
                             "design": f"{MILLION_GRID}x{MILLION_GRID} chiplets of "
                                       f"{MILLION_PES_PER_CHIPLET}x{MILLION_PES_PER_CHIPLET} PEs"}
        if "error" not in point:
            report["million"]["meets_time_target"] = point["evaluate_s"] < TARGET_1M_S
            report["million"]["meets_memory_target"] = (
                point["peak_rss_above_imports_mb"] < TARGET_1M_MB)
    report["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    return report


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--million"]
    print(json.dumps(main(int(args[0]) if args else GRIDS[-1], "--million" in sys.argv[1:]),
                     indent=1))
