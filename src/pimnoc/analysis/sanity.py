"""Warnings for designs that evaluate but could not be built or would waste their energy."""

from __future__ import annotations

from typing import Any

RETICLE_MM2 = 858.0
"""One lithography reticle field, 26 mm x 33 mm (ASML scanner field size)."""

STITCHED_RETICLES = 5.5
"""Largest silicon interposer in sight, in reticles: TSMC CoWoS-L at 5.5 reticles for 2026
(TSMC Technology Symposium 2024). Assumption: a design with more silicon than this cannot be
packaged as one part today."""

MAX_SILICON_MM2 = RETICLE_MM2 * STITCHED_RETICLES

MAX_LEAKAGE_SHARE = 0.9
"""Leakage above this share of the energy: the PEs idle almost all the time (assumption: a
threshold that flags grossly over-provisioned designs, not a published figure)."""


def physical_warnings(result: Any) -> list[str]:
    """Messages for a physically absurd design: too much silicon, energy mostly leakage."""
    warnings = []
    if result.area_mm2 > MAX_SILICON_MM2:
        warnings.append(
            f"silicon area {result.area_mm2:,.0f} mm² exceeds the largest reticle-stitched "
            f"package ({STITCHED_RETICLES:g} reticles, {MAX_SILICON_MM2:,.0f} mm²); use fewer "
            "or smaller chiplets/PEs")
    energy = result.energy_j
    total = energy.get("total", 0.0)
    if total > 0 and energy.get("leakage", 0.0) > MAX_LEAKAGE_SHARE * total:
        warnings.append(
            f"leakage is {energy['leakage'] / total:.0%} of the energy per inference: most "
            "PEs sit idle; use fewer PEs or a higher rate")
    return warnings
