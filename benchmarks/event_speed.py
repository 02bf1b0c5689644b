"""Event engine speed: floret_mix_100 (six ImageNet CNNs, 1600 PEs), 8 inferences each (JSON).

Cold: the first evaluation in this process (numba's compiled code loaded from its cache,
or compiled if there is none). Warm: the same evaluation again (mapping reused).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from pimnoc.config import load_run
from pimnoc.evaluate import evaluate_full

TARGET_S = 10.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "floret_mix_100.yaml"


def event_spec(path: Path, inferences: int, granularity: str):
    """The example with the event engine and a batch of `inferences` per network."""
    spec = load_run(path)
    nets = [n.model_copy(update={"arrivals": n.arrivals.model_copy(
        update={"batch": inferences})}) for n in spec.workload.networks]
    sim = spec.simulation.model_copy(update={"engine": "event", "granularity": granularity})
    return spec.model_copy(update={"simulation": sim, "workload": spec.workload.model_copy(
        update={"networks": nets})})


def timed(spec) -> tuple[float, dict]:
    """Wall seconds of one evaluation, and the event engine's own breakdown."""
    started, cpu = time.perf_counter(), time.process_time()
    result = evaluate_full(spec, detail=False).result
    wall = time.perf_counter() - started
    event = result.extra["event"]
    return wall, {"wall_s": round(wall, 3), "cpu_s": round(time.process_time() - cpu, 3),
                  "load_average_1min": round(os.getloadavg()[0], 2),
                  "task_build_s": round(event["build_s"], 3),
                  "event_loop_s": round(event["loop_s"], 3),
                  "event_loop_cpu_s": round(event["loop_cpu_s"], 3),
                  "tasks": result.extra["tasks"], "messages": result.extra["messages"],
                  "rate_solves": int(event["rate_solves"]),
                  "flows_rerated": int(event["flows_rerated"]),
                  "makespan_s": result.extra["makespan_s"],
                  "mean_latency_s": result.extra["inference_latency_s"]["mean"]}


def main(inferences: int = 8, granularity: str = "rows") -> dict:
    """Cold then warm evaluation of the example."""
    spec = event_spec(EXAMPLE, inferences, granularity)
    cold, cold_info = timed(spec)
    warm, warm_info = timed(spec)
    return {"benchmark": "event_speed", "example": EXAMPLE.name,
            "inferences_per_network": inferences, "granularity": granularity,
            "network": "flow", "cold": cold_info, "warm": warm_info,
            "target_s": TARGET_S, "warm_meets_target": warm < TARGET_S}


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(int(args[0]) if args else 8, args[1] if len(args) > 1 else "rows"),
                     indent=1))
