"""Design points per second of a sweep: one process, a local pool, a Dask LocalCluster (JSON).

ResNet-50 (224) on 2.5D meshes of 36-100 chiplets of 4x4 PEs, analytical engine. The same
space runs in this process, through the local process pool and through a Dask LocalCluster,
each time into a fresh store (so every point is evaluated, none reused); the results must
agree bit for bit. As a control for the machine's load, the same number of separate processes
each run the whole sweep on their own (no executor): their combined rate over one process's is
the most any executor could reach at that moment. The four take turns, run by run. Then one
design is profiled stage by stage, so that the figure to optimise is visible when the target
(points per second per core) is missed.

A 36-point sweep takes about a second, so one run is at the mercy of the machine's other
jobs: every figure is the median of REPETITIONS runs (the second argument), and every run is
cold: before it, the evaluation caches (mappings, topologies and routings, workloads) are
cleared in this process and in every worker, so that no point reuses a mapping from the run
before. The workers themselves stay up (long-lived, as in a sweep). `with_mapping_reuse`
is one process again, into fresh stores, with the caches of the runs before kept: every
point is evaluated, reusing its mapping (reported apart from the cold figures).
Usage: python benchmarks/sweep_speed.py [WORKERS] [REPETITIONS]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_POINTS_PER_S_PER_CORE = 25.0  # issue 16: cold points, no mapping reuse
TARGET_SPEEDUP_2_WORKERS = 1.7  # issue 16: a local pool or Dask at 2 workers vs one process
REPETITIONS = 5  # cold runs of each executor, figures their medians (assumption: enough here)

SPACE = {
    "base": {
        "workload": {"networks": [{"model": "resnet50", "input_hw": 224}]},
        "design": {"integration": "2.5d", "chiplets": {"rows": 6, "cols": 6},
                   "pes": {"rows": 4, "cols": 4}, "noi": {"topology": "mesh"}},
        "mapping": {"placement": "hilbert"},
        "simulation": {"engine": "analytical"},
    },
    "space": {
        "design.chiplets.rows": [6, 8, 10],
        "design.chiplets.cols": [6, 10],
        "mapping.placement": ["row_major", "snake", "hilbert"],
        "design.network.flit_bits": [32, 64],
    },
    "search": {"strategy": "grid"},
    "objectives": {"latency_s": "min", "energy_j": "min"},
}


def clear_caches(_chunk=()) -> list[int]:
    """Empty this process's evaluation caches (a cold start); returns [process id]."""
    import pimnoc.evaluate as pipeline
    from pimnoc.dse import worker

    pipeline._mapping_cache.clear()
    pipeline._topology_and_routing.cache_clear()
    pipeline._workload.cache_clear()
    worker._DESIGN_KEYS.clear()
    time.sleep(0.2)  # busy long enough that the other workers take the other calls
    return [os.getpid()]


def _clear_everywhere(executor) -> None:
    """Clear the caches in this process and in every one of the executor's workers."""
    clear_caches()
    if hasattr(executor, "client"):  # Dask: run it on every worker
        executor.client.run(clear_caches)
        return
    cleared: set[int] = set()
    for _ in range(20):
        for pids in executor.run([[]] * executor.workers, clear_caches):
            cleared.update(pids)
        if len(cleared) >= executor.workers:
            return
    raise RuntimeError(f"could not reach all {executor.workers} workers to clear their caches")


def _start(executor) -> float:
    """Start the executor's workers (not timed in the runs); the seconds it took."""
    started = time.perf_counter()
    list(executor.run([[]] * executor.workers))
    return time.perf_counter() - started


def _cold_run(space, executor, path: Path, cold: bool = True) -> dict:
    """One run of the space on `executor` into a fresh store; caches cleared first if `cold`."""
    from pimnoc.dse.store import Store
    from pimnoc.dse.sweep import run_sweep

    if cold:
        _clear_everywhere(executor)
    with Store(path) as store:
        started = time.perf_counter()
        summary = run_sweep(space, store, executor)
        wall = time.perf_counter() - started
        rows = list(store.rows())
    eval_s = [r["eval_s"] for r in rows]
    return {"points": summary.progress.evaluated, "wall_s": wall,
            "eval_s_median": statistics.median(eval_s), "eval_s_max": max(eval_s),
            "metrics": {r["config_hash"]: (r["status"], r["metrics"]) for r in rows}}


def _figures(name: str, executor, startup_s: float, runs: list[dict]) -> dict:
    """The medians of an executor's cold runs."""
    points = runs[0]["points"]
    rates = [run["points"] / run["wall_s"] for run in runs]
    rate = statistics.median(rates)
    return {"executor": name, "workers": executor.workers, "points": points,
            "repetitions": len(runs),
            "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
            "points_per_s": round(rate, 2),
            "points_per_s_each_run": [round(r, 1) for r in rates],
            "points_per_s_per_core": round(rate / executor.workers, 2),
            "worker_start_s": round(startup_s, 2),
            "eval_s_median": round(statistics.median(r["eval_s_median"] for r in runs), 4),
            "eval_s_max": round(statistics.median(r["eval_s_max"] for r in runs), 4),
            "_metrics": [run["metrics"] for run in runs]}


def _serial_sweep(path: str) -> int:
    """One whole cold sweep in this (worker) process; the points evaluated."""
    from pimnoc.dse.executors import SerialExecutor
    from pimnoc.dse.space import parse_space
    from pimnoc.dse.store import Store
    from pimnoc.dse.sweep import run_sweep

    clear_caches()
    with Store(path) as store:
        return run_sweep(parse_space(SPACE, "sweep_speed"), store, SerialExecutor()) \
            .progress.evaluated


def _independent_run(pool, folder: Path, rep: int, workers: int) -> tuple[int, float]:
    """The ceiling of any executor now: `workers` separate processes, each its own sweep.

    Nothing is shared or coordinated, so their combined points/s over one process's is the
    most that the machine's load leaves for `workers` workers at this moment. Returns the
    points evaluated and the wall seconds.
    """
    started = time.perf_counter()
    points = sum(pool.map(_serial_sweep, [str(folder / f"alone{rep}_{i}.db")
                                          for i in range(workers)]))
    return points, time.perf_counter() - started


def profile_stages(rows: int = 10, cols: int = 10, repeats: int = 5) -> dict:
    """Median seconds of each stage `evaluate` calls, on one design, mapping cache cleared.

    The stage functions are timed where `pimnoc.evaluate` calls them, so the profile follows
    the pipeline as it is; the topology and routing stay cached (as in a sweep's chunk).
    """
    import pimnoc.evaluate as pipeline
    from pimnoc.config import parse_run

    base = json.loads(json.dumps(SPACE["base"]))
    base["design"]["chiplets"] = {"rows": rows, "cols": cols}
    spec = parse_run(base)
    pipeline.evaluate(spec)  # warm the model and topology caches
    times: dict[str, list[float]] = {}
    originals = {}

    def timed(name):
        fn = originals[name] = getattr(pipeline, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times.setdefault(name, []).append(time.perf_counter() - started)
        setattr(pipeline, name, wrapper)

    stages = ("topology_and_routing", "map_and_place", "attach_digital", "workload_flows",
              "layer_compute", "route_flows", "network_bounds", "edge_part_tables", "critical_path",
              "_assemble")
    for name in stages:
        timed(name)
    try:
        for _ in range(repeats):
            pipeline._mapping_cache.clear()
            started = time.perf_counter()
            result = pipeline.evaluate(spec)
            times.setdefault("total", []).append(time.perf_counter() - started)
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)
    medians = {k: statistics.median(v) for k, v in times.items()}
    total = medians["total"]
    return {"design": f"resnet50@224, {rows}x{cols} chiplets x 4x4 PEs, mesh NoI",
            "nodes": result.topology["nodes"], "mapping_cache": "cleared before each run",
            "stages_s": {k: round(v, 4) for k, v in sorted(medians.items(),
                                                           key=lambda kv: -kv[1])},
            "stages_share": {k: round(v / total, 3) for k, v in medians.items()
                             if k != "total"}}


def main(workers: int = 2, repetitions: int = REPETITIONS) -> dict:
    """Run the space three ways (and the control) in turns, profile one design; the JSON report.

    The executors take turns run by run, so that each one's median meets the machine in the
    same states as one process's median, against which it is judged.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from distributed import Client

    from pimnoc.dse.executors import DaskExecutor, LocalExecutor, SerialExecutor, local_cluster
    from pimnoc.dse.space import parse_space

    space = parse_space(SPACE, "sweep_speed")
    load = os.getloadavg()[0]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pimnoc.dse.worker"])
    with tempfile.TemporaryDirectory() as tmp, \
            ProcessPoolExecutor(workers, mp_context=context) as alone:
        folder = Path(tmp)
        started = time.perf_counter()
        cluster = local_cluster(workers)  # what `--executor dask://local` starts
        client = Client(cluster)
        cluster_start = time.perf_counter() - started
        executors = {"one_process": SerialExecutor(), "local_processes": LocalExecutor(workers)}
        try:
            executors["dask_localcluster"] = \
                DaskExecutor(cluster.scheduler_address.removeprefix("tcp://"))
            startup = {name: _start(ex) for name, ex in executors.items()}
            for future in [alone.submit(time.sleep, 0.5) for _ in range(workers)]:
                future.result()  # both control processes started and loaded
            cold: dict[str, list[dict]] = {name: [] for name in executors}
            control: list[tuple[int, float]] = []
            for rep in range(repetitions):
                for name, ex in executors.items():
                    cold[name].append(_cold_run(space, ex, folder / f"{name}{rep}.db"))
                control.append(_independent_run(alone, folder, rep, workers))
            # with mapping reuse: the caches of the last cold run kept (same points again)
            reuse = [_cold_run(space, executors["one_process"], folder / f"reuse{rep}.db",
                               cold=False) for rep in range(repetitions)]
        finally:
            for ex in executors.values():
                ex.close()
            client.close()
            cluster.close()
    runs = [_figures(name, executors[name], startup[name], cold[name]) for name in cold]
    runs[-1]["cluster_start_s"] = round(cluster_start, 2)
    with_reuse = _figures("one_process_mapping_reuse", executors["one_process"], 0.0, reuse)
    with_reuse["same_results_as_cold"] = all(m == cold["one_process"][0]["metrics"]
                                             for m in with_reuse.pop("_metrics"))
    reference = runs[0].pop("_metrics")
    runs[0]["same_results_every_run"] = all(m == reference[0] for m in reference)
    for run in runs[1:]:
        run["same_results_as_one_process"] = all(m == reference[0]
                                                 for m in run.pop("_metrics"))
    serial_rate = runs[0]["points_per_s"]
    points, wall = control[0][0], statistics.median(w for _, w in control)
    ceiling = {"processes": workers, "points": points, "repetitions": repetitions,
               "wall_s": round(wall, 3), "points_per_s": round(points / wall, 2),
               "speedup_vs_one_process": round(points / wall / serial_rate, 2)}
    for run in runs:  # each executor judged on its own figures, never the best of them
        run["meets_points_per_s_per_core_target"] = \
            run["points_per_s_per_core"] >= TARGET_POINTS_PER_S_PER_CORE
        if run is not runs[0]:
            run["speedup_vs_one_process"] = round(run["points_per_s"] / serial_rate, 2)
            run["meets_speedup_target"] = \
                run["points_per_s"] / serial_rate >= TARGET_SPEEDUP_2_WORKERS
    return {
        "benchmark": "sweep_speed",
        "space": "resnet50@224; chiplets rows [6,8,10] x cols [6,10] (36-100 chiplets) of 4x4 "
                 "PEs; placement row_major/snake/hilbert; flit_bits 32/64 (36 points)",
        "cores": os.cpu_count(),
        "load_average_1min_at_start": round(load, 2),
        "runs": runs,
        "ceiling_independent_processes": ceiling,
        "with_mapping_reuse": with_reuse,
        "target_points_per_s_per_core": TARGET_POINTS_PER_S_PER_CORE,
        "target_speedup_at_2_workers": TARGET_SPEEDUP_2_WORKERS,
        "profile": profile_stages(),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2,
                          int(sys.argv[2]) if len(sys.argv) > 2 else REPETITIONS), indent=1))
