"""Seconds per design point, cold (every cache cleared) and warm; fresh-process wall times.

Cold: in one process after a first evaluation (imports and numba compilation done), every
in-process cache is cleared before each timed evaluation: the mapping cache of
`pimnoc.evaluate` and every `functools.lru_cache` in the `pimnoc` package (topology and
routing, workloads, placement searches). Warm: the same spec evaluated again with the caches
filled. Fresh process: wall time of the `pimnoc` console script in a new Python process for
`run`, `--help` and a bad flag (benchmarks/startup.py).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from pimnoc import evaluate as evaluate_module
from pimnoc.config import load_run, parse_run
from pimnoc.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {  # issue 16
    "resnet152_10x10_cold": 0.15,
    "floret_mix_100_cold": 0.5,
}


def clear_caches() -> int:
    """Empty the mapping cache and every lru_cache of the pimnoc package; how many were cleared."""
    evaluate_module._mapping_cache.clear()
    cleared = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("pimnoc") or module is None:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()
                cleared += 1
    return cleared


def resnet152_spec():
    """ResNet-152 on a 10x10-chiplet 2.5D mesh of 4x4 PEs, Hilbert placement."""
    return parse_run({
        "workload": {"networks": [{"model": "resnet152", "input_hw": 224}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 10, "cols": 10},
                   "pes": {"rows": 4, "cols": 4}, "noi": {"topology": "mesh"}},
        "mapping": {"placement": "hilbert"},
    })


def time_spec(name: str, spec, repeats: int) -> dict:
    """Cold and warm seconds per evaluation of one spec (medians and all samples)."""
    evaluate(spec)  # imports, numba compilation
    cold = []
    for _ in range(repeats):
        clear_caches()
        started = time.perf_counter()
        evaluate(spec)
        cold.append(time.perf_counter() - started)
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = evaluate(spec)
        warm.append(time.perf_counter() - started)
    target = TARGETS_S[f"{name}_cold"]
    return {
        "nodes": result.topology["nodes"],
        "cold_s_median": round(statistics.median(cold), 4),
        "cold_s_all": [round(t, 4) for t in cold],
        "warm_s_median": round(statistics.median(warm), 4),
        "warm_s_all": [round(t, 4) for t in warm],
        "cold_target_s": target,
        "cold_meets_target": statistics.median(cold) < target,
    }


def main(repeats: int = 3) -> dict:
    """Every figure of the benchmark, with its target."""
    from startup import main as startup  # benchmarks/startup.py: the console script, fresh

    fresh = {name: figures for name, figures in startup(repeats).items()
             if name in ("python_c_pass", "help", "bad_flag", "run_die_2d_resnet18")}
    return {
        "benchmark": "evaluate_speed",
        "note": "in-process cold = every pimnoc cache cleared before each evaluation "
                "(imports and numba compiled by a first run); fresh_process = new interpreter",
        "resnet152_10x10": {"workload": "resnet152@224",
                            "design": "2.5d mesh NoI, 10x10 chiplets x 4x4 PEs, hilbert",
                            **time_spec("resnet152_10x10", resnet152_spec(), repeats)},
        "floret_mix_100": {"run_file": "examples/floret_mix_100.yaml",
                           **time_spec("floret_mix_100",
                                       load_run(ROOT / "examples/floret_mix_100.yaml"), repeats)},
        "fresh_process": fresh,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3), indent=1))
