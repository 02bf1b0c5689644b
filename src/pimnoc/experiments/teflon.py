"""Reproduce TEFLON's comparisons: an SFC 3D NoC vs a 3D mesh, thermally aware vs not.

Narang, Ogbogu, Doppa and Pande, "TEFLON: Thermally Efficient Dataflow-aware 3D NoC for
accelerating CNN inferencing on manycore PIM architectures" (ACM TECS 2024) report, for
36, 64 and 100 ReRAM PIM cores in monolithic 3D: EDP -42 / -46 / -45 % for their SFC-based
3D NoC vs a 3D mesh, and, for the thermally aware design vs a performance-only SFC design,
a peak temperature 25 K lower and inference accuracy up to 11 % higher (CIFAR-10/100).

Here each core count is a stack of 4 tiers (3x3, 4x4 or 5x5 PEs per tier) holding CNNs at
CIFAR size. Five designs per point:

- `mesh3d_row_major`: the conventional 3D mesh with a conventional placement (layers on
  PEs in row-major order, tier after tier): the paper's baseline row;
- `mesh3d`: the 3D mesh with the 3D SFC placement (`sfc`): the same-placement row;
- `sfc3d`: pimnoc's SFC 3D NoC with the SFC placement (EDP is compared with both meshes);
- `perf`: the SFC 3D NoC with `thermal_sfc` at `thermal_weight` 0, a performance-only
  (communication-only) SFC placement;
- `thermal`: the same with `thermal_weight` 0.5, the thermally aware design (compared with
  `perf`: peak temperature, accuracy, and the performance it costs).

Every figure is computed from full evaluations with `thermal.enabled` (power at the
achieved throughput, leakage fixed point, accuracy at the crossbars' temperatures).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pimnoc.analysis.design_thermal import ThermalParams, solve_design
from pimnoc.config import parse_run
from pimnoc.errors import CapacityError, ConfigError
from pimnoc.evaluate import evaluate_full
from pimnoc.experiments.quantities import (
    EVENT_BATCH,
    Published,
    best_changes,
    comparison_row,
    network_quantities,
    on_event_engine,
)

_SOURCE = "Narang et al., TEFLON, ACM TECS 2024 (abstract)"
_EDP_SENTENCE = ("TEFLON lowers EDP by 42 %, 46 % and 45 % for 36, 64 and 100 PIM cores "
                 "against \"a conventional 3D mesh NoC\" (paraphrased from the abstract)")
_EDP_INFERRED = ("a NoC paper compares NoCs on the same PEs, so the EDP is read as the NoC's "
                 "(network energy x packet latency); 'conventional' is read as the mesh with a "
                 "conventional row-major mapping; the full system's EDP is listed beside it")
PAPER: dict[int, dict[str, Published]] = {
    cores: {key: Published("edp", value, "NoC EDP", _EDP_SENTENCE, _SOURCE, _EDP_INFERRED)
            for key in ("net_edp_js",)}
    for cores, value in ((36, -0.42), (64, -0.46), (100, -0.45))
}
"""TEFLON's EDP figures keyed by core count and by the quantity they are read as."""

PAPER_TEMPERATURE = {
    "cores": 100,
    "sentence": "the thermally aware design lowers the peak temperature by 25 K and raises "
                "accuracy by up to 11 % on CIFAR-10/100 against the performance-only SFC "
                "design of 100 PIM cores (paraphrased from the abstract)",
    "source": _SOURCE,
    "inferred": "the comparison is at 100 cores only; other sizes are listed without a "
                "published figure",
}
"""The temperature and accuracy claim: at 100 cores, thermal vs performance-only."""

BASELINES: dict[str, str] = {"mesh3d_row_major": "paper baseline (conventional mapping)",
                             "mesh3d": "same placement (SFC)"}
"""The 3D-mesh rows `sfc3d` is compared with, and what each is."""

PUBLISHED: dict[str, Any] = {
    "edp_change_vs_mesh3d": {36: -0.42, 64: -0.46, 100: -0.45},
    "peak_temperature_change_k": -25.0,
    "accuracy_gain_max": 0.11,
}
"""TEFLON's abstract (ACM TECS 2024): EDP vs 3D mesh; peak T and accuracy vs performance-only."""

SIZES: dict[int, tuple[int, int, int]] = {36: (4, 3, 3), 64: (4, 4, 4), 100: (4, 5, 5)}
"""Cores -> (tiers, rows, cols). TEFLON's tier count is not in its abstract  # assumption: 4"""

WORKLOADS: tuple[dict[str, Any], ...] = (
    {"model": "resnet18", "input_hw": 32, "num_classes": 10},
    {"model": "resnet34", "input_hw": 32, "num_classes": 10},
    {"model": "densenet121", "input_hw": 32, "num_classes": 100},
)
"""CIFAR-size CNNs (TEFLON evaluates CNNs on CIFAR-10/100); a model too big for a size is
skipped and listed."""

DESIGNS: dict[str, tuple[str, str, float | None]] = {
    "mesh3d_row_major": ("mesh3d", "row_major", None),
    "mesh3d": ("mesh3d", "sfc", None),
    "sfc3d": ("sfc3d", "sfc", None),
    "perf": ("sfc3d", "thermal_sfc", 0.0),
    "thermal": ("sfc3d", "thermal_sfc", 0.5),
}
"""Design name -> (NoC, placement, thermal_weight)."""

FULL: dict[str, Any] = {"sizes": (36, 64, 100), "workloads": WORKLOADS,
                        "verticals": ("miv", "tsv"), "accuracy_trials": 20}
QUICK: dict[str, Any] = {"sizes": (36, 64, 100), "workloads": WORKLOADS[:1],
                         "verticals": ("miv",), "accuracy_trials": 8, "thermal_sizes": (100,),
                         "granularity": "layer"}
"""Options of the full run and of `--quick` (ResNet-18 only, monolithic only, fewer trials,
the thermally aware pair only at 100 cores, where TEFLON makes its temperature claim)."""

ACCURACY_MODEL = "cnn"
"""The accuracy estimate's classifier (analysis/accuracy.py): the digits CNN, trained by
pimnoc in numpy (no torch needed), cached on disk."""

THERMAL_PAIR: tuple[str, ...] = ("perf", "thermal")
"""The designs of the temperature and accuracy comparison."""

DIFFERENCES: tuple[str, ...] = (
    "SFC 3D NoC: pimnoc's reading of TEFLON (a Hilbert chain on every tier, a vertical link "
    "at every PE, the placement curve threading the tiers); the published link set and "
    "routing are not reproduced",
    "PEs: ISAAC-style tiles of 96 crossbars; in this model compute dominates energy "
    "(the NoC is ~1-2 % of it) and latency (layers run one after another), so a NoC can "
    "change full-system EDP by a few percent at most; the NoC-only EDP (network energy x "
    "mean flow latency) is listed beside it",
    "thermally aware placement: simulated annealing over PE-group swaps on a linear thermal "
    "model with a fixed weight (0.5), not TEFLON's multi-objective search; the "
    "performance-only design is the same search with the thermal term off",
    "thermal model: pimnoc's finite-volume stack (HotSpot-like sink, 45 C ambient); "
    "monolithic tiers are 100 nm films on 100 nm ILD, so tiers differ little in "
    "temperature and the gain comes mostly from lateral spreading (TSV stacks: larger)",
    "accuracy: a small CNN (3x3 convolution, 8 channels, pooling, classifier) trained by "
    "pimnoc in numpy on scikit-learn's 8x8 digits, run on noisy crossbars with design.pe's "
    "crossbar, cell bits, ADC and device variation (pimnoc.analysis.accuracy), each half of "
    "the mapped CNN's crossbars at its effective temperature; not the CIFAR CNN itself",
    "4 tiers per stack is our choice; TEFLON's abstract does not give its tier count",
)


@dataclass(frozen=True)
class TeflonRow:
    """One design evaluated at one point (size, workload, vertical link)."""

    cores: int
    workload: str
    vertical: str
    design: str
    noc: str
    placement: str
    thermal_weight: float | None
    latency_s: float
    interval_s: float
    throughput_ips: float
    bottleneck: str
    energy_j: float
    network_energy_j: float
    edp_js: float
    noc_edp_js: float
    peak_temperature_k: float
    tier_peak_k: list[float]
    accuracy: float | None  # only for the thermally aware pair (the claim compares them)
    total_power_w: float
    energy_balance_error: float
    pes_used: int
    net_zero_load_latency_s: float = 0.0
    net_packet_latency_s: float = 0.0
    net_edp_js: float = 0.0
    engine: str = "analytical"
    run: str = ""
    net_packet_latency_analytical_s: float = 0.0
    latency_analytical_s: float = 0.0
    energy_analytical_j: float = 0.0
    throughput_analytical_ips: float = 0.0
    tier_maps_k: list | None = None


@dataclass(frozen=True)
class TeflonReport:
    """All rows, the pairwise comparisons, the published numbers and the differences."""

    rows: list[TeflonRow]
    comparisons: list[dict[str, Any]]
    published: dict[str, Any] = field(default_factory=lambda: dict(PUBLISHED))
    differences: tuple[str, ...] = DIFFERENCES
    skipped: list[dict[str, str]] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Mean and best of each comparison per core count."""
        out: dict[str, Any] = {}
        for cores in sorted({c["cores"] for c in self.comparisons}):
            sel = [c for c in self.comparisons if c["cores"] == cores]
            entry = {}
            for key in ("edp_change", "noc_edp_change", "network_energy_change",
                        "net_edp_change", "edp_change_vs_row_major",
                        "net_edp_change_vs_row_major", "network_energy_change_vs_row_major",
                        "peak_temperature_change_k", "peak_temperature_change_iso_k",
                        "accuracy_change", "edp_cost", "latency_cost", "throughput_change",
                        "peak_temperature_change_vs_sfc_k"):
                values = [c[key] for c in sel if key in c]
                if values:
                    entry[key] = {"mean": float(np.mean(values)), "min": float(np.min(values)),
                                  "max": float(np.max(values))}
            out[str(cores)] = entry
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (per-tier maps left out of the rows; see `tier_maps`)."""
        rows = []
        for r in self.rows:
            data = asdict(r)
            data.pop("tier_maps_k")
            rows.append(data)
        table = paper_table(self.rows)
        return {"table": table, "table_summary": {"all": best_changes(table, "group")},
                "published_figures": {
                    "edp": {str(c): v["net_edp_js"].to_dict() for c, v in PAPER.items()},
                    "temperature_accuracy": PAPER_TEMPERATURE},
                "rows": rows, "comparisons": self.comparisons,
                "summary": self.summary(),
                "published": {k: ({str(a): b for a, b in v.items()} if isinstance(v, dict)
                                  else v) for k, v in self.published.items()},
                "differences": list(self.differences), "skipped": self.skipped,
                "accuracy_classifier": ACCURACY_MODEL,
                "wall_s": self.wall_s}


def workload_label(net: dict[str, Any]) -> str:
    """`resnet18@32/10` style name of a workload entry."""
    return f"{net['model']}@{net.get('input_hw', 224)}/{net.get('num_classes', 1000)}"


def run_spec(cores: int, net: dict[str, Any], vertical: str, design: str,
             accuracy_trials: int = 20) -> dict[str, Any]:
    """The run dictionary of one design at one point."""
    tiers, rows, cols = SIZES[cores]
    noc, placement, weight = DESIGNS[design]
    mapping: dict[str, Any] = {"placement": placement}
    if weight is not None:
        mapping["thermal_weight"] = weight
    return {
        "workload": {"networks": [net]},
        "design": {"integration": "3d", "tiers": tiers, "pes": {"rows": rows, "cols": cols},
                   "vertical": vertical, "noc": {"topology": noc}},
        "mapping": mapping,
        "thermal": {"enabled": True, "accuracy_trials": accuracy_trials,
                    "accuracy": design in THERMAL_PAIR, "accuracy_classifier": ACCURACY_MODEL},
    }


def noc_edp(evaluation) -> float:
    """Network energy per inference x bit-weighted mean flow latency (a NoC-only EDP)."""
    routed, flows = evaluation.network.routed, evaluation.flows
    bits = flows.bits[routed.flow_index]
    energy = evaluation.result.energy_j["router"] + evaluation.result.energy_j["link"]
    if bits.sum() <= 0:
        return 0.0
    return float(energy * np.average(evaluation.network.flow_latency_s, weights=bits))


def evaluate_row(cores: int, net: dict[str, Any], vertical: str, design: str,
                 accuracy_trials: int = 20, engine: str = "event",
                 granularity: str = "rows", batch: int = EVENT_BATCH
                 ) -> tuple[TeflonRow, Any]:
    """Evaluate one design (with thermal and accuracy results): its row and evaluation.

    On the event engine the network is a stream of `batch` inferences at `granularity`."""
    spec = parse_run(run_spec(cores, net, vertical, design, accuracy_trials),
                     f"teflon {cores} {design}")
    if engine == "event":
        spec = on_event_engine(spec, granularity, batch)
    ev = evaluate_full(spec)
    r = ev.result
    extra = r.extra
    noc, placement, weight = DESIGNS[design]
    paper = network_quantities(ev, "noc")
    row = TeflonRow(
        cores=cores, workload=workload_label(net), vertical=vertical, design=design, noc=noc,
        placement=placement, thermal_weight=weight, latency_s=r.latency_s,
        interval_s=float(r.interval_s), throughput_ips=float(r.throughput_ips),
        bottleneck=r.bottleneck, energy_j=r.energy_j["total"],
        network_energy_j=r.energy_j["router"] + r.energy_j["link"], edp_js=r.edp_js,
        noc_edp_js=noc_edp(ev), peak_temperature_k=extra["peak_temperature_k"],
        tier_peak_k=[t["peak"] for t in extra["tier_temperatures_k"]],
        accuracy=extra.get("accuracy_estimate"), total_power_w=extra["thermal"]["total_power_w"],
        energy_balance_error=extra["thermal"]["energy_balance_error"], pes_used=r.pes_used,
        net_zero_load_latency_s=paper.net_zero_load_latency_s,
        net_packet_latency_s=paper.net_packet_latency_s, net_edp_js=paper.net_edp_js,
        engine=paper.engine, run=paper.workload,
        net_packet_latency_analytical_s=paper.net_packet_latency_analytical_s,
        latency_analytical_s=paper.latency_analytical_s,
        energy_analytical_j=paper.energy_analytical_j,
        throughput_analytical_ips=paper.throughput_analytical_ips,
        tier_maps_k=extra["tier_temperature_maps_k"],
    )
    return row, ev


def iso_throughput_peak(evaluation, throughput_ips: float) -> float:
    """Peak temperature of an evaluated design were it run at another throughput.

    Dynamic power scales with the inference rate (`thermal.power_scale`); leakage does not.
    """
    scale = throughput_ips / float(evaluation.result.throughput_ips)
    given = dict(evaluation.spec.thermal.params())
    given.update(power_scale=scale, accuracy=False)
    return solve_design(evaluation, ThermalParams.from_spec(given)).peak_temperature_k


def compare(rows: Sequence[TeflonRow], thermal_iso_peak_k: float | None = None) -> dict[str, Any]:
    """The comparisons of one point: sfc3d vs mesh3d, thermal vs perf (and vs sfc3d).

    `thermal_iso_peak_k`: the thermally aware design's peak at the performance-only
    design's throughput (a placement that runs faster also dissipates more).
    """
    by = {r.design: r for r in rows}
    first = rows[0]
    out: dict[str, Any] = {"cores": first.cores, "workload": first.workload,
                           "vertical": first.vertical}
    if "sfc3d" in by and "mesh3d" in by:
        a, b = by["sfc3d"], by["mesh3d"]
        out["edp_change"] = a.edp_js / b.edp_js - 1
        out["noc_edp_change"] = a.noc_edp_js / b.noc_edp_js - 1 if b.noc_edp_js else float("nan")
        out["network_energy_change"] = a.network_energy_j / b.network_energy_j - 1
        out["net_edp_change"] = a.net_edp_js / b.net_edp_js - 1 if b.net_edp_js else float("nan")
        out["latency_change"] = a.latency_s / b.latency_s - 1
    if "sfc3d" in by and "mesh3d_row_major" in by:
        a, b = by["sfc3d"], by["mesh3d_row_major"]
        out["edp_change_vs_row_major"] = a.edp_js / b.edp_js - 1
        out["net_edp_change_vs_row_major"] = (a.net_edp_js / b.net_edp_js - 1
                                              if b.net_edp_js else float("nan"))
        out["network_energy_change_vs_row_major"] = a.network_energy_j / b.network_energy_j - 1
    if "thermal" in by and "perf" in by:
        t, p = by["thermal"], by["perf"]
        out["peak_temperature_change_k"] = t.peak_temperature_k - p.peak_temperature_k
        out["accuracy_change"] = t.accuracy - p.accuracy
        out["edp_cost"] = t.edp_js / p.edp_js - 1
        out["latency_cost"] = t.latency_s / p.latency_s - 1
        out["network_energy_cost"] = t.network_energy_j / p.network_energy_j - 1
        out["throughput_change"] = t.throughput_ips / p.throughput_ips - 1
        if thermal_iso_peak_k is not None:
            out["peak_temperature_change_iso_k"] = thermal_iso_peak_k - p.peak_temperature_k
    if "thermal" in by and "sfc3d" in by:
        out["peak_temperature_change_vs_sfc_k"] = (by["thermal"].peak_temperature_k
                                                   - by["sfc3d"].peak_temperature_k)
        out["edp_cost_vs_sfc"] = by["thermal"].edp_js / by["sfc3d"].edp_js - 1
    return out


def _quantities(row: TeflonRow) -> dict[str, Any]:
    return {"scope": "noc", "engine": row.engine, "workload": row.run,
            "net_zero_load_latency_s": row.net_zero_load_latency_s,
            "net_packet_latency_s": row.net_packet_latency_s,
            "net_energy_j": row.network_energy_j, "net_edp_js": row.net_edp_js,
            "latency_s": row.latency_s, "energy_j": row.energy_j, "edp_js": row.edp_js,
            "throughput_ips": row.throughput_ips,
            "net_packet_latency_analytical_s": row.net_packet_latency_analytical_s,
            "latency_analytical_s": row.latency_analytical_s,
            "energy_analytical_j": row.energy_analytical_j,
            "throughput_analytical_ips": row.throughput_analytical_ips}


def paper_table(rows: Sequence[TeflonRow]) -> list[dict[str, Any]]:
    """One row per point and 3D-mesh baseline: sfc3d's NoC and system quantities vs it."""
    by = {(r.cores, r.workload, r.vertical, r.design): r for r in rows}
    out = []
    for (cores, workload, vertical, design), row in by.items():
        if design != "sfc3d":
            continue
        for baseline, what in BASELINES.items():
            base = by.get((cores, workload, vertical, baseline))
            if base is None:
                continue
            case = {"cores": cores, "workload": workload, "vertical": vertical,
                    "baseline_is": what, "group": f"{baseline} @ {cores}"}
            published = PAPER[cores] if baseline == "mesh3d_row_major" else None
            out.append(comparison_row(case, "sfc3d", baseline, _quantities(row),
                                      _quantities(base), published))
    return out


def reproduce_teflon(sizes: Sequence[int] = FULL["sizes"],
                     workloads: Sequence[dict[str, Any]] = FULL["workloads"],
                     verticals: Sequence[str] = FULL["verticals"],
                     designs: Sequence[str] = tuple(DESIGNS),
                     accuracy_trials: int = FULL["accuracy_trials"],
                     progress: Callable[[int, int, str], None] | None = None,
                     thermal_sizes: Sequence[int] | None = None, engine: str = "event",
                     granularity: str = "rows", batch: int = EVENT_BATCH) -> TeflonReport:
    """Evaluate every design at every (size, workload, vertical) point and compare them.

    `thermal_sizes` limits the thermally aware pair (perf, thermal) to those core counts;
    `engine`, `granularity` and `batch` say how the workload runs (event engine: a stream
    of `batch` inferences; the analytical figures are kept beside).
    """
    started = time.perf_counter()
    for cores in sizes:
        if cores not in SIZES:
            raise ConfigError(f"--sizes: {cores} cores is not one of "
                              f"{', '.join(map(str, SIZES))}; pick from those")
    points = [(c, n, v) for c in sizes for n in workloads for v in verticals]

    def designs_at(cores: int) -> list[str]:
        if thermal_sizes is None or cores in thermal_sizes:
            return list(designs)
        return [d for d in designs if d not in THERMAL_PAIR]

    total = sum(len(designs_at(c)) for c, _n, _v in points)
    rows: list[TeflonRow] = []
    comparisons, skipped = [], []
    done = 0
    for cores, net, vertical in points:
        point_rows, evaluations = [], {}
        chosen = designs_at(cores)
        for design in chosen:
            if progress is not None:
                progress(done, total, f"{cores} cores {workload_label(net)} {vertical} {design}")
            done += 1
            try:
                row, evaluations[design] = evaluate_row(cores, net, vertical, design,
                                                        accuracy_trials, engine, granularity,
                                                        batch)
                point_rows.append(row)
            except CapacityError as exc:
                skipped.append({"cores": str(cores), "workload": workload_label(net),
                                "vertical": vertical, "design": design, "reason": str(exc)})
                break
        if len(point_rows) == len(chosen):
            rows += point_rows
            iso = None
            if "thermal" in evaluations and "perf" in evaluations:
                iso = iso_throughput_peak(evaluations["thermal"],
                                          float(evaluations["perf"].result.throughput_ips))
            comparisons.append(compare(point_rows, iso))
    if progress is not None:
        progress(total, total, "done")
    return TeflonReport(rows, comparisons, skipped=skipped, wall_s=time.perf_counter() - started)
