"""User-facing error types: every error a user can cause is a PimnocError."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PimnocError(Exception):
    """An error caused by user input; the CLI prints it without a traceback and exits 2."""


class ConfigError(PimnocError):
    """A run, design or space file that is malformed or inconsistent."""


class WorkloadError(PimnocError):
    """An unknown model or an unreadable model file."""


class CapacityError(PimnocError):
    """A design with too few crossbars or nodes for the workload."""


class TopologyError(PimnocError):
    """A topology that is disconnected, unroutable or not deadlock-free."""


class OutputError(PimnocError):
    """An output file or folder that cannot be written."""


class SimulationError(PimnocError):
    """A simulation that cannot run or stops making progress (deadlock)."""


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean X?)' for the closest choice, or '' if none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_name(key: str, name: str, choices: Iterable[str]) -> ConfigError:
    """Build the error for an unknown registry name under config key `key`."""
    choices = sorted(choices)
    return ConfigError(
        f"{key}: unknown '{name}'{suggest(name, choices)}; choose one of: {', '.join(choices)}"
    )
