"""Stack descriptions (layers, heat sink, ambient) and builders for 2D, 2.5D and 3D systems.

Convention: ``Stack.layers[0]`` touches the heat sink and the list runs away from it
(heat-sink side first). Active (power-dissipating) layers are numbered as *tiers* in the
same order, so tier 0 is the tier nearest the heat sink. The side of the last layer is
adiabatic unless ``far_side_h_w_m2k`` > 0 (HotSpot's default: no secondary heat path);
the lateral edges are adiabatic.

Default geometry and its sources:

- heat spreader 1 mm copper, TIM 20 um (k = 4 W/mK), heat sink 6.9 mm x 60 mm x 60 mm,
  convection resistance 0.1 K/W and capacitance 140.4 J/K, ambient 318.15 K:
  HotSpot default thermal configuration (t_spreader, t_interface, t_sink, s_sink,
  r_convec, c_convec, ambient).
- The package (`Package`, default on): spreader and sink larger than the die, HotSpot's
  30 mm spreader and 60 mm sink, with lateral spreading into their periphery and
  convection over the whole sink area; `package=None` gives the older model (spreader
  over the footprint only, one isothermal sink node).
- 2D die 150 um thick (HotSpot t_chip); the heat is dissipated in a 2 um source layer at
  the die face and a 10 um BEOL sits on it (3D-ICE example die: "layer 10 BEOL;
  source 2 SILICON").
- TSV 3D: thinned dies 50 um (VirtualPlatform3D thermal testbench, thick.die = 50e-6),
  tier 0 unthinned 150 um (HotSpot t_chip; it needs no TSVs  # assumption), die-to-die
  bonding layer 20 um with k = 4 W/mK and 4e6 J/(m^3 K) (HotSpot example4 ev6_3D.lcf,
  the TSV-filled interface layer of Coskun et al.).
- Monolithic 3D (MIV): upper tiers are ~100 nm silicon films separated from the tier below
  by a ~100 nm inter-layer dielectric (SiO2) and a thin local BEOL; these are the orders of
  magnitude used in M3D thermal studies (e.g. Samal et al., IEEE TCAD 2016)  # assumption
  for the exact values: 100 nm Si, 100 nm ILD, 1 um local BEOL.
- 2.5D: chiplet dies 150 um (HotSpot t_chip), micro-bump layer 40 um of solder bumps
  (20 um diameter, 100 um pitch) in underfill and a 200 um silicon interposer
  (VirtualPlatform3D testbench: thick.bump, bump.d/px, thick.inter).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from pimnoc.analysis.thermal.materials import (
    BEOL,
    INTERPOSER_SI,
    MOLD,
    SILICON,
    SIO2,
    SOLDER,
    SPREADER_CU,
    TIM,
    UNDERFILL,
    Material,
    composite,
)
from pimnoc.errors import ConfigError
from pimnoc.hardware.stack3d import M3D_ILD_THICKNESS_M, M3D_SI_THICKNESS_M

Rect = tuple[float, float, float, float]  # (x0, y0, width, height) in metres

AMBIENT_K = 318.15  # HotSpot default ambient temperature (45 C)
SPREADER_THICKNESS_M = 1e-3  # HotSpot t_spreader
TIM_THICKNESS_M = 20e-6  # HotSpot t_interface
DIE_THICKNESS_M = 150e-6  # HotSpot t_chip
SOURCE_THICKNESS_M = 2e-6  # 3D-ICE example die: "source 2 SILICON"
BEOL_THICKNESS_M = 10e-6  # 3D-ICE example die: "layer 10 BEOL"
THINNED_DIE_THICKNESS_M = 50e-6  # VirtualPlatform3D thermal testbench thick.die
TSV_BOND_THICKNESS_M = 20e-6  # HotSpot example4 ev6_3D.lcf inter-die TIM/TSV layer
TSV_BOND = Material("tsv_bond", 4.0, 4.0e6)  # HotSpot example4: resistivity 0.25 mK/W, 4e6
M3D_LOCAL_BEOL_THICKNESS_M = 1e-6  # assumption (few local metal levels per lower tier)
BUMP_THICKNESS_M = 40e-6  # VirtualPlatform3D thick.bump
BUMP_AREA_FRACTION = math.pi * (10e-6) ** 2 / (100e-6) ** 2  # VP3D bump d=20 um, pitch 100 um
INTERPOSER_THICKNESS_M = 200e-6  # VirtualPlatform3D thick.inter


@dataclass(frozen=True)
class Layer:
    """One slab: a material over the footprint (or over `regions_m`, `fill` elsewhere)."""

    name: str
    material: Material
    thickness_m: float
    active: bool = False
    regions_m: tuple[Rect, ...] = ()
    fill: Material | None = None

    def __post_init__(self) -> None:
        if not self.thickness_m > 0:
            raise ConfigError(f"thermal.layers.{self.name}.thickness_m must be > 0")
        if self.regions_m and self.fill is None:
            raise ConfigError(
                f"thermal.layers.{self.name}: regions_m given without fill; "
                "give the material that fills the rest of the footprint"
            )
        for rect in self.regions_m:
            if len(rect) != 4 or rect[2] <= 0 or rect[3] <= 0:
                raise ConfigError(
                    f"thermal.layers.{self.name}.regions_m: each region is (x0, y0, w, h) "
                    "in metres with w, h > 0"
                )


@dataclass(frozen=True)
class HeatSink:
    """A lumped heat sink (HotSpot style): isothermal base, then convection to ambient."""

    r_convec_k_per_w: float = 0.1  # HotSpot default r_convec
    c_convec_j_per_k: float = 140.4  # HotSpot default c_convec
    side_m: float = 0.06  # HotSpot default s_sink
    thickness_m: float = 6.9e-3  # HotSpot default t_sink
    material: Material = SPREADER_CU  # HotSpot k_sink = 400 W/mK, p_sink = 3.55e6 J/m^3K

    def __post_init__(self) -> None:
        if not (self.r_convec_k_per_w > 0 and self.side_m > 0 and self.thickness_m > 0):
            raise ConfigError(
                "thermal.heat_sink: r_convec_k_per_w, side_m and thickness_m must be > 0"
            )
        if self.c_convec_j_per_k < 0:
            raise ConfigError("thermal.heat_sink.c_convec_j_per_k must be >= 0")

    @property
    def resistance_k_per_w(self) -> float:
        """Sink base conduction plus convection to ambient, K/W."""
        base = self.thickness_m / (self.material.k_vertical * self.side_m**2)
        return self.r_convec_k_per_w + base

    @property
    def capacitance_j_per_k(self) -> float:
        """Sink body plus convection capacitance, J/K."""
        body = self.material.heat_capacity_j_m3k * self.thickness_m * self.side_m**2
        return self.c_convec_j_per_k + body


@dataclass(frozen=True)
class Package:
    """A heat spreader and sink larger than the die, as in HotSpot's default package.

    With a package, the stack's layer 0 is the sink base and layer 1 the spreader, both
    gridded over the footprint; beyond the footprint the spreader has four periphery
    nodes (to `spreader_side_m`) and the sink four inner periphery nodes below them plus
    one outer ring (to `HeatSink.side_m`), every sink node convecting to ambient in
    proportion to its area (HotSpot: Huang et al., IEEE TVLSI 2006, and its
    `package.config`/`hotspot.config` defaults: 30 mm spreader, 60 mm sink, 0.1 K/W).
    """

    spreader_side_m: float = 0.03  # HotSpot s_spreader

    def __post_init__(self) -> None:
        if not self.spreader_side_m > 0:
            raise ConfigError("thermal.package.spreader_side_m must be > 0")


@dataclass(frozen=True)
class Stack:
    """A footprint, its layers (heat-sink side first), the heat sink and the ambient."""

    width_m: float
    height_m: float
    layers: tuple[Layer, ...]
    heat_sink: HeatSink = field(default_factory=HeatSink)
    ambient_k: float = AMBIENT_K
    far_side_h_w_m2k: float = 0.0  # secondary path from the last layer; 0 = adiabatic
    package: Package | None = None  # None: spreader over the footprint, isothermal sink

    def __post_init__(self) -> None:
        if not (self.width_m > 0 and self.height_m > 0):
            raise ConfigError("thermal.footprint: width_m and height_m must be > 0")
        if not self.layers:
            raise ConfigError("thermal.layers: a stack needs at least one layer")
        if not any(layer.active for layer in self.layers):
            raise ConfigError("thermal.layers: no active layer; mark the tiers active=True")
        if not self.ambient_k > 0:
            raise ConfigError("thermal.ambient_k must be > 0 (kelvin)")
        if self.far_side_h_w_m2k < 0:
            raise ConfigError("thermal.far_side_h_w_m2k must be >= 0")
        if self.package is not None:
            sink, spreader = self.heat_sink.side_m, self.package.spreader_side_m
            if len(self.layers) < 3 or self.layers[0].name != "sink" or \
                    self.layers[1].name != "spreader":
                raise ConfigError("thermal.package: the stack must start with the 'sink' "
                                  "and 'spreader' layers")
            if not max(self.width_m, self.height_m) < spreader < sink:
                raise ConfigError(
                    f"thermal.package: need footprint ({self.width_m:.4g} x "
                    f"{self.height_m:.4g} m) < spreader ({spreader:.4g} m) < sink "
                    f"({sink:.4g} m); enlarge the spreader or sink")

    @property
    def active_layers(self) -> tuple[int, ...]:
        """Indices into `layers` of the active tiers, tier 0 first."""
        return tuple(i for i, layer in enumerate(self.layers) if layer.active)

    @property
    def n_tiers(self) -> int:
        """Number of active (power-dissipating) tiers."""
        return len(self.active_layers)


DEFAULT_PACKAGE = Package()
"""HotSpot's default package (30 mm spreader; the 60 mm sink is HeatSink's default)."""


def fit_package(package: Package | None, width_m: float, height_m: float,
                heat_sink: HeatSink) -> Package | None:
    """The package, its spreader enlarged to 1.25x the footprint where the footprint does
    not fit on it (assumption: a lid a little larger than the die), or None if even the
    sink is too small (then the spreader stops at the die edge, the sink is isothermal)."""
    if package is None:
        return None
    side = max(package.spreader_side_m, 1.25 * max(width_m, height_m))
    if side >= heat_sink.side_m:
        return None
    return package if side == package.spreader_side_m else Package(side)


def _package_layers(spreader_thickness_m: float, tim_thickness_m: float,
                    heat_sink: HeatSink | None = None) -> list[Layer]:
    """The heat spreader and TIM between the die stack and the heat sink (and, for a
    package larger than the die, the sink base as layer 0)."""
    layers = []
    if heat_sink is not None:
        layers.append(Layer("sink", heat_sink.material, heat_sink.thickness_m))
    if spreader_thickness_m > 0:
        layers.append(Layer("spreader", SPREADER_CU, spreader_thickness_m))
    if tim_thickness_m > 0:
        layers.append(Layer("tim", TIM, tim_thickness_m))
    return layers


def _die_layers(tier: int, die_thickness_m: float, beol_thickness_m: float) -> list[Layer]:
    """Bulk silicon, the 2 um active source layer at the face and the BEOL of one die."""
    bulk = die_thickness_m - SOURCE_THICKNESS_M
    layers = []
    if bulk > 0:
        layers.append(Layer(f"tier{tier}_bulk", SILICON, bulk))
    layers.append(Layer(f"tier{tier}_active", SILICON, SOURCE_THICKNESS_M, active=True))
    if beol_thickness_m > 0:
        layers.append(Layer(f"tier{tier}_beol", BEOL, beol_thickness_m))
    return layers


def stack_2d(
    die_w_m: float,
    die_h_m: float,
    *,
    die_thickness_m: float = DIE_THICKNESS_M,
    beol_thickness_m: float = BEOL_THICKNESS_M,
    spreader_thickness_m: float = SPREADER_THICKNESS_M,
    tim_thickness_m: float = TIM_THICKNESS_M,
    heat_sink: HeatSink | None = None,
    ambient_k: float = AMBIENT_K,
    package: Package | None = DEFAULT_PACKAGE,
) -> Stack:
    """A flip-chip 2D die (one active tier) under TIM, spreader and heat sink."""
    sink = heat_sink or HeatSink()
    package = fit_package(package, die_w_m, die_h_m, sink)
    layers = _package_layers(spreader_thickness_m, tim_thickness_m, sink if package else None)
    layers += _die_layers(0, die_thickness_m, beol_thickness_m)
    return Stack(die_w_m, die_h_m, tuple(layers), sink, ambient_k, package=package)


def stack_3d(
    tiers: int,
    die_w_m: float,
    die_h_m: float,
    vertical: str = "tsv",
    *,
    base_die_thickness_m: float = DIE_THICKNESS_M,
    tier_thickness_m: float | None = None,
    bond_thickness_m: float | None = None,
    beol_thickness_m: float | None = None,
    spreader_thickness_m: float = SPREADER_THICKNESS_M,
    tim_thickness_m: float = TIM_THICKNESS_M,
    heat_sink: HeatSink | None = None,
    ambient_k: float = AMBIENT_K,
    package: Package | None = DEFAULT_PACKAGE,
) -> Stack:
    """A 3D stack of `tiers` silicon tiers, tier 0 nearest the heat sink.

    ``vertical="tsv"``: die-stacked tiers (tier 0 a full-thickness die, the others thinned
    to `tier_thickness_m`, default 50 um), each with its BEOL, joined by a TSV/bonding
    layer (default 20 um, k = 4 W/mK). ``vertical="miv"``: monolithic 3D; tier 0 on the bulk
    substrate, upper tiers ~100 nm silicon films on a ~100 nm ILD over the local BEOL of
    the tier below (see module docstring for sources and assumptions).
    """
    if tiers < 1:
        raise ConfigError(f"thermal.tiers: need at least 1 tier, got {tiers}")
    sink = heat_sink or HeatSink()
    package = fit_package(package, die_w_m, die_h_m, sink)
    layers = _package_layers(spreader_thickness_m, tim_thickness_m, sink if package else None)
    if vertical == "tsv":
        thin = THINNED_DIE_THICKNESS_M if tier_thickness_m is None else tier_thickness_m
        bond = TSV_BOND_THICKNESS_M if bond_thickness_m is None else bond_thickness_m
        beol = BEOL_THICKNESS_M if beol_thickness_m is None else beol_thickness_m
        for t in range(tiers):
            if t > 0:
                layers.append(Layer(f"bond{t - 1}_{t}", TSV_BOND, bond))
            layers += _die_layers(t, base_die_thickness_m if t == 0 else thin, beol)
    elif vertical == "miv":
        film = M3D_SI_THICKNESS_M if tier_thickness_m is None else tier_thickness_m
        ild = M3D_ILD_THICKNESS_M if bond_thickness_m is None else bond_thickness_m
        local_beol = M3D_LOCAL_BEOL_THICKNESS_M if beol_thickness_m is None else beol_thickness_m
        tier0_beol = local_beol if tiers > 1 else BEOL_THICKNESS_M
        layers += _die_layers(0, base_die_thickness_m, tier0_beol)
        for t in range(1, tiers):
            layers.append(Layer(f"ild{t - 1}_{t}", SIO2, ild))
            layers.append(Layer(f"tier{t}_active", SILICON, film, active=True))
            top = t == tiers - 1
            layers.append(Layer(f"tier{t}_beol", BEOL, BEOL_THICKNESS_M if top else local_beol))
    else:
        raise ConfigError(f"thermal.vertical: unknown '{vertical}'; choose one of: miv, tsv")
    return Stack(die_w_m, die_h_m, tuple(layers), sink, ambient_k, package=package)


def stack_2p5d(
    chiplets_m: Sequence[Rect],
    footprint_w_m: float,
    footprint_h_m: float,
    *,
    chiplet_thickness_m: float = DIE_THICKNESS_M,
    beol_thickness_m: float = BEOL_THICKNESS_M,
    bump_thickness_m: float = BUMP_THICKNESS_M,
    interposer_thickness_m: float = INTERPOSER_THICKNESS_M,
    spreader_thickness_m: float = SPREADER_THICKNESS_M,
    tim_thickness_m: float = TIM_THICKNESS_M,
    heat_sink: HeatSink | None = None,
    ambient_k: float = AMBIENT_K,
    package: Package | None = DEFAULT_PACKAGE,
) -> Stack:
    """Chiplets (rectangles (x0, y0, w, h), m) on a silicon interposer, lid/sink on their backs.

    Layers from the heat sink: spreader, TIM, chiplet bulk silicon, the chiplets' active
    source layer (the one tier; power goes where the chiplets are), chiplet BEOL (each
    surrounded by mold compound), micro-bumps in underfill, interposer. The package
    substrate under the interposer is treated as adiabatic (no secondary heat path).
    """
    rects = tuple(tuple(float(v) for v in r) for r in chiplets_m)
    if not rects:
        raise ConfigError("thermal.chiplets: give at least one chiplet rectangle (x0, y0, w, h)")
    for x0, y0, w, h in rects:
        if x0 < 0 or y0 < 0 or x0 + w > footprint_w_m * (1 + 1e-9) or y0 + h > footprint_h_m * (
            1 + 1e-9
        ):
            raise ConfigError(
                f"thermal.chiplets: chiplet {(x0, y0, w, h)} leaves the interposer footprint "
                f"{footprint_w_m} x {footprint_h_m} m; enlarge the footprint or move it"
            )
    bumps = composite("ubump", UNDERFILL, SOLDER, BUMP_AREA_FRACTION)
    sink = heat_sink or HeatSink()
    package = fit_package(package, footprint_w_m, footprint_h_m, sink)
    layers = _package_layers(spreader_thickness_m, tim_thickness_m, sink if package else None)
    bulk = chiplet_thickness_m - SOURCE_THICKNESS_M
    if bulk > 0:
        layers.append(Layer("chiplet_bulk", SILICON, bulk, regions_m=rects, fill=MOLD))
    layers.append(
        Layer("chiplet_active", SILICON, SOURCE_THICKNESS_M, True, regions_m=rects, fill=MOLD)
    )
    if beol_thickness_m > 0:
        layers.append(Layer("chiplet_beol", BEOL, beol_thickness_m, regions_m=rects, fill=MOLD))
    if bump_thickness_m > 0:
        layers.append(Layer("ubump", bumps, bump_thickness_m, regions_m=rects, fill=UNDERFILL))
    if interposer_thickness_m > 0:
        layers.append(Layer("interposer", INTERPOSER_SI, interposer_thickness_m))
    return Stack(footprint_w_m, footprint_h_m, tuple(layers), sink, ambient_k, package=package)


__all__ = [
    "AMBIENT_K",
    "DEFAULT_PACKAGE",
    "HeatSink",
    "Package",
    "Layer",
    "Rect",
    "Stack",
    "stack_2d",
    "stack_2p5d",
    "stack_3d",
]
