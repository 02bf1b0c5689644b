"""One design under `design.preset: isaac` and `mnsim`: energy and time by part (JSON).

The design: MNSIM-2.0's VGG-8 (`vgg8_mnsim`, CIFAR 32x32) on a 2D 20x20 mesh, one copy of
every layer (as MNSIM runs it), analytical engine. Prints JSON with, per preset, the compute
energy by part, the network and leakage energy, the summed layer times, the ADC conversions
and energy per conversion, buffer accesses, and per layer the compute energy beside
MNSIM-2.0's own figure (tests/data/mnsim). With `--doc FILE` the tables replace the marked
section of that Markdown file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate_full

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "mnsim" / "vgg8_cifar_per_layer.txt"
START, END = "<!-- presets:start -->", "<!-- presets:end -->"
PRESETS = ("isaac", "mnsim")


def spec(preset: str):
    """The compared design under one preset."""
    return parse_run({
        "workload": {"networks": [{"model": "vgg8_mnsim"}]},
        "design": {"integration": "2d", "pes": {"rows": 20, "cols": 20}, "preset": preset},
        "mapping": {"replication": "none"},
    })


def mnsim_layer_energy_nj() -> list[float]:
    """MNSIM-2.0's per-layer energy on the same network (its own run, kept in tests/data)."""
    text = REFERENCE.read_text().split("Energy Results")[1]
    return [float(v) for v in re.findall(r"Hardware energy: ([\d.e+-]+) nJ", text)[1:]]


def measure(preset: str) -> dict:
    """Figures of the design under one preset."""
    evaluation = evaluate_full(spec(preset))
    result, pe, compute = evaluation.result, evaluation.pe, evaluation.compute
    parts = {k: float(v.sum()) for k, v in compute.energy_by_part.items()}
    layers = [i for i, layer in enumerate(evaluation.mapping.layers) if layer.op != "input"]
    buffer_bits_per_access = pe.buffer_width_bits
    return {
        "preset": preset,
        "compute_energy_j": parts,
        "energy_j": dict(result.energy_j),
        "layer_time_sum_s": float(compute.time_s.sum()),
        "slowest_layer_s": float(compute.time_s.max()),
        "latency_s": result.latency_s,
        "crossbars": result.crossbars_used,
        "adc_energy_pj": pe.adc_energy_pj,
        "adc_conversions": parts["adc"] / (pe.adc_energy_pj * 1e-12),
        "buffer_pj_per_bit": pe.buffer_energy_pj_per_bit,
        "buffer_bits_per_access": buffer_bits_per_access,
        "layers": [evaluation.mapping.layers[i].name for i in layers],
        "layer_energy_j": [float(compute.energy_j[i]) for i in layers],
    }


def _fmt(value: float, scale: float, digits: int = 3) -> str:
    return f"{value * scale:.{digits}f}"


def tables(rows: dict[str, dict]) -> str:
    """The Markdown tables of docs/presets.md."""
    isaac, mnsim = rows["isaac"], rows["mnsim"]
    lines = ["| figure | isaac | mnsim | mnsim / isaac |", "|---|---|---|---|"]

    def row(name: str, a: float, b: float, scale: float, digits: int = 3) -> None:
        ratio = f"{b / a:.1f}x" if a else "n/a"
        lines.append(f"| {name} | {_fmt(a, scale, digits)} | {_fmt(b, scale, digits)} "
                     f"| {ratio} |")

    for part in ("adc", "buffer", "cells", "dac", "shift_add", "digital"):
        row(f"compute energy: {part} (µJ)", isaac["compute_energy_j"][part],
            mnsim["compute_energy_j"][part], 1e6, 2)
    row("compute energy, all parts (µJ)", isaac["energy_j"]["compute"],
        mnsim["energy_j"]["compute"], 1e6, 2)
    for part in ("router", "link", "leakage"):
        row(f"{part} energy (µJ)", isaac["energy_j"][part], mnsim["energy_j"][part], 1e6, 2)
    row("total energy (µJ)", isaac["energy_j"]["total"], mnsim["energy_j"]["total"], 1e6, 2)
    row("ADC energy per conversion (pJ)", isaac["adc_energy_pj"], mnsim["adc_energy_pj"], 1, 4)
    row("ADC conversions charged (millions)", isaac["adc_conversions"],
        mnsim["adc_conversions"], 1e-6, 1)
    row("buffer energy per bit read (pJ)", isaac["buffer_pj_per_bit"],
        mnsim["buffer_pj_per_bit"], 1, 4)
    row("sum of layer times (µs)", isaac["layer_time_sum_s"], mnsim["layer_time_sum_s"], 1e6, 1)
    row("slowest layer (µs)", isaac["slowest_layer_s"], mnsim["slowest_layer_s"], 1e6, 1)
    row("latency of one inference (µs)", isaac["latency_s"], mnsim["latency_s"], 1e6, 1)
    row("crossbars", isaac["crossbars"], mnsim["crossbars"], 1, 0)
    lines += ["", "| layer | isaac (µJ) | mnsim (µJ) | MNSIM-2.0 itself (µJ) |",
              "|---|---|---|---|"]
    reference = mnsim_layer_energy_nj()
    for name, a, b, ref in zip(isaac["layers"], isaac["layer_energy_j"],
                               mnsim["layer_energy_j"], reference, strict=True):
        lines.append(f"| {name} | {a * 1e6:.3f} | {b * 1e6:.3f} | {ref * 1e-3:.3f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    rows = {preset: measure(preset) for preset in PRESETS}
    print(json.dumps(rows, indent=1))
    if "--doc" in argv:
        path = Path(argv[argv.index("--doc") + 1])
        text = path.read_text()
        head, rest = text.split(START)
        _, tail = rest.split(END)
        path.write_text(f"{head}{START}\n{tables(rows)}\n{END}{tail}")


if __name__ == "__main__":
    main(sys.argv[1:])
