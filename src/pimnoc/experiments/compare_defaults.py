"""Defaults of the topology comparison that the CLI shows in its help without importing models."""

from __future__ import annotations

DEFAULT_SAME_PLACEMENT = "hilbert"
"""The placement every topology shares in the "same" rows: a locality-preserving curve over
the chiplet grid that no NoI is built around (Floret's own curve is a different one)."""
