"""The component library: every hardware number of pimnoc's defaults, with its source.

Each component gives its area, power at the operating point its source quotes, energy per
action, latency, leakage and technology node. `PeTech`, `NetworkTech` and `DigitalTech`
take their defaults from here; nothing else holds a hardware constant.

Sources:
- ISAAC: Shafiee et al., ISCA 2016, Table 6 (32 nm): per IMA 8 ADCs (8 bit, 1.28 GS/s)
  16 mW / 9600 um^2, 8x128 1-bit DACs 4 mW / 170 um^2, 8x128 sample-and-holds 10 uW /
  40 um^2, 8 crossbars (128x128, 2 bits/cell) 2.4 mW / 200 um^2, 4 shift-and-adds 0.2 mW /
  240 um^2, a 2 KB input register 1.24 mW / 2100 um^2 and a 256 B output register
  0.23 mW / 770 um^2; per tile 12 IMAs, a 64 KB eDRAM 20.7 mW / 0.083 mm^2, its 384-wire bus
  7 mW / 0.090 mm^2, 2 activation units 0.52 mW / 600 um^2, a shift-and-add 0.05 mW /
  60 um^2, a max-pool unit 0.4 mW / 240 um^2, a 3 KB output register 1.68 mW / 3200 um^2,
  and a quarter of an 8-port, 32-bit-flit router (42 mW / 0.151 mm^2, shared by 4 tiles);
  tile totals 330 mW / 0.372 mm^2. The same figures, with the derivations of energies per
  action, are in the hwcomponents-library (Accelergy/CiMLoop) `isaac.py`, which models the
  router as `isaac_router_shared_by_four`.
- Simba: Shao et al., MICRO 2019 and Zimmer et al., VLSI 2019 (16 nm digital PE).
- Node scaling: Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS
  device performance from 180 nm to 7 nm", Integration 2017 (its fitted area factors and
  energy-versus-Vdd polynomials, as tabulated in the hwcomponents-library `scaling.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

ISAAC_RATE_GSPS = 1.28
"""ISAAC's ADC sampling rate; the crossbar read cycle is 128 columns / 1.28 GS/s = 100 ns."""

ISAAC_READ_CYCLE_S = 128 / (ISAAC_RATE_GSPS * 1e9)


@dataclass(frozen=True)
class Component:
    """One hardware component at its source's operating point."""

    name: str
    area_um2: float
    power_mw: float  # dynamic power at the source's operating point
    energy_pj: float  # per `action`
    action: str
    latency_ns: float
    leakage_mw: float
    node_nm: int
    source: str


def _isaac(name: str, area_um2: float, power_mw: float, energy_pj: float, action: str,
           latency_ns: float = 0.0, note: str = "") -> Component:
    return Component(name, area_um2, power_mw, energy_pj, action, latency_ns, 0.0, 32,
                     "ISAAC (ISCA 2016) Table 6" + (f"; {note}" if note else ""))


ADC = _isaac("adc", 9600 / 8, 16 / 8, 16e-3 / (8 * ISAAC_RATE_GSPS * 1e9) * 1e12,
             "conversion", 1 / ISAAC_RATE_GSPS,
             "8 ADCs per IMA: 16 mW / (8 x 1.28 GS/s) = 1.5625 pJ per conversion")
DAC = _isaac("dac", 170 / 1024, 4 / 1024, 4e-3 / 1024 * ISAAC_READ_CYCLE_S * 1e12,
             "conversion", ISAAC_READ_CYCLE_S * 1e9,
             "8x128 DACs per IMA: 4 mW / 1024 over one 100 ns read cycle = 0.39 pJ")
SAMPLE_HOLD = _isaac("sample_hold", 40 / 1024, 10e-3 / 1024, 0.0, "column",
                     note="8x128 per IMA: 10 uW, 40 um^2")
CROSSBAR = _isaac("crossbar", 200 / 8, 2.4 / 8, 2.4e-3 / 8 * ISAAC_READ_CYCLE_S * 1e12,
                  "read cycle", ISAAC_READ_CYCLE_S * 1e9, "8 per IMA: 2.4 mW, 200 um^2")
SHIFT_ADD = _isaac("shift_add", 240 / 4, 0.2 / 4,
                   0.2e-3 / (8 * ISAAC_RATE_GSPS * 1e9) * 1e12, "add",
                   note="4 per IMA, one add per ADC sample: 0.2 mW / (8 x 1.28 GS/s)")
IMA_INPUT_REGISTER = _isaac("ima_input_register", 2100, 1.24, 0.0, "", note="2 KB")
IMA_OUTPUT_REGISTER = _isaac("ima_output_register", 770, 0.23, 0.0, "", note="256 B")
EDRAM = _isaac(
    "edram", 83000, 20.7,
    # hwcomponents-library's derivation (power x time for the ADCs to drain a 16 KB input
    # buffer / 256-bit accesses, in and out of the IMA and the network), at 1.28 GS/s:
    # (20.7 mW / 12) x 1.6 us / 144 accesses = 19.2 pJ per 256 bits
    20.7e-3 / 12 * (16384 / (128 * 8 * ISAAC_RATE_GSPS * 1e7 * 100 / 128))
    / ((16384 + 2048) * 2 / 256) * 1e12 / 256, "bit",
    note="64 KB buffer; energy per bit from hwcomponents-library's derivation")
EDRAM_WIDTH_BITS = 256  # ISAAC's eDRAM port as modelled by hwcomponents-library (width 256)
EDRAM_CYCLE_NS = 1.0  # one access per 1 ns cycle (hwcomponents' global cycle; assumption)
EDRAM_BUS = _isaac("edram_bus", 90000, 7.0, 0.0, "", note="384 wires")
ACTIVATION = _isaac("activation", 600, 0.52, 0.0, "", note="2 units")
TILE_SHIFT_ADD = _isaac("tile_shift_add", 60, 0.05, 0.0, "")
MAX_POOL = _isaac("max_pool", 240, 0.4, 0.0, "")
TILE_OUTPUT_REGISTER = _isaac("tile_output_register", 3200, 1.68, 0.0, "", note="3 KB")
ISAAC_ROUTER = Component(
    "router", 151000, 42.0,
    # hwcomponents-library's derivation (router bandwidth = eDRAM bandwidth per tile) at
    # 1.28 GS/s: (42 mW / 4 / 12) x 1.6 us / 72 accesses = 19.4 pJ per 256 bits
    42e-3 / 4 / 12 * (16384 / (128 * 8 * ISAAC_RATE_GSPS * 1e7 * 100 / 128))
    / ((16384 + 2048) / 256) * 1e12 / 256, "bit", 0.0, 0.0, 32,
    "ISAAC (ISCA 2016) Table 6: 8 ports, 32-bit flits, shared by 4 tiles; energy per bit "
    "from hwcomponents-library's derivation")
ISAAC_ROUTER_PORTS = 8
ISAAC_TILES_PER_ROUTER = 4

IMAS_PER_TILE = 12
CROSSBARS_PER_IMA = 8
ADCS_PER_IMA = 8
SHIFT_ADDS_PER_IMA = 4

IMA_PARTS: tuple[tuple[Component, int], ...] = (
    (ADC, ADCS_PER_IMA), (DAC, 8 * 128), (SAMPLE_HOLD, 8 * 128), (CROSSBAR, CROSSBARS_PER_IMA),
    (SHIFT_ADD, SHIFT_ADDS_PER_IMA), (IMA_INPUT_REGISTER, 1), (IMA_OUTPUT_REGISTER, 1),
)
TILE_PARTS: tuple[tuple[Component, float], ...] = (
    (EDRAM, 1), (EDRAM_BUS, 1), (ACTIVATION, 1), (TILE_SHIFT_ADD, 1), (MAX_POOL, 1),
    (TILE_OUTPUT_REGISTER, 1), (ISAAC_ROUTER, 1 / ISAAC_TILES_PER_ROUTER),
)

# Per-crossbar share of an IMA's periphery that PeTech does not model one by one
# (sample-and-holds, shift-and-adds, input and output registers).
CROSSBAR_PERIPHERY_AREA_UM2 = sum(
    c.area_um2 * n for c, n in IMA_PARTS if c in (SAMPLE_HOLD, SHIFT_ADD, IMA_INPUT_REGISTER,
                                                   IMA_OUTPUT_REGISTER)) / CROSSBARS_PER_IMA
# The tile's periphery besides the eDRAM and the router: bus, activation, S+A, pool, OR.
TILE_PERIPHERY_AREA_MM2 = sum(c.area_um2 * n for c, n in TILE_PARTS
                              if c not in (EDRAM, ISAAC_ROUTER)) * 1e-6

# ReRAM cell (NeuroSim, Chen et al., IEEE TCAD 2018, as used by SIAM): resistances and read
RERAM_RON_OHM = 100e3
RERAM_ROFF_OHM = 10e6
RERAM_READ_V = 0.5  # NeuroSim default (hwcomponents)
RERAM_READ_PULSE_NS = 2.0  # NeuroSim default (hwcomponents)

# Links (energy per bit). Wires: SIAM's ITRS 32 nm techfile, 0.30 pF/mm (0.220 to ground +
# 2 x 0.041 coupling), 0.9 V, activity 0.5 -> 0.5 x 0.30 pF x 0.81 V^2 = 0.122 pJ/bit/mm.
WIRE_PJ_PER_BIT_MM = 0.5 * 0.30 * 0.9**2
# Vertical links: alpha C V^2 with alpha 0.5, 0.9 V and C from the CACTI-3DD TSV model
# (pim/tech.py VERTICAL_LINKS: 30.5 fF for a 50 um TSV, 0.36 fF for an MIV).
TSV_CAPACITANCE_FF = 30.5
MIV_CAPACITANCE_FF = 0.36
TSV_PJ_PER_BIT = 0.5 * TSV_CAPACITANCE_FF * 1e-3 * 0.9**2
MIV_PJ_PER_BIT = 0.5 * MIV_CAPACITANCE_FF * 1e-3 * 0.9**2
TSV_PITCH_UM = 30.0  # CACTI-3DD 32 nm, coarse (global) TSV, conservative (ITRS)
MIV_PITCH_UM = 0.2  # assumption: 100 nm MIV at 2x its diameter (local-via size)

# Static power: ISAAC gives none; pimnoc's per-PE and per-router leakage are assumptions.
PE_LEAKAGE_MW = 5.0  # assumption
ROUTER_LEAKAGE_MW = 1.0  # assumption

# Simba's digital PE (16 nm, MICRO 2019 / VLSI 2019): 0.11 pJ/op, 4.01 TOPS per 16 PEs at
# 1.29 TOPS/mm^2 -> 3.1 mm^2 / 16 = 0.19 mm^2 per PE.
SIMBA_PE = Component("digital_pe", 0.19e6, 0.0, 0.22, "mac", 1.0, 0.0, 16,
                     "Simba (Zimmer et al., VLSI 2019): 0.11 pJ/op, a MAC is 2 ops; "
                     "4.01 TOPS / 1.29 TOPS/mm^2 / 16 PEs")
SIMBA_OP_PJ = 0.11  # Simba's pJ/op for one element op (assumption: as one op of a MAC)

# Stillmaker & Baas (Integration 2017), as tabulated in the hwcomponents-library
# (`scaling.py`): area factors between nodes, and energy per node as a Vdd polynomial
# a Vdd^2 + b Vdd + c (general-purpose process fits).
SCALING_NODES_NM = (130, 90, 65, 45, 32, 20, 16, 14, 10, 7)
AREA_FACTOR = (  # AREA_FACTOR[from][to], nodes in SCALING_NODES_NM order
    (1, 0.44, 0.23, 0.16, 0.072, 0.033, 0.03, 0.027, 0.016, 0.0092),
    (2.3, 1, 0.53, 0.35, 0.16, 0.075, 0.067, 0.061, 0.036, 0.021),
    (4.3, 1.9, 1, 0.66, 0.31, 0.14, 0.13, 0.12, 0.068, 0.039),
    (6.4, 2.8, 1.5, 1, 0.46, 0.21, 0.19, 0.17, 0.1, 0.059),
    (14, 6.1, 3.3, 2.2, 1, 0.46, 0.41, 0.38, 0.22, 0.13),
    (30, 13, 7.1, 4.7, 2.2, 1, 0.89, 0.82, 0.48, 0.28),
    (34, 15, 7.9, 5.3, 2.4, 1.1, 1, 0.91, 0.54, 0.31),
    (37, 16, 8.7, 5.8, 2.7, 1.2, 1.1, 1, 0.59, 0.34),
    (63, 28, 15, 9.8, 4.5, 2.1, 1.9, 1.7, 1, 0.58),
    (110, 48, 25, 17, 7.8, 3.6, 3.2, 2.9, 1.7, 1),
)
ENERGY_POLY = (
    (7.171, -6.709, 2.904), (4.762, -4.781, 2.092), (3.755, -4.398, 1.975),
    (1.103, -0.362, 0.2767), (0.9559, -0.7823, 0.471), (0.373, -0.1582, 0.04104),
    (0.2958, -0.1241, 0.03024), (0.2363, -0.09675, 0.02239), (0.2068, -0.09311, 0.02375),
    (0.1776, -0.09097, 0.02447),
)
SCALING_VDD_V = 0.8  # supply at which energies are compared (hwcomponents' default; assumption)


def _node_index(node_nm: int) -> int:
    if node_nm not in SCALING_NODES_NM:
        raise ValueError(f"node {node_nm} nm is not one of {SCALING_NODES_NM}")
    return SCALING_NODES_NM.index(node_nm)


def _energy_at(node_nm: int, vdd: float = SCALING_VDD_V) -> float:
    a, b, c = ENERGY_POLY[_node_index(node_nm)]
    return a * vdd**2 + b * vdd + c


def scale_energy(energy: float, from_nm: int, to_nm: int) -> float:
    """Energy of a component moved between nodes (Stillmaker & Baas 2017)."""
    return energy * _energy_at(to_nm) / _energy_at(from_nm)


def scale_area(area: float, from_nm: int, to_nm: int) -> float:
    """Area of a component moved between nodes (Stillmaker & Baas 2017)."""
    return area * AREA_FACTOR[_node_index(from_nm)][_node_index(to_nm)]


RERAM_NODE_NM = 32  # the node of ISAAC's tile, pimnoc's ReRAM PE


def isaac_tile_breakdown() -> dict[str, tuple[float, float]]:
    """(area mm^2, power mW) of each part of one ISAAC tile, rebuilt from the components."""
    parts: dict[str, tuple[float, float]] = {}
    for component, n in IMA_PARTS:
        n_tile = n * IMAS_PER_TILE
        parts[f"ima.{component.name}"] = (component.area_um2 * n_tile * 1e-6,
                                          component.power_mw * n_tile)
    for component, n in TILE_PARTS:
        parts[component.name] = (component.area_um2 * n * 1e-6, component.power_mw * n)
    return parts


# --- MNSIM-2.0 defaults (`design.preset: mnsim`) -------------------------------------------
# Zhu et al., "MNSIM 2.0", IEEE TCAD 2023; thu-nics/MNSIM-2.0 at commit ca39ccb, its default
# SimConfig.ini (kept in tests/data/mnsim/) and the hardware models it selects. Each number
# names the file and line (or the SimConfig.ini key) it comes from; MNSIM computes every
# energy as a power times a latency, and so do these.
MNSIM_COMMIT = "ca39ccb672b631c752dce0fb919e1bec434d8dee"


def _mnsim(where: str) -> str:
    return f"MNSIM-2.0 {MNSIM_COMMIT[:7]} {where}"


MNSIM_CROSSBAR_ROWS = 256  # SimConfig.ini Xbar_Size = 256,256 (one subarray, Subarray_Size)
MNSIM_CROSSBAR_COLS = 256
MNSIM_POLARITY = 2  # Xbar_Polarity = 2: a positive and a negative crossbar per weight slice,
# subtracted in the analog domain (Sub_Position = 0), so one ADC serves the pair
MNSIM_GROUP_DACS = 128  # DAC_Num = 128 per subarray per group (pos/neg pair)
MNSIM_GROUP_ADCS = 128  # ADC_Num = 128 per subarray per group
MNSIM_PES_PER_TILE = 4  # PE_Num = 2,2; each PE is Group_Num = 1 group of a pos/neg pair
MNSIM_WEIGHT_BITS = 9  # Interface/network.py:796 (vgg8): weight_bit 9, of which the sign
MNSIM_ACT_BITS = 9  # is the polarity pair; activation_bit 9 (network.py:796, 802)
MNSIM_DIGITAL_PERIOD_NS = 1e3 / 500  # Digital_Frequency = 500 MHz (PE_latency.py:31)

# ADC_Choice = 6 ("ASPDAC2"): ADC.py:38 area, :59 precision, :76 power, :98 rate; a
# conversion takes (precision + 2) / rate (ADC.py:114) and costs power x that time (:122).
MNSIM_ADC_BITS = 6
MNSIM_ADC_RATE_GSPS = 1.0
MNSIM_ADC_NS = (MNSIM_ADC_BITS + 2) / MNSIM_ADC_RATE_GSPS
MNSIM_ADC = Component("adc", 1650.0, 1.26, 1.26e-3 * MNSIM_ADC_NS * 1e-9 * 1e12, "conversion",
                      MNSIM_ADC_NS, 0.0, 0,  # node: not given by the source
                      _mnsim("Hardware_Model/ADC.py:38,59,76,98,114,122 (ADC_Choice 6)"))
# DAC_Choice = 1: 1 bit (DAC.py:48), 0.166 um^2 (:34), 3.9 uW (:63), 1 GS/s (:78); a
# conversion takes (precision + 2) / rate = 3 ns (DAC.py:82).
MNSIM_DAC_RATE_GSPS = 1.0
MNSIM_DAC_NS = (1 + 2) / MNSIM_DAC_RATE_GSPS
MNSIM_DAC = Component("dac", 0.166, 3.9e-3, 3.9e-6 * MNSIM_DAC_NS * 1e-9 * 1e12, "conversion",
                      MNSIM_DAC_NS, 0.0, 0,
                      _mnsim("Hardware_Model/DAC.py:34,48,63,78,82 (DAC_Choice 1)"))
# ReRAM cell: Device_Resistance = 1e6, 1e4 (HRS, LRS), Read_Voltage = 0, 0.15 V,
# Read_Latency = 3.16 ns, Device_Area = 1.44 um^2. A crossbar read takes the device latency
# (Crossbar.py:185; its wire term is 1e-5 ns at 256x256, left out). The read power of a cell
# (Device.py:61-69) uses a conductance mixing 67 % HRS and 33 % LRS conductance and a voltage
# whose square is 10 % of the high read level's (90 % of inputs at 0 V).
MNSIM_CELL_HRS_OHM = 1e6
MNSIM_CELL_LRS_OHM = 1e4
MNSIM_READ_V = 0.15
MNSIM_READ_NS = 3.16
MNSIM_CELL_AREA_UM2 = 1.44
MNSIM_READ_HIGH_FRACTION = 0.1  # Device.py:67
MNSIM_LRS_WEIGHT = 0.33  # Device.py:61-62: R = R_hrs R_lrs / (0.67 R_lrs + 0.33 R_hrs)
# Crossbar area with Area_Calculation = 0: cells x device area + 1150 um^2 per row
# (Crossbar.py:146).
MNSIM_CROSSBAR_AREA_UM2 = (MNSIM_CROSSBAR_ROWS * MNSIM_CROSSBAR_COLS * MNSIM_CELL_AREA_UM2
                           + 1150 * MNSIM_CROSSBAR_ROWS)

# Buffers: Buffer_Choice = 1 (SRAM), Buffer_Technology = 90 nm, Buffer_Bitwidth = 64. On
# VGG-8 every PE input and tile output buffer is <= 2 KB, MNSIM's table entry 0 (Buffer.py:
# 37-40): leakage 1.006428 mW (:327), dynamic read 0.0075695 nJ (:385) and write 0.0131361 nJ
# (:407) per access, area 0.0405803 mm^2 (:359); every access takes 20 ns (:325, which
# overrides the table). A buffer's power while it is accessed is dynamic energy / 20 ns +
# leakage (:396-398, :419-421); as MNSIM charges power x access time, one 64-bit access costs
# that power x 20 ns.
MNSIM_BUFFER_WIDTH_BITS = 64
MNSIM_BUFFER_CYCLE_NS = 20.0
MNSIM_BUFFER_LEAKAGE_MW = 1.006428
MNSIM_BUFFER_READ_PJ = (0.0075695e3 / MNSIM_BUFFER_CYCLE_NS + MNSIM_BUFFER_LEAKAGE_MW) \
    * MNSIM_BUFFER_CYCLE_NS
MNSIM_BUFFER_WRITE_PJ = (0.0131361e3 / MNSIM_BUFFER_CYCLE_NS + MNSIM_BUFFER_LEAKAGE_MW) \
    * MNSIM_BUFFER_CYCLE_NS
MNSIM_BUFFER_AREA_MM2 = 0.0405803

# Digital parts, scaled by MNSIM as (tech / 65)^2 from their 65 nm entries:
MNSIM_SHIFTREG_W = 8.1e-7  # ShiftReg.py:54-56, ShiftReg_Tech = 65
MNSIM_REG_W = 18.8e-9 * (45 / 65) ** 2  # Reg.py:54, Reg_Tech = 45
MNSIM_JOINT_W = 2.64e-4 * (45 / 65) ** 2  # JointModule.py:36 (8 bit), JointModule_Tech = 45
MNSIM_MUX_W = 8 * 10 * 1.2e-9  # PE.py:493-494 (2-to-1: 8 transistors of 12 nW)
MNSIM_DECODER_NS = 0.27933  # PE_latency.py:47, per 1:8 decoder level
MNSIM_MUX_NS = 32.744e-3  # PE_latency.py:59, per 8:1 multiplexer level
# Pooling: Pooling_unit_num = 64, Pooling_shape = 3,3, Pooling_Tech = 65: 3.082 mW per tile
# (Pooling.py:55) and 100 ns per 64 channels per 9-value window (Pooling.py:75).
MNSIM_POOL_W = 3.082e-3
MNSIM_POOL_NS = 100.0
MNSIM_POOL_UNITS = 64
MNSIM_POOL_WINDOW = 9
