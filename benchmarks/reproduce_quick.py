"""Wall time of every `pimnoc reproduce <name> --quick`, each in a fresh process (JSON)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TARGET_S = 60.0
"""Issue 13: each quick reproduction runs in under a minute on the 2-core machine."""

NAMES: tuple[str, ...] = ("floret", "sfc-cube", "teflon", "hetrax")


def main(names: tuple[str, ...] = NAMES) -> dict:
    """Run each quick reproduction as a user would (a new interpreter) and time it."""
    results = {}
    for name in names:
        with tempfile.TemporaryDirectory() as out:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "pimnoc.cli.main", "reproduce", name,
                                   "--quick", "--out", out], capture_output=True, text=True,
                                  env=os.environ.copy(), check=False)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # CPU seconds beside the wall time: on a shared machine the wall time also counts
        # the other processes' share of the cores
        results[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                         "exit_code": proc.returncode,
                         "under_target": wall < TARGET_S and proc.returncode == 0}
    return {"benchmark": "reproduce_quick", "target_s": TARGET_S, "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2), "runs": results,
            "all_under_target": all(r["under_target"] for r in results.values())}


if __name__ == "__main__":
    print(json.dumps(main(tuple(sys.argv[1:]) or NAMES), indent=2))
