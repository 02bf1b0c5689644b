"""Reproduce the Floret comparison: an SFC network-on-interposer against multi-hop NoIs.

Sharma et al., "Florets for Chiplets", ACM TECS 2023, report that Floret lowers latency by up
to 58 % and energy by up to 64 % against state-of-the-art NoIs (SIAM's mesh, Kite, ...) on
datacenter-scale mixes of CNNs running concurrently, with fewer links and less wire. Here:
36, 64 and 100 chiplets of 4x4 ReRAM PEs, several CNN mixes (each mix that fits the size),
Floret with its own curve placement against each baseline NoI with its natural placement
(and, apart, every NoI with one shared placement). Every relative figure is computed from
the evaluations: `floret / baseline - 1` (negative: Floret is lower).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pimnoc.config import RunSpec, parse_run
from pimnoc.errors import ConfigError
from pimnoc.experiments.compare import CompareRow, compare, plan
from pimnoc.experiments.floret_orders import order_sensitivity, summarise_orders
from pimnoc.experiments.quantities import (
    ENGINE_QUANTITIES,
    EVENT_BATCH,
    PAPER_QUANTITIES,
    SYSTEM_QUANTITIES,
    Published,
    best_changes,
    comparison_row,
    on_event_engine,
)
from pimnoc.hardware.tech import PeTech
from pimnoc.mapping.partition import tile_layer
from pimnoc.workload.loader import load_network

TARGET = "floret"
BASELINES: tuple[str, ...] = ("mesh", "kite_small", "kite_medium", "kite_large",
                              "butterdonut", "hexamesh", "swap")
"""The NoIs Floret is measured against (SIAM mesh, Kite S/M/L, ButterDonut, HexaMesh, SWAP)."""

SIZES: tuple[int, ...] = (6, 8, 10)
"""Square chiplet grids: 36, 64 and 100 chiplets."""

PES_PER_CHIPLET = (4, 4)
"""PE grid of each chiplet (rows, cols); with 96 crossbars per PE (ISAAC)."""

MIXES: dict[str, tuple[str, ...]] = {
    "resnets": ("resnet34", "resnet50", "resnet152"),
    "dense": ("densenet121", "densenet169", "resnet34", "resnet50"),
    "vgg_mix": ("vgg16", "resnet50", "densenet121"),
    "no_vgg": ("resnet34", "resnet50", "resnet152", "densenet121", "densenet169"),
    "all_six": ("resnet34", "resnet50", "resnet152", "vgg16", "densenet121", "densenet169"),
}
"""CNN mixes run concurrently (ImageNet, 224x224); a mix runs at every size it fits (all six
need 688 PEs: 64 and 100 chiplets). `no_vgg` and `all_six` are the bundled examples
`examples/floret_mix_{36,64,100}.yaml`."""

INTERFACES: tuple[str, ...] = ("ucie_advanced", "grs")
"""Chiplet I/O presets every case runs under (hardware/interfaces.py): UCIe advanced
package (pimnoc's default) and the ground-referenced signalling SIAM's NoP uses."""

QUICK = {"sizes": (6,), "mixes": ("dense",),
         "baselines": ("mesh", "kite_small", "butterdonut", "hexamesh", "swap"),
         "placements": "natural", "granularity": "layer"}
"""The subset `--quick` runs: 36 chiplets, one mix, five baselines, natural placements only,
the event engine at layer granularity (one task per layer and PE) to stay near a minute."""

METRICS: tuple[str, ...] = ("latency_s", "energy_j", "network_latency_s", "network_energy_j",
                            "interval_s", "edp_js", "net_zero_load_latency_s",
                            "net_packet_latency_s", "net_energy_j", "net_edp_js")
"""Figures compared (lower is better for each)."""

ProgressFn = Callable[[int, int, str], None]

_SENTENCE = ("Floret \"reduces the latency and energy up to 58% and 64% ... compared to "
             "state-of-the-art NoI architectures while executing datacenter-scale workloads "
             "involving multiple CNN tasks simultaneously\"")
_SOURCE = "Sharma et al., Florets for Chiplets, ACM TECS 2023 (abstract)"
_INFERRED = ("'up to' is the best case over baselines and workloads; the designs share their "
             "compute, so the figures are read as the NoI's own packet latency and energy "
             "(interposer links, micro-bumps, NoI routers); whether latency is at zero load "
             "or under the workload is not said, so both are listed")
PUBLISHED: dict[str, Published] = {
    "net_zero_load_latency_s": Published("latency", -0.58, "NoI packet latency", _SENTENCE,
                                         _SOURCE, _INFERRED),
    "net_packet_latency_s": Published("latency", -0.58, "NoI packet latency", _SENTENCE,
                                      _SOURCE, _INFERRED),
    "net_energy_j": Published("energy", -0.64, "NoI energy", _SENTENCE, _SOURCE, _INFERRED),
}
"""Floret's published figures, keyed by the quantity they are read as."""


@dataclass(frozen=True)
class FloretCase:
    """One design: a chiplet grid and a CNN mix."""

    chiplets: int
    mix: str
    networks: tuple[str, ...]

    @property
    def side(self) -> int:
        """Chiplets per side of the square grid."""
        return math.isqrt(self.chiplets)


@dataclass(frozen=True)
class FloretReport:
    """Every evaluation of a reproduction run and Floret's figures relative to each NoI."""

    cases: tuple[FloretCase, ...]
    rows: tuple[dict[str, Any], ...]
    relative: tuple[dict[str, Any], ...]
    summary: dict[str, Any]
    skipped: tuple[dict[str, Any], ...] = ()
    wall_s: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)
    orders: tuple[dict[str, Any], ...] = ()
    table: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "published": {k: v.to_dict() for k, v in PUBLISHED.items()},
            "table": list(self.table),
            "table_summary": {f"{kind}, {iface}": best_changes(
                [r for r in self.table if (r["placements"], r["interface"]) == (kind, iface)])
                for kind, iface in dict.fromkeys((r["placements"], r["interface"])
                                                 for r in self.table)},
            "config": self.config, "cases": [asdict(c) for c in self.cases],
            "rows": list(self.rows), "relative": list(self.relative),
            "summary": self.summary, "skipped": list(self.skipped), "wall_s": self.wall_s,
            "orders": list(self.orders),
        }


def design(case: FloretCase, topology: str = "mesh", placement: str = "row_major",
           multicast: bool = False, interface: str | None = None) -> RunSpec:
    """The run spec of a case: its mix on a square grid of 4x4-PE chiplets."""
    rows, cols = PES_PER_CHIPLET
    noi: dict[str, Any] = {"topology": topology}
    if interface is not None:
        noi["interface"] = interface
    return parse_run({
        "workload": {"networks": [{"model": m, "input_hw": 224} for m in case.networks]},
        "design": {"integration": "2.5d", "chiplets": {"rows": case.side, "cols": case.side},
                   "pes": {"rows": rows, "cols": cols}, "noi": noi,
                   "noc": {"topology": "mesh"}, "network": {"multicast": multicast}},
        "mapping": {"placement": placement, "replication": "auto"},
        "simulation": {"engine": "analytical"},
    }, f"floret case {case.chiplets}/{case.mix}")


def min_pes(networks: Iterable[str], pe: PeTech | None = None) -> int:
    """PEs the networks need without replication (each starts on a fresh PE)."""
    pe = pe or PeTech()
    total = 0
    for name in networks:
        w = load_network(name, 224)
        crossbars = sum(tile_layer(layer, pe).crossbars for layer in w.layers if layer.weighted)
        total += max(1, math.ceil(crossbars / pe.crossbars))
    return total


def cases_for(sizes: Sequence[int], mixes: Sequence[str]) -> tuple[list[FloretCase], list[dict]]:
    """The (size, mix) cases that fit, and the ones skipped with the reason."""
    unknown = [m for m in mixes if m not in MIXES]
    if unknown:
        raise ConfigError(f"--mixes: unknown mix '{unknown[0]}'; choose from "
                          f"{', '.join(MIXES)}")
    per_chiplet = PES_PER_CHIPLET[0] * PES_PER_CHIPLET[1]
    cases, skipped = [], []
    for side in sizes:
        for mix in mixes:
            need, have = min_pes(MIXES[mix]), side * side * per_chiplet
            if need > have:
                skipped.append({"chiplets": side * side, "mix": mix,
                                "reason": f"needs {need} PEs, {have} available"})
                continue
            cases.append(FloretCase(side * side, mix, MIXES[mix]))
    return cases, skipped


def relative_figures(rows: Sequence[dict[str, Any]], placement_kind: str = "natural",
                     baselines: Sequence[str] = BASELINES) -> list[dict[str, Any]]:
    """Floret's figures relative to each baseline, per case: `floret / baseline - 1`."""
    out = []
    by_case: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault((row["chiplets"], row["mix"], row.get("interface", "")),
                           []).append(row)

    def pick(case_rows, topology):
        for row in case_rows:
            if row["topology"] == topology and placement_kind in row["placement_kind"]:
                return row
        return None

    for (chiplets, mix, interface), case_rows in by_case.items():
        target = pick(case_rows, TARGET)
        if target is None:
            continue
        for name in baselines:
            base = pick(case_rows, name)
            if base is None:
                continue
            entry: dict[str, Any] = {"chiplets": chiplets, "mix": mix, "baseline": name,
                                     "interface": interface, "placements": placement_kind,
                                     "floret_placement": target["placement"],
                                     "baseline_placement": base["placement"]}
            for m in METRICS:
                b = float(base[m])
                entry[m] = float(target[m]) / b - 1.0 if b > 0 else float("nan")
            entry["noi_links"] = (target["noi_links"], base["noi_links"])
            entry["noi_wire_length_mm"] = (target["noi_wire_length_mm"],
                                           base["noi_wire_length_mm"])
            out.append(entry)
    return out


def paper_table(rows: Sequence[dict[str, Any]], placement_kind: str = "natural",
                baselines: Sequence[str] = BASELINES,
                engine: str = "analytical") -> list[dict[str, Any]]:
    """One row per case and baseline: the NoI quantities and the full system's, both designs."""
    keys = ("net_scope", "workload", *PAPER_QUANTITIES, *SYSTEM_QUANTITIES,
            *ENGINE_QUANTITIES)

    def pick(case_rows, topology):
        return next((r for r in case_rows if r["topology"] == topology
                     and placement_kind in r["placement_kind"]), None)

    by_case: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault((row["chiplets"], row["mix"], row.get("interface", "")),
                           []).append(row)
    out = []
    for (chiplets, mix, interface), case_rows in by_case.items():
        target = pick(case_rows, TARGET)
        if target is None:
            continue
        mine = {k: target[k] for k in keys} | {"scope": target["net_scope"], "engine": engine}
        for name in baselines:
            base = pick(case_rows, name)
            if base is None:
                continue
            theirs = {k: base[k] for k in keys} | {"scope": base["net_scope"]}
            case = {"chiplets": chiplets, "mix": mix, "interface": interface,
                    "placements": placement_kind,
                    "design_placement": target["placement"],
                    "baseline_placement": base["placement"]}
            out.append(comparison_row(case, TARGET, name, mine, theirs, PUBLISHED))
    return out


def summarise(relative: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per baseline and overall: the best ("up to") and mean relative change of each metric."""

    def stats(entries):
        result = {}
        for m in METRICS:
            values = np.array([e[m] for e in entries if np.isfinite(e[m])])
            if values.size:
                result[m] = {"best": float(values.min()), "mean": float(values.mean()),
                             "worst": float(values.max())}
        return result

    summary: dict[str, Any] = {"overall": stats(relative), "per_baseline": {}}
    for name in dict.fromkeys(e["baseline"] for e in relative):
        summary["per_baseline"][name] = stats([e for e in relative if e["baseline"] == name])
    return summary


def fabrication(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """NoI links, wire and router ports of every topology at every size (one row each)."""
    seen: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["chiplets"], row["topology"])
        if key not in seen:
            seen[key] = {"chiplets": row["chiplets"], "topology": row["topology"],
                         "noi_links": row["noi_links"],
                         "noi_wire_length_mm": row["noi_wire_length_mm"],
                         "router_ports": row["router_ports"], "links": row["links"],
                         "wire_length_mm": row["wire_length_mm"]}
    return sorted(seen.values(), key=lambda r: (r["chiplets"], r["topology"]))


def reproduce_floret(sizes: Sequence[int] = SIZES, mixes: Sequence[str] = tuple(MIXES),
                     baselines: Sequence[str] = BASELINES, placements: str = "both",
                     progress: ProgressFn | None = None, multicast: bool = False,
                     orders: int = 0, load: float | None = None,
                     engine: str = "event", granularity: str = "rows",
                     batch: int = EVENT_BATCH,
                     interfaces: Sequence[str] = INTERFACES) -> FloretReport:
    """Evaluate Floret and the baselines on every case; relative figures from the results.

    `multicast` gives every design multicast routers; `orders` > 0 adds Floret vs the mesh
    under that many orders of each mix's networks (experiments/floret_orders.py); with
    `load`, the designs of a case run at `load` x the slowest one's maximum throughput
    (analytical engine only); `engine` is the network engine every design runs on
    (`simulation.engine`); on the event engine each network of a mix is a concurrent
    stream of `batch` inferences with tasks at `granularity`; every case runs under each
    chiplet interface preset of `interfaces`.
    """

    if orders < 0:
        raise ConfigError(f"--orders: must be 0 or more, got {orders}")
    if engine == "event" and (load is not None or multicast):
        raise ConfigError("--engine event: --load and --multicast need the analytical engine "
                          "(the event engine takes arrivals per network and sends unicast "
                          "messages); add --engine analytical")
    if not interfaces:
        raise ConfigError("--interfaces: give at least one chiplet interface preset")
    started = time.perf_counter()
    cases, skipped = cases_for(sizes, mixes)

    def case_design(case: FloretCase, topology: str = "mesh", placement: str = "row_major",
                    interface: str | None = None) -> RunSpec:
        spec = design(case, topology, placement, multicast, interface)
        return on_event_engine(spec, granularity, batch) if engine == "event" else spec

    topologies = [TARGET, *[b for b in baselines if b != TARGET]]
    passes = 2 if load else 1  # with a load, every point is evaluated again at the rate
    runs = [(c, i) for c in cases for i in interfaces]
    points_per_run = [len(plan(case_design(c), topologies, placements)) * passes  # type: ignore[arg-type]
                      for c, _i in runs]
    total, done = sum(points_per_run), 0
    rows: list[dict[str, Any]] = []
    compare_engine = None if engine == "event" else engine
    for (case, interface), count in zip(runs, points_per_run, strict=True):
        def step(i: int, n: int, what: str, _done=done, _case=case, _iface=interface) -> None:
            if progress is not None and i < n:
                progress(_done + i, total,
                         f"{_case.chiplets} chiplets, {_case.mix}, {_iface}: {what}")

        result: list[CompareRow] = compare(case_design(case, interface=interface),
                                           topologies, placements,  # type: ignore[arg-type]
                                           progress=step, load=load, engine=compare_engine)
        rows.extend({"chiplets": case.chiplets, "mix": case.mix, "interface": interface,
                     **r.to_dict()} for r in result)
        done += count
    if progress is not None:
        progress(total, total, "done")
    relative = relative_figures(rows, "natural", baselines)
    if placements in ("same", "both"):
        relative += relative_figures(rows, "same", baselines)
    first = interfaces[0]  # the per-case tables and the order study: the first interface
    natural = [e for e in relative if e["placements"] == "natural" and e["interface"] == first]
    same = [e for e in relative if e["placements"] == "same" and e["interface"] == first]
    by_order = (order_sensitivity(cases, orders, lambda c, t="mesh", p="row_major":
                                  case_design(c, t, p, first), progress=progress, load=load)
                if orders else [])
    summary = {"natural": summarise(natural), "same": summarise(same),
               "fabrication": fabrication(rows), "orders": summarise_orders(by_order),
               "interface": first}
    table = paper_table(rows, "natural", baselines, engine)
    if placements in ("same", "both"):
        table += paper_table(rows, "same", baselines, engine)
    config = {"sizes": list(sizes), "mixes": {m: list(MIXES[m]) for m in mixes},
              "baselines": list(baselines), "placements": placements,
              "pes_per_chiplet": list(PES_PER_CHIPLET), "multicast": multicast,
              "orders": orders, "load": load, "engine": engine,
              "granularity": granularity if engine == "event" else None,
              "batch": batch if engine == "event" else None,
              "interfaces": list(interfaces)}
    return FloretReport(tuple(cases), tuple(rows), tuple(relative), summary, tuple(skipped),
                        time.perf_counter() - started, config, tuple(by_order), tuple(table))
