"""Arrival times of each network's inferences: a batch, Poisson arrivals, or a trace file."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from pimnoc.config import ArrivalsSpec, RunSpec
from pimnoc.engines.event.engine import Instances
from pimnoc.errors import ConfigError


def read_trace(path: str, key: str) -> np.ndarray:
    """Arrival times (s) from a CSV file with a `time_s` column."""
    try:
        with Path(path).open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ConfigError(f"{key}: cannot read '{path}' ({exc.strerror}); check the path"
                          ) from None
    if not rows or "time_s" not in rows[0]:
        raise ConfigError(f"{key}: '{path}' needs a header row with a time_s column and at "
                          "least one arrival")
    try:
        times = np.array([float(row["time_s"]) for row in rows])
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: '{path}' has a time_s value that is not a number; fix "
                          "the file") from None
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ConfigError(f"{key}: '{path}' has a negative or non-finite time_s; use "
                          "seconds >= 0")
    return np.sort(times)


def arrival_times(arrivals: ArrivalsSpec, rng: np.random.Generator, key: str) -> np.ndarray:
    """Arrival times of one network's inferences."""
    if arrivals.kind == "poisson":
        gaps = rng.exponential(1.0 / arrivals.poisson_ips, size=arrivals.count)
        return np.cumsum(gaps) - gaps[0]  # the first inference arrives at t = 0
    if arrivals.kind == "trace":
        return read_trace(arrivals.trace, key)
    return np.zeros(arrivals.batch or 1)


def instances_of(spec: RunSpec) -> Instances:
    """All inferences of a run, ordered by arrival time (then by network)."""
    rng = np.random.default_rng(spec.mapping.seed)
    nets, times = [], []
    for k, net in enumerate(spec.workload.networks):
        t = arrival_times(net.arrivals, rng, f"workload.networks.{k}.arrivals.trace")
        nets.append(np.full(t.size, k))
        times.append(t)
    network, arrival = np.concatenate(nets), np.concatenate(times)
    order = np.lexsort((network, arrival))
    if not math.isfinite(float(arrival.max(initial=0.0))):
        raise ConfigError("workload.networks: arrival times must be finite")
    return Instances(network[order], arrival[order])
