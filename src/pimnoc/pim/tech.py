"""Technology parameters of the PE, router and links; every default names its source.

Sources (see ../shared/reference/README.md):
- ISAAC: Shafiee et al., ISCA 2016 (tile/IMA structure, ADC, crossbar, eDRAM, router).
- hwcomponents-library: ISAAC component energies as packaged for Accelergy (ADC 1.67 pJ,
  DAC 0.417 pJ, router 20.74 pJ per 256 bits).
- NeuroSim: Chen et al., IEEE TCAD 2018 (ReRAM cell resistances, read voltage and pulse).
- SIAM: Krishnan et al., IEEE TVLSI 2021 (ITRS 32 nm wire parasitics, GRS NoP links).
- GEMINI: Cai et al., HPCA 2024 (UCIe chiplet link energies).
- RapidChiplet: Iff et al., 2023 (interposer link latency per unit length).
- BookSim2: Jiang et al., ISPASS 2013 (router pipeline stages, one cycle each by default).
- CHIPSIM: standard ReRAM chiplet (8-bit weights and inputs, 2 bits per cell).
- CACTI-3DD: Chen, Chen, Jouppi, Xie et al., DATE 2012, as in HP CACTI 7
  (`basic_circuit.cc` tsv_capacitance, `tech_params/32nm.dat`): TSV capacitance = liner
  and depletion capacitors in series plus lateral and diagonal coupling to neighbours.
Values marked "assumption" are pimnoc's own choices, not taken from a source.

VERTICAL_LINKS: a TSV of the 32 nm "coarse, conservative" CACTI-3DD geometry (3.8 um
diameter, 30 um pitch, 0.5 um liner of k = 2.214, 0.6 um depletion) but 50 um long, the
thinned die of pimnoc's TSV thermal stack, gives C = 30.5 fF; a monolithic inter-tier via
(MIV) through pimnoc's monolithic stack (100 nm ILD + 100 nm silicon film, so 0.2 um
long), 0.1 um across with a 10 nm liner and 0.2 um pitch (assumption: a local-via-sized
MIV, as in Lee, Morrow and Lim, ICCAD 2012), gives C = 0.36 fF, two orders less. Both
switch far within one network cycle. `pimnoc.network.stack3d.via_capacitance_f`
recomputes these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from pimnoc.hardware.interfaces import DEFAULT_INTERFACE, INTERFACES

_D2D = INTERFACES[DEFAULT_INTERFACE]


@dataclass(frozen=True)
class PeTech:
    """One ReRAM processing element (an ISAAC-style tile) and its crossbars."""

    crossbars: int = 96  # ISAAC: 12 IMAs x 8 crossbars per tile
    crossbar_rows: int = 128  # ISAAC
    crossbar_cols: int = 128  # ISAAC
    bits_per_cell: int = 2  # ISAAC; CHIPSIM standard ReRAM chiplet
    weight_bits: int = 8  # CHIPSIM standard ReRAM chiplet
    input_bits: int = 8  # CHIPSIM standard ReRAM chiplet
    act_bits: int = 8  # activations sent between layers: same as input_bits (CHIPSIM)
    psum_bits: int = 16  # partial sums sent for reduction (assumption)
    dac_bits: int = 1  # ISAAC: 1-bit DACs, bit-serial inputs
    adc_bits: int = 8  # ISAAC
    adcs_per_crossbar: int = 1  # ISAAC: 8 ADCs per IMA of 8 crossbars
    adc_rate_gsps: float = 1.28  # ISAAC: 1.28 GSa/s ADC
    adc_energy_pj: float = 1.67  # ISAAC via hwcomponents-library, 8-bit conversion
    adc_area_um2: float = 1200.0  # ISAAC (32 nm)
    dac_energy_pj: float = 0.417  # ISAAC via hwcomponents-library
    dac_area_um2: float = 0.166  # ISAAC: 1024 DACs in 170 um^2 per IMA
    crossbar_area_um2: float = 25.0  # ISAAC: 8 crossbars in 200 um^2 per IMA
    cell_ron_ohm: float = 100e3  # NeuroSim / SIAM
    cell_roff_ohm: float = 10e6  # NeuroSim / SIAM
    read_voltage_v: float = 0.5  # NeuroSim default (hwcomponents)
    read_pulse_ns: float = 2.0  # NeuroSim default (hwcomponents)
    input_density: float = 0.5  # fraction of input bits that are 1 (assumption)
    shift_add_energy_pj: float = 0.04  # ISAAC S+A: 0.05 mW at 1.28 GHz per unit
    buffer_energy_pj_per_bit: float = 0.067  # ISAAC eDRAM 64 KB: 20.7 mW / (256 b x 1.2 GHz)
    buffer_area_mm2: float = 0.083  # ISAAC eDRAM buffer per tile
    tile_other_area_mm2: float = 0.1  # rest of a tile (bus, S+A, pooling): assumption
    digital_ops_per_cycle: int = 16  # pool/add/concat unit width per PE (assumption)
    digital_energy_pj_per_op: float = 0.04  # as ISAAC's S+A unit (assumption)
    leakage_mw: float = 5.0  # per PE static power (assumption)

    @property
    def cells_per_weight(self) -> int:
        """Crossbar columns one weight occupies (bit slicing)."""
        return math.ceil(self.weight_bits / self.bits_per_cell)

    @property
    def input_cycles(self) -> int:
        """Crossbar read cycles per MVM (bit-serial inputs through `dac_bits`-bit DACs)."""
        return math.ceil(self.input_bits / self.dac_bits)

    @property
    def read_cycle_s(self) -> float:
        """Time of one crossbar read cycle: all columns digitised by the shared ADCs."""
        adc_time = self.crossbar_cols / self.adcs_per_crossbar / (self.adc_rate_gsps * 1e9)
        return max(adc_time, self.read_pulse_ns * 1e-9)

    @property
    def mvm_s(self) -> float:
        """Time of one full-precision MVM on a crossbar."""
        return self.input_cycles * self.read_cycle_s

    @property
    def cell_read_energy_j(self) -> float:
        """Energy of reading one cell once, at the mean of on and off conductance."""
        mean_conductance = 0.5 * (1 / self.cell_ron_ohm + 1 / self.cell_roff_ohm)
        return self.read_voltage_v**2 * mean_conductance * self.read_pulse_ns * 1e-9

    @property
    def area_mm2(self) -> float:
        """Area of one PE without its router."""
        per_crossbar_um2 = (self.crossbar_area_um2 + self.adcs_per_crossbar * self.adc_area_um2
                            + self.crossbar_rows * self.dac_area_um2)
        return (self.crossbars * per_crossbar_um2 * 1e-6 + self.buffer_area_mm2
                + self.tile_other_area_mm2)


@dataclass(frozen=True)
class NetworkTech:
    """Routers and links."""

    freq_ghz: float = 1.0  # network clock (assumption)
    flit_bits: int = 32  # link width: SIAM GRS NoP links have 32 lanes
    router_stages: int = 4  # BookSim2 default: routing, VC alloc, SW alloc, ST, 1 cycle each
    packet_flits: int = 4  # flits per packet (BookSim2 examples and pimnoc's cycle engine)
    router_energy_pj_per_bit: float = 0.081  # ISAAC via hwcomponents: 20.74 pJ / 256 bits
    router_reference_ports: int = 5  # ports of the router the energy/area above refers to
    # Peh & Dally, HPCA 2001: VC and switch allocation delays grow with the log of the port
    # count; these 2 stages scale by log2(ports)/log2(reference ports) (the form: assumption)
    router_alloc_stages: int = 2
    multicast: bool = False  # routers replicate packets: one copy per link (ReGraphX-style)
    router_area_mm2: float = 0.151  # ISAAC router (shared by 4 tiles there; one per PE here)
    router_leakage_mw: float = 1.0  # per router static power (assumption)
    onchip_wire_pj_per_bit_mm: float = 0.122  # SIAM ITRS 32 nm: 0.30 pF/mm, 0.9 V, activity 0.5
    # die-to-die links (micro-bump and interposer): one module of design.noi.interface
    interposer_pj_per_bit: float = _D2D.energy_pj_per_bit  # per link traversal (interfaces.py)
    chiplet_link_gbps: float = _D2D.bandwidth_bps / 1e9  # one module's rate (interfaces.py)
    d2d_latency_ns: float = _D2D.latency_ns  # one module's PHY latency (interfaces.py)
    interposer_wire_pj_per_bit_mm: float = 0.122  # same wire model on the interposer (assumption)
    ubump_pj_per_bit: float = 0.0  # chiplet-to-interposer hop: counted in the link PHY above
    # Vertical links (see VERTICAL_LINKS below): alpha * C * V^2 per bit, alpha = 0.5 and
    # V = 0.9 V as the on-chip wire above; C from the CACTI-3DD TSV model.
    tsv_pj_per_bit: float = 0.0124  # CACTI-3DD: C = 30.5 fF (coarse TSV, 50 um long)
    miv_pj_per_bit: float = 0.00015  # same model, MIV geometry: C = 0.36 fF
    tsv_pitch_um: float = 30.0  # CACTI-3DD 32 nm, coarse (global) TSV, conservative (ITRS)
    miv_pitch_um: float = 0.2  # assumption: 100 nm MIV at 2x its diameter (local-via size)
    interposer_cycles_per_mm: float = 0.25  # RapidChiplet: 0.25 cycles per unit length (1 mm)
    onchip_cycles_per_mm: float = 0.0  # on-chip hops take the 1-cycle minimum (BookSim)
    chiplet_gap_mm: float = 0.5  # spacing between chiplets on the interposer (assumption)

    @property
    def link_bandwidth_bps(self) -> float:
        """Bits per second one link carries."""
        return self.flit_bits * self.freq_ghz * 1e9

    @property
    def chiplet_link_bps(self) -> float:
        """Bits per second one die-to-die link (micro-bump or interposer) carries."""
        return self.chiplet_link_gbps * 1e9

    @property
    def d2d_latency_cycles(self) -> int:
        """Network cycles the die-to-die PHY adds to an interposer link (rounded up)."""
        return math.ceil(self.d2d_latency_ns * self.freq_ghz - 1e-9)

    @property
    def cycle_s(self) -> float:
        """One network clock cycle in seconds."""
        return 1.0 / (self.freq_ghz * 1e9)


def tech_fields(cls: type) -> list[str]:
    """Names of a tech dataclass's parameters (for config validation)."""
    return [f.name for f in fields(cls)]
