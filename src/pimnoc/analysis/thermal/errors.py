"""Errors of the thermal model (all PimnocError subclasses)."""

from __future__ import annotations

from pimnoc.errors import PimnocError


class ThermalError(PimnocError):
    """A thermal input that is malformed: wrong power-map shape, negative power, bad grid."""


class ThermalRunawayError(ThermalError):
    """Leakage-temperature feedback without a stable fixed point (thermal runaway)."""
