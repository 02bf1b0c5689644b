"""Seconds per design point: ResNet-152 on a 10x10-chiplet 2.5D mesh of 4x4 PEs (JSON)."""

from __future__ import annotations

import json
import statistics
import sys
import time

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate

TARGET_S = 0.5


def main(repeats: int = 5) -> dict:
    """Warm up once (topology, routing, model caches), then time `repeats` evaluations."""
    spec = parse_run({
        "workload": {"networks": [{"model": "resnet152", "input_hw": 224}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 10, "cols": 10},
                   "pes": {"rows": 4, "cols": 4}, "noi": {"topology": "mesh"}},
        "mapping": {"placement": "hilbert"},
    })
    started = time.perf_counter()
    evaluate(spec)
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = evaluate(spec)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    return {
        "benchmark": "evaluate_speed",
        "workload": "resnet152@224",
        "design": "2.5d mesh NoI, 10x10 chiplets x 4x4 PEs",
        "nodes": result.topology["nodes"],
        "first_evaluation_s": round(first, 4),
        "seconds_per_point_median": round(median, 4),
        "seconds_per_point_all": [round(t, 4) for t in times],
        "target_s": TARGET_S,
        "meets_target": median < TARGET_S,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=1))
