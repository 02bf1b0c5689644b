"""Fresh-process start-up of the `pimnoc` command: `--help`, a refused bad flag, a small run (JSON).

Each case runs the console script as pip writes it (the `pimnoc` entry point named in
pyproject.toml, imported by a two-line script) in a new interpreter, several times; the
report gives the median and every sample of the wall time and of the child's CPU time
(user + system), next to a bare `python -c pass` run the same way, so that the load of a
shared machine can be read off. As after `pip install`, Python's bytecode caches are written
(one untimed run per case first) even where PYTHONDONTWRITEBYTECODE is set; `--no-bytecode`
times the source compiled at every start instead.
Usage: python benchmarks/startup.py [REPEATS] [--no-bytecode]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {  # issue 16, wall time of a fresh process
    "help": 0.4,
    "bad_flag": 0.4,
    "run_die_2d_resnet18": 0.8,
}


def entry_script(folder: Path) -> Path:
    """A console script like the one pip installs for the `pimnoc` entry point."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts["pimnoc"].split(":")
    path = folder / "pimnoc"
    path.write_text(f"import sys\nfrom {module} import {function}\n"
                    f"if __name__ == '__main__':\n    sys.exit({function}())\n")
    return path


def fresh_process(args: list[str], repeats: int, bytecode: bool) -> dict:
    """Median wall and CPU seconds of `python <args>`, a new process each time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                       check=False)
    walls, cpus, codes = [], [], set()
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                              capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        codes.add(done.returncode)
    return {"wall_s_median": round(statistics.median(walls), 3),
            "wall_s_all": [round(t, 3) for t in walls],
            "cpu_s_median": round(statistics.median(cpus), 3),
            "exit_codes": sorted(codes)}


def main(repeats: int = 7, bytecode: bool = True) -> dict:
    """Every case with its target, and the bare interpreter for scale."""
    with tempfile.TemporaryDirectory() as folder:
        script = str(entry_script(Path(folder)))
        cases = {
            "python_c_pass": ["-c", "pass"],
            "help": [script, "--help"],
            "bad_flag": [script, "run", "--no-such-flag", "x.yaml"],
            "run_die_2d_resnet18": [script, "run", "examples/die_2d_resnet18.yaml",
                                    "-o", str(Path(folder) / "result.json")],
        }
        figures = {name: fresh_process(args, repeats, bytecode) for name, args in cases.items()}
    for name, target in TARGETS_S.items():
        figures[name]["target_s"] = target
        figures[name]["meets_target"] = figures[name]["wall_s_median"] < target
    return {"benchmark": "startup", "repeats": repeats, "bytecode_cache": bytecode,
            "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
            **figures}


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    print(json.dumps(main(numbers[0] if numbers else 7, "--no-bytecode" not in sys.argv),
                     indent=2))
