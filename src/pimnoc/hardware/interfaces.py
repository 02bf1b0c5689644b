"""Die-to-die (chiplet I/O) interface presets: one module's lanes, rate, energy, size, source.

A chiplet reaches the interposer through `design.noi.ports_per_chiplet` boundary routers,
each with one module of the chosen interface; every interposer link is one module too.

Sources:
- UCIe: D. Das Sharma et al., "Universal Chiplet Interconnect Express (UCIe): An Open
  Industry Standard for Innovations With Chiplets at Package Level", IEEE TCPMT 2022, and
  the UCIe 1.0 specification's key performance targets, as restated by Das Sharma at Hot
  Interconnects 2025: standard package x16 modules at 100-130 um bump pitch, advanced
  package x64 modules at 25-55 um; 4-32 GT/s per lane; 0.5 pJ/b (standard, <= 16 GT/s),
  0.25 pJ/b (advanced, <= 16 GT/s); about 2 ns round trip; areal bandwidth density up to
  125 GB/s/mm^2 (standard) and 1350 GB/s/mm^2 (advanced, 45 um pitch) at 32 GT/s.
- GRS: J. Poulton et al., "A 0.54 pJ/b 20 Gb/s Ground-Referenced Single-Ended Short-Reach
  Serial Link in 28 nm CMOS for Advanced Packaging Applications", IEEE JSSC 2013
  (16-lane links, 20 Gb/s per lane, 0.54 pJ/b); SIAM (Krishnan et al., IEEE TVLSI 2021)
  builds its network-on-package from GRS links of 32 lanes at 5304.5 um^2 per lane.
- AIB: Intel Advanced Interface Bus (AIB spec 1.x; figures as given by Intel for EMIB,
  Architecture Day 2020): 2 Gb/s per wire, 55 um bump pitch.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from pimnoc.errors import unknown_name


@dataclass(frozen=True)
class ChipletInterface:
    """One die-to-die interface module (a PHY with its lanes) as a chiplet I/O port."""

    name: str
    lanes: int  # data lanes per module, one direction
    gbps_per_lane: float  # data rate per lane (GT/s = Gb/s for these single-ended links)
    energy_pj_per_bit: float  # PHY energy per bit crossing the module
    latency_ns: float  # one-way latency of the PHY pair (TX + RX)
    bump_pitch_um: float
    area_mm2: float  # silicon area of one module on the chiplet
    source: str

    @property
    def bandwidth_bps(self) -> float:
        """Bits per second one module carries in one direction."""
        return self.lanes * self.gbps_per_lane * 1e9


UCIE_SOURCE = "Das Sharma et al., IEEE TCPMT 2022 (UCIe 1.0 key performance targets)"

INTERFACES: dict[str, ChipletInterface] = {
    "ucie_standard": ChipletInterface(
        name="ucie_standard", lanes=16, gbps_per_lane=16.0,
        energy_pj_per_bit=0.5,  # UCIe 1.0: 0.5 pJ/b at <= 16 GT/s, standard package
        latency_ns=1.0,  # UCIe: ~2 ns round trip; one way taken as half (assumption)
        bump_pitch_um=110.0,  # UCIe standard package: 100-130 um (middle of the range)
        # 16 lanes x 32 GT/s = 64 GB/s over UCIe's 125 GB/s/mm^2 areal density at 32 GT/s
        area_mm2=0.512,
        source=UCIE_SOURCE + "; standard package, x16 at 16 GT/s",
    ),
    "ucie_advanced": ChipletInterface(
        name="ucie_advanced", lanes=64, gbps_per_lane=16.0,
        energy_pj_per_bit=0.25,  # UCIe 1.0: 0.25 pJ/b at <= 16 GT/s, advanced package
        latency_ns=1.0,  # UCIe: ~2 ns round trip; one way taken as half (assumption)
        bump_pitch_um=45.0,  # UCIe advanced package: 25-55 um; 45 um the spec's common pitch
        # 64 lanes x 32 GT/s = 256 GB/s over UCIe's 1350 GB/s/mm^2 (45 um) at 32 GT/s
        area_mm2=0.19,
        source=UCIE_SOURCE + "; advanced package, x64 at 16 GT/s",
    ),
    "grs": ChipletInterface(
        name="grs", lanes=32,  # SIAM: 32-lane GRS network-on-package links
        gbps_per_lane=20.0,  # Poulton et al., JSSC 2013: 20 Gb/s per lane
        energy_pj_per_bit=0.54,  # Poulton et al., JSSC 2013
        latency_ns=1.0,  # assumption: as UCIe (forwarded clock, no SerDes framing)
        bump_pitch_um=150.0,  # assumption: organic-substrate C4 pitch (4.5 mm channels)
        area_mm2=32 * 5304.5e-6,  # SIAM: 5304.5 um^2 per lane
        source="Poulton et al., IEEE JSSC 2013 (GRS); SIAM (Krishnan et al., TVLSI 2021)",
    ),
    "aib": ChipletInterface(
        name="aib", lanes=40,  # assumption: one AIB channel's 40 transmit data wires
        gbps_per_lane=2.0,  # Intel AIB 1.0 on EMIB: 2 Gb/s per wire
        energy_pj_per_bit=0.85,  # AIB 1.0 as reported in Intel's AIB 2.0 comparison (secondary)
        latency_ns=1.0,  # assumption: as UCIe (a parallel, clock-forwarded interface)
        bump_pitch_um=55.0,  # Intel AIB 1.0 / EMIB: 55 um
        area_mm2=2 * 40 * (55e-3) ** 2 * 2,  # assumption: TX+RX bumps, 2x for clock/ground
        source="Intel AIB specification 1.x; Intel Architecture Day 2020 (EMIB, 55 um, 2 Gb/s)",
    ),
}

DEFAULT_INTERFACE = "ucie_advanced"
"""The default chiplet I/O: pimnoc's 2.5D systems sit on a silicon interposer (its NoI
routers are on the interposer), the package UCIe's advanced profile is specified for."""

OVERRIDABLE = tuple(f.name for f in fields(ChipletInterface) if f.name not in ("name", "source"))


def chiplet_interface(name: str, overrides: dict[str, Any] | None = None) -> ChipletInterface:
    """The preset `name` with any of its fields overridden (an override marks the source)."""
    if name not in INTERFACES:
        raise unknown_name("design.noi.interface", name, INTERFACES)
    preset = INTERFACES[name]
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if not given:
        return preset
    changed = ", ".join(f"{k}={v}" for k, v in sorted(given.items()))
    return replace(preset, **given, source=f"{preset.source}; overridden: {changed}")
