"""Bundled examples' results for the golden test; `python tests/golden_examples.py` rewrites them.

Rewrite only when a change is meant to move the numbers, and say which in the commit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pimnoc.config import load_run
from pimnoc.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "example_results.json"
VOLATILE = ("wall_s",)


def example_paths() -> list[Path]:
    """The bundled run files."""
    return sorted((ROOT / "examples").glob("*.yaml"))


def column_sums(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Row count and the sum of each numeric column (per-link lists are too long to keep)."""
    sums: dict[str, Any] = {"rows": len(rows)}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                sums[key] = sums.get(key, 0) + value
    return sums


def example_result(path: Path) -> dict[str, Any]:
    """The result of one bundled example, without wall times, per-link rows summed."""
    result = evaluate(load_run(path)).to_dict()
    result["per_link"] = column_sums(result["per_link"])
    return {k: v for k, v in result.items() if k not in VOLATILE}


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Paths at which two JSON values differ (floats to 1e-12 relative)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{where}/{k}: missing" for k in expected.keys() ^ actual.keys()]
        for k in expected.keys() & actual.keys():
            out += differences(expected[k], actual[k], f"{where}/{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} items, now {len(actual)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in differences(e, a, f"{where}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, float):
        same = math.isclose(expected, actual, rel_tol=1e-12, abs_tol=0.0)
        return [] if same else [f"{where}: {expected!r} -> {actual!r}"]
    return [] if expected == actual else [f"{where}: {expected!r} -> {actual!r}"]


if __name__ == "__main__":
    results = {p.name: example_result(p) for p in example_paths()}
    GOLDEN.write_text(json.dumps(results, sort_keys=True, indent=0) + "\n")
    print(f"wrote {GOLDEN} ({len(results)} examples)")
