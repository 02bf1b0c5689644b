"""Per-layer time and energy under MNSIM-2.0's conventions (`design.preset: mnsim`).

MNSIM-2.0 (thu-nics/MNSIM-2.0, commit ca39ccb) differs from pimnoc's ISAAC model in how it
counts, not only in its constants:

- A layer processes its output positions one after another; per position each crossbar
  steps through input bits x row groups (rows / DACs) x column groups (columns / ADCs), and
  every step is a DAC conversion, a crossbar read and an ADC conversion in series.
- Buffers sit in the path: per position the PE input buffer is written with the new input
  pixels and read for the crossbar rows, the tile output buffer written and read, each
  64-bit access taking 20 ns; buffer, compute and digital latencies add up.
- Energy is power x time: every part of every tile of the layer draws its power for the
  layer's summed time of that part, each tile counted as full as the layer's fullest one,
  the ADC count as the used columns over the columns per ADC.
- Max-pooling runs on the tile's pooling unit with the same buffer traffic.

Each rule is restated here in pimnoc's terms from reading MNSIM's latency, power and energy
models (Latency_Model/, Power_Model/, Energy_Model/); the numbers are in
hardware/components.py with their file and line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimnoc.hardware.tech import MnsimTech, PeTech
from pimnoc.mapping.partition import LayerTiles, mnsim_rows_per_crossbar
from pimnoc.workload.ir import Layer

MNSIM = MnsimTech()


@dataclass(frozen=True)
class MnsimLayer:
    """One layer's summed latencies (s) by part and its energy (J) by part, per inference."""

    time_s: dict[str, float]
    energy_j: dict[str, float]

    @property
    def total_s(self) -> float:
        """The layer's time: MNSIM adds buffer, compute and digital latencies."""
        return sum(self.time_s.values())


def _tree_levels(fan: int) -> int:
    """Levels MNSIM charges a 1:fan decoder or fan:1 multiplexer built of 1:8 stages."""
    levels = 1
    while fan > 0:
        fan //= 8
        levels += 1
    return levels


def _words(values: float, bits: int, width_bits: int) -> int:
    """Buffer accesses to move `values` values of `bits` bits through a `width_bits` port."""
    return math.ceil(values * bits / width_bits - 1e-9)


def _window_counts(layer: Layer) -> tuple[int, int, int, int]:
    """Output positions by how much new input they need: the first one, the rest of the
    first row, the first of each later row, and all others."""
    rows, cols = layer.out_hw
    return 1, cols - 1, rows - 1, (rows - 1) * (cols - 1)


def _conv_buffer_words(layer: Layer, pe: PeTech, max_row: int) -> tuple[float, float]:
    """Input-buffer (write, read) accesses of one crossbar over all positions.

    Inputs arrive kernel column by kernel column: the first position loads the
    (kernel - padding)^2 window, the rest of the first row a stride x kernel strip, the
    first of a later row a stride x (kernel - padding) strip, all others stride^2 pixels;
    the first position of every row reads the crossbar's full rows, the others a
    stride x kernel strip.
    """
    width, bits = pe.buffer_width_bits, pe.input_bits
    if layer.op != "conv":
        words = _words(max_row, bits, width)
        return float(words * layer.positions), float(words * layer.positions)
    k, s, p = layer.kernel[0], layer.stride[0], layer.padding[0]
    channels = max_row / (layer.kernel[0] * layer.kernel[1])
    edge = max(k - p, 0)
    first, first_row, first_col, inner = _window_counts(layer)
    write = (first * _words(channels * edge * edge, bits, width)
             + first_row * _words(channels * s * k, bits, width)
             + first_col * _words(channels * s * edge, bits, width)
             + inner * _words(channels * s * s, bits, width))
    row_starts = layer.out_hw[0]
    read = (row_starts * _words(max_row, bits, width)
            + (layer.positions - row_starts) * _words(s * k * channels, bits, width))
    return float(write), float(read)


def weighted_layer(layer: Layer, tiles: LayerTiles, pe: PeTech) -> MnsimLayer:
    """A conv or linear layer on its crossbars, one copy, all positions in series."""
    ns = 1e-9
    period = MNSIM.digital_period_ns
    pairs = tiles.crossbars // MNSIM.polarity  # MNSIM's PEs: pos/neg crossbar pairs
    tiles_used = math.ceil(pairs / MNSIM.pes_per_tile)
    pairs_per_tile = min(pairs, MNSIM.pes_per_tile)
    charged_pairs = tiles_used * pairs_per_tile  # every tile as full as the fullest
    max_row = min(mnsim_rows_per_crossbar(layer, pe), tiles.rows)
    max_col = min(layer.cout, pe.crossbar_cols)
    row_groups = math.ceil(max_row / MNSIM.group_dacs)
    col_groups = math.ceil(max_col / pe.adcs_per_crossbar)
    steps = math.ceil(pe.input_bits / pe.dac_bits) * row_groups * col_groups
    rows_per_dac = math.ceil(pe.crossbar_rows / MNSIM.group_dacs)
    cols_per_adc = math.ceil(pe.crossbar_cols / pe.adcs_per_crossbar)
    active_dacs = math.ceil(max_row / rows_per_dac)
    active_adcs = math.ceil(max_col / cols_per_adc)
    merge_levels = math.ceil(math.log2(pairs_per_tile)) if pairs_per_tile > 1 else 0
    positions = layer.positions
    all_steps = positions * steps

    dac_ns = (pe.dac_bits + 2) / MNSIM.dac_rate_gsps
    adc_ns = (pe.adc_bits + 2) / pe.adc_rate_gsps
    cell_ns = pe.read_pulse_ns
    time_ns = {
        "dac": all_steps * dac_ns, "crossbar": all_steps * cell_ns, "adc": all_steps * adc_ns,
        "input_register": positions * (row_groups * col_groups + steps) * period,
        "shift_register": all_steps * period,
        "input_demux": all_steps * _tree_levels(rows_per_dac) * MNSIM.decoder_ns,
        "output_mux": all_steps * _tree_levels(cols_per_adc) * MNSIM.mux_ns,
        "output_register": positions * col_groups * period,
        "joint": positions * merge_levels * period,
    }
    in_write, in_read = _conv_buffer_words(layer, pe, max_row)
    width = pe.buffer_width_bits
    out_write = positions * _words((pe.adc_bits + merge_levels) * max_col * pairs_per_tile, 1,
                                   width)
    out_read = positions * _words(pe.act_bits * max_col * pairs_per_tile, 1, width)
    read_words, write_words = in_read + out_read, in_write + out_write
    time_ns["buffer_read"] = read_words * pe.buffer_cycle_ns
    time_ns["buffer_write"] = write_words * pe.buffer_cycle_ns

    # power of every tile's parts x their summed time
    cell_w = (pe.input_density * pe.read_voltage_v**2
              * (MNSIM.lrs_weight / pe.cell_ron_ohm + (1 - MNSIM.lrs_weight) / pe.cell_roff_ohm))
    crossbar_w = (MNSIM.polarity * max_row * max_col * cell_w / (rows_per_dac * cols_per_adc))
    dac_w = pe.dac_energy_pj * 1e-12 / (dac_ns * ns)
    adc_w = pe.adc_energy_pj * 1e-12 / (adc_ns * ns)
    shift_w = pe.shift_add_energy_pj * 1e-12 / (period * ns)
    buffers = tiles_used * (pairs_per_tile + 1)  # PE input buffers and the tile output buffer
    energy_j = {
        "adc": charged_pairs * active_adcs * adc_w * time_ns["adc"] * ns,
        "dac": charged_pairs * active_dacs * dac_w * time_ns["dac"] * ns,
        "cells": charged_pairs * crossbar_w * time_ns["crossbar"] * ns,
        "shift_add": (charged_pairs * active_adcs * shift_w * time_ns["shift_register"]
                      + tiles_used * max(pairs_per_tile - 1, 0) * active_adcs * MNSIM.joint_w
                      * time_ns["joint"]) * ns,
        "buffer": buffers * (read_words * pe.buffer_energy_pj_per_bit * width
                             + write_words * MNSIM.buffer_write_pj) * 1e-12,
        "digital": charged_pairs * (
            active_dacs * (MNSIM.reg_w * time_ns["input_register"]
                           + MNSIM.mux_w * time_ns["input_demux"])
            + active_adcs * (MNSIM.reg_w * time_ns["output_register"]
                             + MNSIM.mux_w * time_ns["output_mux"])) * ns,
    }
    parts_s = {
        "compute": (time_ns["dac"] + time_ns["crossbar"] + time_ns["adc"]) * ns,
        "digital": sum(time_ns[k] for k in ("input_register", "shift_register", "input_demux",
                                              "output_mux", "output_register", "joint")) * ns,
        "buffer": (time_ns["buffer_read"] + time_ns["buffer_write"]) * ns,
    }
    return MnsimLayer(parts_s, energy_j)


def pool_layer(layer: Layer, pe: PeTech) -> MnsimLayer:
    """A max-pool on one tile's pooling unit, its windows in series through the buffers."""
    ns = 1e-9
    width, bits = pe.buffer_width_bits, pe.act_bits
    k, s, p = layer.kernel[0], layer.stride[0], layer.padding[0]
    channels = layer.cin
    edge = max(k - p, 0)
    first, first_row, first_col, inner = _window_counts(layer)
    in_write = (first * _words(channels * edge * edge, bits, width)
                + first_col * _words(channels * s * edge, bits, width)
                + (first_row + inner) * _words(channels * s * s, bits, width))
    row_starts = layer.out_hw[0]
    in_read = (row_starts * _words(channels * k * layer.kernel[1], bits, width)
               + (layer.positions - row_starts) * _words(channels * s * k, bits, width))
    out_words = layer.positions * _words(channels, bits, width)
    read_words, write_words = in_read + out_words, in_write + out_words
    pool_ns = (layer.positions * MNSIM.pool_ns * math.ceil(channels / MNSIM.pool_units)
               * math.ceil(k * layer.kernel[1] / MNSIM.pool_window))
    energy_j = {
        "digital": MNSIM.pool_w * pool_ns * ns,
        # MNSIM charges the tile output buffer's power only for a pooling layer
        "buffer": (read_words * pe.buffer_energy_pj_per_bit * width
                   + write_words * MNSIM.buffer_write_pj) * 1e-12,
    }
    parts_s = {"compute": 0.0, "digital": pool_ns * ns,
               "buffer": (read_words + write_words) * pe.buffer_cycle_ns * ns}
    return MnsimLayer(parts_s, energy_j)
