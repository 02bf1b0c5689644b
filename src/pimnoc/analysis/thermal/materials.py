"""Thermal materials (conductivity, volumetric heat capacity) with their sources.

Sources (numbers only, no code, carried over):

- 3D-ICE (EPFL ESL) example stack files: silicon 1.30e-4 W/(um K) = 130 W/(m K),
  1.628e-12 J/(um^3 K) = 1.628e6 J/(m^3 K); BEOL 2.25 W/(m K), 2.175e6 J/(m^3 K);
  SiO2 1.38 W/(m K), 1.62e6 J/(m^3 K); copper 401 W/(m K), 3.37e6 J/(m^3 K).
- HotSpot (UVA) default thermal config (hotspot.config / 3D-ICE "hotspot" example):
  interface material (TIM) k = 4.0 W/(m K), 4.0e6 J/(m^3 K); spreader and sink
  k = 400 W/(m K), 3.55e6 J/(m^3 K).
- VirtualPlatform3D thermal module (Georgia Tech, wwahby/VirtualPlatform3D, ThermSim.m):
  underfill 0.9 W/(m K), micro-bump 60 W/(m K), silicon interposer 149 W/(m K),
  TIM 3 W/(m K), ILD lateral/vertical mixes of Cu (400) and SiO2 (1.38) by metal portion.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimnoc.errors import ConfigError


@dataclass(frozen=True)
class Material:
    """A homogeneous (optionally anisotropic) material for the thermal grid."""

    name: str
    conductivity_w_mk: float  # lateral (in-plane) thermal conductivity, W/(m K)
    heat_capacity_j_m3k: float  # volumetric heat capacity, J/(m^3 K)
    vertical_conductivity_w_mk: float | None = None  # through-plane; None = isotropic

    def __post_init__(self) -> None:
        if self.conductivity_w_mk <= 0 or self.heat_capacity_j_m3k <= 0:
            raise ConfigError(
                f"thermal.material '{self.name}': conductivity_w_mk and heat_capacity_j_m3k "
                "must be > 0; give positive SI values"
            )
        if self.vertical_conductivity_w_mk is not None and self.vertical_conductivity_w_mk <= 0:
            raise ConfigError(
                f"thermal.material '{self.name}': vertical_conductivity_w_mk must be > 0 or None"
            )

    @property
    def k_lateral(self) -> float:
        """In-plane conductivity, W/(m K)."""
        return self.conductivity_w_mk

    @property
    def k_vertical(self) -> float:
        """Through-plane conductivity, W/(m K)."""
        if self.vertical_conductivity_w_mk is None:
            return self.conductivity_w_mk
        return self.vertical_conductivity_w_mk


def composite(name: str, matrix: Material, filler: Material, filler_fraction: float) -> Material:
    """Homogenise vertical pillars (TSVs, bumps) of `filler` in `matrix` by area fraction.

    Vertical conductivity: parallel paths (rule of mixtures); lateral: series
    (inverse rule of mixtures), the usual homogenisation of via arrays (e.g.
    VirtualPlatform3D's ILD treatment). Heat capacity: volume-weighted.
    """
    if not 0.0 <= filler_fraction < 1.0:
        raise ConfigError(f"thermal.{name}: filler area fraction must be in [0, 1)")
    f = filler_fraction
    k_vert = (1 - f) * matrix.k_vertical + f * filler.k_vertical
    k_lat = 1.0 / ((1 - f) / matrix.k_lateral + f / filler.k_lateral)
    cap = (1 - f) * matrix.heat_capacity_j_m3k + f * filler.heat_capacity_j_m3k
    return Material(name, k_lat, cap, k_vert)


# --- defaults --------------------------------------------------------------------------

SILICON = Material("silicon", 130.0, 1.628e6)  # 3D-ICE example stacks (SILICON)
BEOL = Material("beol", 2.25, 2.175e6)  # 3D-ICE example stacks (BEOL)
SIO2 = Material("sio2", 1.38, 1.62e6)  # 3D-ICE example materials (SIO2); VP3D SiO2 1.38
COPPER = Material("copper", 401.0, 3.37e6)  # 3D-ICE example materials (COPPER)
TIM = Material("tim", 4.0, 4.0e6)  # HotSpot default interface material (k_interface, p_interface)
SPREADER_CU = Material("spreader", 400.0, 3.55e6)  # HotSpot default k_spreader, p_spreader
# Underfill conductivity: VirtualPlatform3D (UNDER = 0.9); heat capacity: 3D-ICE EPOXY 2.22e6.
UNDERFILL = Material("underfill", 0.9, 2.22e6)
# Micro-bump solder: VirtualPlatform3D (UBUMP = 60 W/mK); heat capacity of SnAg solder
# ~1.7e6 J/(m^3 K)  # assumption
SOLDER = Material("solder", 60.0, 1.7e6)
# Mold compound between chiplets: epoxy-like; k from VirtualPlatform3D underfill (0.9),
# heat capacity 3D-ICE EPOXY 2.22e6.  # assumption: mold ~ underfill
MOLD = Material("mold", 0.9, 2.22e6)
INTERPOSER_SI = Material("interposer_si", 149.0, 1.628e6)  # VP3D silicon interposer k=149
