"""3D integration: tiers of PE grids stacked face to back, joined by TSVs or monolithic vias.

Registers `design.integration: 3d`. Tier 0 is the tier next to the heat sink (as in
`pimnoc.analysis.thermal`); every tier is a `pe_rows x pe_cols` grid at the PE pitch, and nodes are
numbered tier by tier, row-major within a tier. The NoC must span tiers (`mesh3d` or
`sfc3d`, see `topologies/grid3d.py`); vertical links are TSVs (`design.vertical: tsv`) or
monolithic inter-tier vias (`miv`). For placement the tiers play the part that chiplets
play in 2.5D (`meta` gives `chiplet_rows = tiers`, `chiplet_cols = 1`), so `row_major`,
`snake`, `hilbert` and `sfc` walk tier after tier, and `sfc` follows the 3D curve.
"""

from __future__ import annotations

import math

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.hardware.system import INTEGRATIONS, SystemSpec, _grid_positions
from pimnoc.hardware.topologies import NOC_TOPOLOGIES
from pimnoc.hardware.topologies.grid3d import NOC3D, StackLinkSpec
from pimnoc.hardware.topology import MIV, ONCHIP, PE, TSV, LinkList, Topology

VERTICAL_KINDS = {"tsv": TSV, "miv": MIV}
M3D_SI_THICKNESS_M = 100e-9  # assumption (M3D upper-tier silicon film, ~tens-100 nm)
M3D_ILD_THICKNESS_M = 100e-9  # assumption (M3D inter-layer dielectric, ~100 nm)
MIV_LENGTH_MM = (M3D_ILD_THICKNESS_M + M3D_SI_THICKNESS_M) * 1e3  # through ILD and Si film
VERTICAL_CYCLES = 1  # TSV RC ~0.3 ohm x 30 fF ~ 10 ps, an MIV far less: the 1-cycle minimum

PERMITTIVITY_FREE_SPACE_F_PER_M = 8.854e-12


def via_capacitance_f(length_um: float, diameter_um: float, pitch_um: float,
                      liner_um: float, liner_permittivity: float,
                      depletion_um: float = 0.6) -> float:
    """Capacitance of one vertical via by the CACTI-3DD model (Chen et al., DATE 2012).

    Liner (oxide) and depletion coaxial capacitors in series, plus coupling to the four
    lateral and four diagonal neighbours of a via array at `pitch_um`; all lengths in um.
    """
    um = 1e-6
    length, diameter, pitch = length_um * um, diameter_um * um, pitch_um * um
    liner, depletion = liner_um * um, depletion_um * um
    e0 = PERMITTIVITY_FREE_SPACE_F_PER_M
    e_si = 11.9 * e0
    liner_c = 2 * math.pi * e0 * liner_permittivity * length / math.log(1 + liner / (diameter / 2))
    depletion_c = 2 * math.pi * e_si * length / math.log(1 + depletion / (liner + diameter / 2))
    self_c = 1 / (1 / liner_c + 1 / depletion_c)
    shape = 0.4 * (0.225 * math.log(0.97 * length / diameter) + 0.53) * e_si * math.pi \
        * diameter * length
    lateral = shape / (pitch - diameter)
    diagonal = shape / (math.sqrt(2) * pitch - diameter)
    return self_c + 4.1 * lateral + 5.3 * diagonal


def vertical_link(spec: SystemSpec) -> tuple[int, float]:
    """Kind and length (mm) of the vertical links of a 3D design."""
    if spec.vertical not in VERTICAL_KINDS:
        raise ConfigError(f"design.vertical: unknown '{spec.vertical}'; choose tsv or miv")
    length = spec.vertical_length_mm if spec.vertical == "tsv" else MIV_LENGTH_MM
    return VERTICAL_KINDS[spec.vertical], length


@INTEGRATIONS.register("3d")
def build_stack(spec: SystemSpec) -> Topology:
    """`tiers` stacked grids of `pe_rows x pe_cols` PEs on a 3D NoC (mesh3d or sfc3d)."""
    if spec.noc not in NOC3D:
        NOC_TOPOLOGIES.get(spec.noc)  # unknown names get the registry's own error
        raise ConfigError(
            f"design.noc.topology: '{spec.noc}' is a single-tier network; for integration 3d "
            f"choose a 3D NoC: {', '.join(sorted(NOC3D))}"
        )
    tiers, rows, cols = spec.tiers, spec.pe_rows, spec.pe_cols
    per_tier = rows * cols
    n = tiers * per_tier
    ids = np.arange(n).reshape(tiers, rows, cols)
    kind, length = vertical_link(spec)
    link_spec = StackLinkSpec(spec.pe_pitch_mm, ONCHIP, spec.onchip_cycles_per_mm,
                              vertical_kind=kind, vertical_length_mm=length,
                              vertical_cycles=VERTICAL_CYCLES)
    links = LinkList()
    wrap = NOC_TOPOLOGIES.get(spec.noc)(links, ids, link_spec)
    layout = NOC3D[spec.noc](ids)
    xy = np.tile(_grid_positions(rows, cols, spec.pe_pitch_mm), (tiers, 1))
    tier = np.repeat(np.arange(tiers), per_tier)
    return Topology(
        name=f"{spec.noc}-{tiers}x{rows}x{cols}-{spec.vertical}",
        node_xy_mm=xy,
        node_tier=tier,
        node_chiplet=tier.copy(),
        node_kind=np.full(n, PE, dtype=np.int64),
        node_coord=layout.coords,
        node_group=np.zeros(n, dtype=np.int64),
        group_dims=np.array([layout.dims]),
        group_wraps=np.array([wrap]),
        routing="dor",
        meta={"integration": "3d", "tiers": tiers, "vertical": spec.vertical,
              "chiplet_rows": tiers, "chiplet_cols": 1,
              "pe_rows": rows, "pe_cols": cols, "curve_order": layout.curve,
              "die_w_mm": cols * spec.pe_pitch_mm, "die_h_mm": rows * spec.pe_pitch_mm},
        **links.arrays(),
    )
