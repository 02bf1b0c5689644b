"""Technology parameters of the PE, router and links; every default names its source.

The component figures themselves live in `pimnoc.hardware.components` (ISAAC's tile, the
router, wires and vias) and `pimnoc.hardware.interfaces` (die-to-die links); the defaults
here read them from there. Sources (see ../shared/reference/README.md):
- ISAAC: Shafiee et al., ISCA 2016 (tile/IMA structure, ADC, crossbar, eDRAM, router).
- hwcomponents-library: the energies per action derived from ISAAC's powers.
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
switch far within one network cycle. `pimnoc.hardware.stack3d.via_capacitance_f`
recomputes these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from pimnoc.hardware import components as C
from pimnoc.hardware.interfaces import DEFAULT_INTERFACE, INTERFACES

_D2D = INTERFACES[DEFAULT_INTERFACE]


@dataclass(frozen=True)
class PeTech:
    """One ReRAM processing element (an ISAAC-style tile) and its crossbars."""

    crossbars: int = C.IMAS_PER_TILE * C.CROSSBARS_PER_IMA  # ISAAC: 12 IMAs x 8 crossbars
    crossbar_rows: int = 128  # ISAAC
    crossbar_cols: int = 128  # ISAAC
    bits_per_cell: int = 2  # ISAAC; CHIPSIM standard ReRAM chiplet
    weight_bits: int = 8  # CHIPSIM standard ReRAM chiplet
    input_bits: int = 8  # CHIPSIM standard ReRAM chiplet
    act_bits: int = 8  # activations sent between layers: same as input_bits (CHIPSIM)
    psum_bits: int = 16  # partial sums sent for reduction (assumption)
    dac_bits: int = 1  # ISAAC: 1-bit DACs, bit-serial inputs
    adc_bits: int = 8  # ISAAC
    # ISAAC: 8 ADCs per IMA of 8 crossbars
    adcs_per_crossbar: int = C.ADCS_PER_IMA // C.CROSSBARS_PER_IMA
    # every number below comes from hardware/components.py, where its source is given
    adc_rate_gsps: float = C.ISAAC_RATE_GSPS
    adc_energy_pj: float = C.ADC.energy_pj
    adc_area_um2: float = C.ADC.area_um2
    dac_energy_pj: float = C.DAC.energy_pj
    dac_area_um2: float = C.DAC.area_um2
    crossbar_area_um2: float = C.CROSSBAR.area_um2
    crossbar_periphery_area_um2: float = C.CROSSBAR_PERIPHERY_AREA_UM2  # S+H, S+A, IR, OR
    cell_ron_ohm: float = C.RERAM_RON_OHM
    cell_roff_ohm: float = C.RERAM_ROFF_OHM
    # device variation read by the accuracy estimate (analysis/accuracy.py, ConductanceNoise):
    cell_program_sigma: float = 0.02  # write-verify residual, relative (assumption)
    cell_tc_sigma_per_k: float = 1.5e-3  # spread of per-cell dG/G per K (assumption; Xu
    # et al., J. Phys. D 2022 model form, magnitude calibrated in analysis/accuracy.py)
    read_voltage_v: float = C.RERAM_READ_V
    read_pulse_ns: float = C.RERAM_READ_PULSE_NS
    input_density: float = 0.5  # fraction of input bits that are 1 (assumption)
    shift_add_energy_pj: float = C.SHIFT_ADD.energy_pj
    buffer_energy_pj_per_bit: float = C.EDRAM.energy_pj
    buffer_area_mm2: float = C.EDRAM.area_um2 * 1e-6
    buffer_width_bits: int = C.EDRAM_WIDTH_BITS  # bits per buffer access
    buffer_cycle_ns: float = C.EDRAM_CYCLE_NS  # time of one buffer access
    tile_other_area_mm2: float = C.TILE_PERIPHERY_AREA_MM2  # bus, activation, S+A, pool, OR
    digital_ops_per_cycle: int = 16  # pool/add/concat unit width per PE (assumption)
    digital_energy_pj_per_op: float = C.SHIFT_ADD.energy_pj  # as a S+A add (assumption)
    leakage_mw: float = C.PE_LEAKAGE_MW
    # whose conventions the compute model follows: isaac (pipelined, per conversion) or
    # mnsim (MNSIM-2.0's serialised per-position model, engines/compute/mnsim.py); set by
    # design.preset, not a design.pe key
    conventions: str = "isaac"

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
    def buffer_bps(self) -> float:
        """Bits per second one PE's buffer reads or writes."""
        return self.buffer_width_bits / (self.buffer_cycle_ns * 1e-9)

    @property
    def cell_read_energy_j(self) -> float:
        """Energy of reading one cell once, at the mean of on and off conductance."""
        mean_conductance = 0.5 * (1 / self.cell_ron_ohm + 1 / self.cell_roff_ohm)
        return self.read_voltage_v**2 * mean_conductance * self.read_pulse_ns * 1e-9

    @property
    def converters_per_crossbar(self) -> tuple[float, float]:
        """(DACs, ADCs) per crossbar: a DAC per row (ISAAC); under MNSIM's conventions a
        positive/negative crossbar pair shares its DACs and ADCs."""
        if self.conventions == "mnsim":
            return (C.MNSIM_GROUP_DACS / C.MNSIM_POLARITY,
                    self.adcs_per_crossbar / C.MNSIM_POLARITY)
        return float(self.crossbar_rows), float(self.adcs_per_crossbar)

    @property
    def area_mm2(self) -> float:
        """Area of one PE without its router."""
        dacs, adcs = self.converters_per_crossbar
        per_crossbar_um2 = (self.crossbar_area_um2 + adcs * self.adc_area_um2
                            + dacs * self.dac_area_um2 + self.crossbar_periphery_area_um2)
        return (self.crossbars * per_crossbar_um2 * 1e-6 + self.buffer_area_mm2
                + self.tile_other_area_mm2)


@dataclass(frozen=True)
class NetworkTech:
    """Routers and links."""

    freq_ghz: float = 1.0  # network clock (assumption)
    flit_bits: int = 32  # link width: SIAM GRS NoP links have 32 lanes
    router_stages: int = 4  # BookSim2 default: routing, VC alloc, SW alloc, ST, 1 cycle each
    router_delay_ports: int = 5  # ports of the router `router_stages` describes (BookSim mesh)
    packet_flits: int = 4  # flits per packet (BookSim2 examples and pimnoc's flit simulator)
    router_energy_pj_per_bit: float = C.ISAAC_ROUTER.energy_pj
    router_reference_ports: int = C.ISAAC_ROUTER_PORTS  # ISAAC's router: 8 ports
    # Peh & Dally, HPCA 2001: VC and switch allocation delays grow with the log of the port
    # count; these 2 stages scale by log2(ports)/log2(router_delay_ports) (form: assumption)
    router_alloc_stages: int = 2
    multicast: bool = False  # routers replicate packets: one copy per link (ReGraphX-style)
    # ISAAC's 8-port router (shared by 4 tiles there; pimnoc gives each PE its own router,
    # its area and energy scaled by port count from this reference)
    router_area_mm2: float = C.ISAAC_ROUTER.area_um2 * 1e-6
    router_leakage_mw: float = C.ROUTER_LEAKAGE_MW
    onchip_wire_pj_per_bit_mm: float = C.WIRE_PJ_PER_BIT_MM
    # die-to-die links (micro-bump and interposer): one module of design.noi.interface
    interposer_pj_per_bit: float = _D2D.energy_pj_per_bit  # per link traversal (interfaces.py)
    chiplet_link_gbps: float = _D2D.bandwidth_bps / 1e9  # one module's rate (interfaces.py)
    d2d_latency_ns: float = _D2D.latency_ns  # one module's PHY latency (interfaces.py)
    interposer_wire_pj_per_bit_mm: float = C.WIRE_PJ_PER_BIT_MM  # same wires (assumption)
    ubump_pj_per_bit: float = 0.0  # chiplet-to-interposer hop: counted in the link PHY above
    # Vertical links (see VERTICAL_LINKS below): alpha * C * V^2 per bit, alpha = 0.5 and
    # V = 0.9 V as the on-chip wire above; C from the CACTI-3DD TSV model.
    tsv_pj_per_bit: float = C.TSV_PJ_PER_BIT  # CACTI-3DD: C = 30.5 fF (coarse TSV, 50 um)
    miv_pj_per_bit: float = C.MIV_PJ_PER_BIT  # same model, MIV geometry: C = 0.36 fF
    tsv_pitch_um: float = C.TSV_PITCH_UM
    miv_pitch_um: float = C.MIV_PITCH_UM
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


@dataclass(frozen=True)
class MnsimTech:
    """MNSIM-2.0's parameters that `PeTech` has no field for (sources: components.py)."""

    polarity: int = C.MNSIM_POLARITY  # crossbars per weight slice (positive, negative)
    group_dacs: int = C.MNSIM_GROUP_DACS  # DACs per pos/neg pair (ADCs: adcs_per_crossbar)
    pes_per_tile: int = C.MNSIM_PES_PER_TILE  # pos/neg pairs per tile (a pimnoc PE)
    dac_rate_gsps: float = C.MNSIM_DAC_RATE_GSPS
    digital_period_ns: float = C.MNSIM_DIGITAL_PERIOD_NS
    lrs_weight: float = C.MNSIM_LRS_WEIGHT  # share of LRS conductance in a cell's read power
    buffer_write_pj: float = C.MNSIM_BUFFER_WRITE_PJ  # per buffer_width_bits access
    reg_w: float = C.MNSIM_REG_W
    joint_w: float = C.MNSIM_JOINT_W
    mux_w: float = C.MNSIM_MUX_W
    decoder_ns: float = C.MNSIM_DECODER_NS
    mux_ns: float = C.MNSIM_MUX_NS
    pool_w: float = C.MNSIM_POOL_W
    pool_ns: float = C.MNSIM_POOL_NS
    pool_units: int = C.MNSIM_POOL_UNITS
    pool_window: int = C.MNSIM_POOL_WINDOW


PE_PRESETS: dict[str, dict[str, Any]] = {
    "isaac": {},
    "mnsim": {
        "conventions": "mnsim",
        # a pimnoc PE is one MNSIM tile: 4 PEs of a positive and a negative crossbar
        "crossbars": C.MNSIM_PES_PER_TILE * C.MNSIM_POLARITY,
        "crossbar_rows": C.MNSIM_CROSSBAR_ROWS,
        "crossbar_cols": C.MNSIM_CROSSBAR_COLS,
        "bits_per_cell": 1,  # Device_Level = 2: one weight bit per cell
        "weight_bits": C.MNSIM_WEIGHT_BITS,  # sign included (the pos/neg pair holds it)
        "input_bits": C.MNSIM_ACT_BITS,
        "act_bits": C.MNSIM_ACT_BITS,
        "dac_bits": 1,  # DAC_Choice = 1 (DAC.py:48)
        "adc_bits": C.MNSIM_ADC_BITS,
        "adcs_per_crossbar": C.MNSIM_GROUP_ADCS,  # per pos/neg pair (MNSIM's group)
        "adc_rate_gsps": C.MNSIM_ADC_RATE_GSPS,
        "adc_energy_pj": C.MNSIM_ADC.energy_pj,
        "adc_area_um2": C.MNSIM_ADC.area_um2,
        "dac_energy_pj": C.MNSIM_DAC.energy_pj,
        "dac_area_um2": C.MNSIM_DAC.area_um2,
        "crossbar_area_um2": C.MNSIM_CROSSBAR_AREA_UM2,
        "crossbar_periphery_area_um2": 0.0,  # assumption: MNSIM's PE digital parts left out
        "cell_ron_ohm": C.MNSIM_CELL_LRS_OHM,
        "cell_roff_ohm": C.MNSIM_CELL_HRS_OHM,
        "read_voltage_v": C.MNSIM_READ_V,
        "read_pulse_ns": C.MNSIM_READ_NS,
        "input_density": C.MNSIM_READ_HIGH_FRACTION,  # MNSIM: 10 % of inputs at the high level
        "shift_add_energy_pj": C.MNSIM_SHIFTREG_W * C.MNSIM_DIGITAL_PERIOD_NS * 1e3,
        "buffer_energy_pj_per_bit": C.MNSIM_BUFFER_READ_PJ / C.MNSIM_BUFFER_WIDTH_BITS,
        # 4 PE input buffers and 1 tile output buffer
        "buffer_area_mm2": (C.MNSIM_PES_PER_TILE + 1) * C.MNSIM_BUFFER_AREA_MM2,
        "buffer_width_bits": C.MNSIM_BUFFER_WIDTH_BITS,
        "buffer_cycle_ns": C.MNSIM_BUFFER_CYCLE_NS,
        "tile_other_area_mm2": 0.0,  # assumption: pooling and joint modules left out
        "leakage_mw": 0.0,  # MNSIM charges power only while a part works (Model_energy.py:92)
    },
}
"""`design.preset`: PeTech fields each preset sets (isaac: the defaults above)."""
DEFAULT_PRESET = "isaac"


def pe_preset_tech(name: str, overrides: dict[str, Any] | None = None) -> PeTech:
    """The PE technology of preset `name` with `overrides` (design.pe keys) on top."""
    return PeTech(**{**PE_PRESETS[name], **(overrides or {})})


def tech_fields(cls: type) -> list[str]:
    """Names of a tech dataclass's parameters (for config validation)."""
    return [f.name for f in fields(cls)]
