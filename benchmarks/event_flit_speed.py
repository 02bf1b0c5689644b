"""Flit backend speed: examples/die_2d_resnet18.yaml, 8 inferences, closed loop (JSON).

Cold compile: one evaluation in a fresh process with an empty numba cache (every numba
function of the run compiled). First: the first evaluation in this process (compiled code
loaded from numba's cache). Warm: the same evaluation again. `--no-compile` skips the
cold-compile run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pimnoc.config import load_run
from pimnoc.evaluate import evaluate_full

TARGET_S = 120.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "die_2d_resnet18.yaml"


def flit_spec(path: Path, inferences: int, network: str = "flit", granularity: str = "rows"):
    """The example on the event engine with `network`, a batch of `inferences` per network."""
    spec = load_run(path)
    nets = [n.model_copy(update={"arrivals": n.arrivals.model_copy(
        update={"batch": inferences})}) for n in spec.workload.networks]
    sim = spec.simulation.model_copy(update={"engine": "event", "network": network,
                                             "granularity": granularity})
    return spec.model_copy(update={"simulation": sim, "workload": spec.workload.model_copy(
        update={"networks": nets})})


def timed(spec) -> tuple[float, dict]:
    """Wall seconds of one evaluation, and the event engine's own breakdown."""
    started = time.perf_counter()
    result = evaluate_full(spec, detail=False).result
    wall = time.perf_counter() - started
    event = result.extra["event"]
    cycles = event["cycles_simulated"]
    return wall, {"wall_s": round(wall, 3), "task_build_s": round(event["build_s"], 3),
                  "event_loop_s": round(event["loop_s"], 3),
                  "tasks": result.extra["tasks"], "messages": result.extra["messages"],
                  "kernel_calls": int(event["kernel_calls"]),
                  "cycles_simulated": int(cycles),
                  "cycles_skipped": int(event["cycles_skipped"]),
                  "cycles_per_s": round(cycles / event["loop_s"]) if event["loop_s"] else None,
                  "makespan_s": result.extra["makespan_s"],
                  "mean_latency_s": result.extra["inference_latency_s"]["mean"]}


def cold_compile(inferences: int) -> dict:
    """One evaluation in a fresh process whose numba cache is empty."""
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, str(inferences), "--one"],
                             env={**os.environ, "NUMBA_CACHE_DIR": cache}, check=True,
                             capture_output=True, text=True)
        return {"process_wall_s": round(time.perf_counter() - started, 3),
                **json.loads(out.stdout)}


def main(inferences: int = 8, compile_cold: bool = True) -> dict:
    """Cold-compile, first and warm evaluations of the example."""
    spec = flit_spec(EXAMPLE, inferences)
    cold = cold_compile(inferences) if compile_cold else None
    first, first_info = timed(spec)
    warm, warm_info = timed(spec)
    return {"benchmark": "event_flit_speed", "example": EXAMPLE.name,
            "inferences": inferences, "granularity": "rows", "network": "flit",
            "cold_compile": cold, "first_cached": first_info, "warm": warm_info,
            "target_s": TARGET_S, "warm_meets_target": warm < TARGET_S,
            "first_meets_target": first < TARGET_S,
            "cold_compile_meets_target": None if cold is None
            else cold["process_wall_s"] < TARGET_S}


if __name__ == "__main__":
    args = sys.argv[1:]
    count = int(args[0]) if args and args[0].isdigit() else 8
    if "--one" in args:
        print(json.dumps(timed(flit_spec(EXAMPLE, count))[1]))
    else:
        print(json.dumps(main(count, "--no-compile" not in args), indent=1))
