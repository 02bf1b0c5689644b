"""Parameters of a cycle-level run (BookSim2 meanings) and the figures it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pimnoc.errors import SimulationError

VC_CLASS_MODES = ("auto", "dateline", "none")

FLIT_KEYS = ("num_vcs", "vc_buf_size", "credit_delay", "deadlock_cycles")
"""The flit routers' `simulation` keys the event engine's flit backend takes (SimParams
meanings)."""


@dataclass(frozen=True)
class SimParams:
    """Router, flow-control and measurement parameters; names and meanings as in BookSim2.

    Delays are in cycles; `vc_buf_size` is flits per virtual channel; `packet_size` is flits
    per packet. The measurement follows BookSim's latency mode: `warmup_periods` sample
    periods of warm-up, then sample periods until latency and accepted rate change by less
    than `stopping_thres` three times in a row (at most `max_samples` periods in all), then a
    drain until every measured packet has arrived. A run whose average latency (in-flight
    packets included) exceeds `latency_thres` is reported as saturated.

    `vc_classes`: "auto" splits the VCs of torus rings into two dateline classes when the
    routing is dimension-ordered (dor, hierarchical), "dateline" forces it, "none" lets every
    packet use every VC (BookSim anynet's `min`). `random_ties`: on a ring of even size,
    dimension-order routing picks a random direction for a packet exactly half-way round (as
    BookSim's torus routing does) instead of the routing table's fixed choice.
    """

    num_vcs: int = 4
    vc_buf_size: int = 8
    packet_size: int = 4
    routing_delay: int = 1
    vc_alloc_delay: int = 1
    sw_alloc_delay: int = 1
    st_prepare_delay: int = 0
    st_final_delay: int = 1
    credit_delay: int = 1
    warmup_periods: int = 3
    sample_period: int = 1000
    max_samples: int = 10
    converge_samples: int = 3
    latency_thres: float = 500.0
    stopping_thres: float = 0.05
    acc_stopping_thres: float = 0.05
    max_drain_cycles: int = 200_000
    seed: int = 1
    vc_classes: str = "auto"
    random_ties: bool = True
    deadlock_cycles: int = 10_000
    debug: bool = False

    def validate(self) -> None:
        """Raise SimulationError naming the parameter if a value is out of range."""
        minimum = {
            "num_vcs": 1, "vc_buf_size": 1, "packet_size": 1, "routing_delay": 0,
            "vc_alloc_delay": 1, "sw_alloc_delay": 1, "st_prepare_delay": 0,
            "st_final_delay": 1, "credit_delay": 0, "warmup_periods": 0, "sample_period": 1,
            "max_samples": 1, "converge_samples": 1, "max_drain_cycles": 1,
            "deadlock_cycles": 64,
        }
        for name, low in minimum.items():
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < low:
                raise SimulationError(
                    f"{name} (--{name.replace('_', '-')}) must be an integer >= {low}, "
                    f"got {value!r}"
                )
        if self.packet_size > 60_000:
            raise SimulationError("packet_size (--packet-size) must be at most 60000 flits")
        if self.warmup_periods >= self.max_samples:
            raise SimulationError(
                f"warmup_periods ({self.warmup_periods}) must be smaller than max_samples "
                f"({self.max_samples}); raise max_samples"
            )
        if self.vc_classes not in VC_CLASS_MODES:
            raise SimulationError(
                f"vc_classes: unknown '{self.vc_classes}'; choose one of "
                f"{', '.join(VC_CLASS_MODES)}"
            )
        if not self.latency_thres > 0:
            raise SimulationError("latency_thres must be > 0 cycles")


@dataclass(frozen=True, eq=False)
class SimResult:
    """Figures of one cycle-level run; latencies in cycles, rates per terminal per cycle.

    `hops_mean` counts routers traversed per packet (BookSim's "hops"; links = hops - 1).
    `link_flits[l]` is the number of flits that crossed directed link l during the
    measurement window of `measured_cycles` cycles (multiply by an energy per flit for link
    energy); `link_utilisation` = link_flits / measured_cycles; `router_flits[r]` counts
    crossbar traversals. In flow mode `flow_packet_latency_mean[f]` is the mean packet
    latency of flow f (NaN where none of its packets was measured).
    """

    packet_latency_mean: float
    packet_latency_p50: float
    packet_latency_p99: float
    network_latency_mean: float
    accepted_flit_rate: float
    accepted_packet_rate: float
    offered_flit_rate: float
    hops_mean: float
    saturated: bool
    cycles: int
    measured_cycles: int
    packets_measured: int
    link_utilisation: np.ndarray
    link_flits: np.ndarray
    router_flits: np.ndarray
    wall_s: float
    flow_packet_latency_mean: np.ndarray | None = None
    flow_packets: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The scalar figures as a JSON-ready dict."""
        return {
            "packet_latency_mean": _num(self.packet_latency_mean),
            "packet_latency_p50": _num(self.packet_latency_p50),
            "packet_latency_p99": _num(self.packet_latency_p99),
            "network_latency_mean": _num(self.network_latency_mean),
            "accepted_flit_rate": _num(self.accepted_flit_rate),
            "accepted_packet_rate": _num(self.accepted_packet_rate),
            "offered_flit_rate": _num(self.offered_flit_rate),
            "hops_mean": _num(self.hops_mean),
            "saturated": bool(self.saturated),
            "cycles": int(self.cycles),
            "measured_cycles": int(self.measured_cycles),
            "packets_measured": int(self.packets_measured),
            "max_link_utilisation": _num(float(self.link_utilisation.max(initial=0.0))),
            "wall_s": round(float(self.wall_s), 6),
        }


def _num(value: float) -> float | None:
    """A float for JSON (None for NaN)."""
    value = float(value)
    return None if np.isnan(value) else value
