"""Per-layer compute latency and energy of a mapped workload."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.engines.compute import mnsim
from pimnoc.engines.compute.crossbar import crossbar_activities, crossbar_activity
from pimnoc.hardware.digital import HOST_ENERGY_PJ_PER_MAC
from pimnoc.hardware.tech import NetworkTech
from pimnoc.mapping.mapper import Mapping
from pimnoc.workload.digital_work import digital_work

ENERGY_PARTS = ("adc", "dac", "cells", "shift_add", "buffer", "digital")


@dataclass(frozen=True)
class LayerCompute:
    """Stage time (s) and energy (J, by part) of every layer for one inference."""

    time_s: np.ndarray
    energy_by_part: dict[str, np.ndarray]
    node_busy_s: np.ndarray | None = None  # digital time per node (operators sharing a unit)
    # time (s) of every layer by part (compute, digital, buffer), where the model splits it
    # (design.preset: mnsim); their sum is time_s
    time_by_part: dict[str, np.ndarray] | None = None

    @property
    def energy_j(self) -> np.ndarray:
        """Total compute energy per layer."""
        return sum(self.energy_by_part.values())

    @property
    def busiest_node_s(self) -> float:
        """Digital work of the busiest node: operators sharing a digital unit take turns."""
        return float(self.node_busy_s.max(initial=0.0)) if self.node_busy_s is not None else 0.0


def host_root(mapping: Mapping, i: int) -> int:
    """The layer whose nodes run non-weighted layer i: first-input chain to a placed layer."""
    digital = mapping.digital
    while mapping.preds[i] and not mapping.layers[i].weighted and not (
            digital is not None and digital.placed(i)):
        i = mapping.preds[i][0]
    return i


def layer_compute(mapping: Mapping, net: NetworkTech) -> LayerCompute:
    """Time and energy of each layer: crossbar MVMs for weighted ones, digital units otherwise."""
    pe = mapping.pe
    n = mapping.num_layers
    time_s = np.zeros(n)
    parts = {name: np.zeros(n) for name in ENERGY_PARTS}
    busy = np.zeros(mapping.topology.num_nodes)
    pj = 1e-12
    mnsim_parts = ({name: np.zeros(n) for name in ("compute", "digital", "buffer")}
                   if pe.conventions == "mnsim" else None)
    weighted = [i for i, layer in enumerate(mapping.layers) if layer.weighted]
    acts = None if mnsim_parts is not None else crossbar_activities(
        [mapping.layers[i] for i in weighted], [mapping.tiles[i] for i in weighted],
        np.asarray(mapping.replication)[weighted], pe)
    if acts is not None:  # every weighted layer at once, the same operations as below
        pes = np.maximum(1, np.array([mapping.layer_node_crossbars[i][0].size
                                      for i in weighted], dtype=np.int64))
        time_s[weighted] = np.maximum(acts.mvm_steps * pe.mvm_s,
                                      acts.buffer_bits / pes / pe.buffer_bps)
        parts["adc"][weighted] = acts.adc_conversions * pe.adc_energy_pj * pj
        parts["dac"][weighted] = acts.dac_conversions * pe.dac_energy_pj * pj
        parts["cells"][weighted] = acts.cell_reads * pe.cell_read_energy_j
        parts["shift_add"][weighted] = acts.shift_adds * pe.shift_add_energy_pj * pj
        parts["buffer"][weighted] = acts.buffer_bits * pe.buffer_energy_pj_per_bit * pj
    for i, layer in enumerate(mapping.layers):
        if mnsim_parts is not None and (layer.weighted or layer.op == "pool"):
            # MNSIM-2.0's conventions: positions in series, buffers in the path, energy as
            # power x summed time; copies split the positions, not the energy
            if layer.weighted:
                model = mnsim.weighted_layer(layer, mapping.tiles[i], pe)
                share = -(-layer.positions // int(mapping.replication[i])) / layer.positions
            else:
                model = mnsim.pool_layer(layer, pe)
                root = host_root(mapping, i)
                hosts = (mapping.layer_node_crossbars[root][0] if mapping.layers[root].weighted
                         else np.array([mapping.network_first_node(int(mapping.network_of[i]))]))
                share = 1.0
                busy[hosts] += model.total_s
            for part, value in model.time_s.items():
                mnsim_parts[part][i] = value * share
            time_s[i] = model.total_s * share
            for part, value in model.energy_j.items():
                parts[part][i] = value
            continue
        if layer.weighted:
            if acts is not None:
                continue
            act = crossbar_activity(layer, mapping.tiles[i], int(mapping.replication[i]), pe)
            # buffer reads and writes overlap the crossbar reads (ISAAC's pipeline): the
            # layer takes the longer of the two, its buffer traffic shared by its PEs
            pes = max(1, mapping.layer_node_crossbars[i][0].size)
            time_s[i] = max(act.mvm_steps * pe.mvm_s, act.buffer_bits / pes / pe.buffer_bps)
            parts["adc"][i] = act.adc_conversions * pe.adc_energy_pj * pj
            parts["dac"][i] = act.dac_conversions * pe.dac_energy_pj * pj
            parts["cells"][i] = act.cell_reads * pe.cell_read_energy_j
            parts["shift_add"][i] = act.shift_adds * pe.shift_add_energy_pj * pj
            parts["buffer"][i] = act.buffer_bits * pe.buffer_energy_pj_per_bit * pj
        else:
            meta = {**mapping.workloads[int(mapping.network_of[i])].meta,
                    "act_bits": pe.act_bits}
            work = digital_work(layer, len(mapping.preds[i]), meta)
            root = host_root(mapping, i)
            digital = mapping.digital
            if digital is not None and digital.placed(root):
                # On digital PEs: the root's share of their time (see mapping/digital.py).
                shares = digital.shares[root]
                time_s[i] = digital.tech.time_s(work, float(shares.sum()))
                busy[digital.hosts[root]] += time_s[i] * shares
                parts["digital"][i] = digital.tech.energy_j(work)
                continue
            # On the digital units of the PEs that hold the operator's first input.
            hosts = (mapping.layer_node_crossbars[root][0] if mapping.layers[root].weighted
                     else np.array([mapping.network_first_node(int(mapping.network_of[i]))]))
            time_s[i] = ((work.macs + work.ops) / (pe.digital_ops_per_cycle * max(1, hosts.size))
                         * net.cycle_s)
            busy[hosts] += time_s[i]
            parts["digital"][i] = (work.ops * pe.digital_energy_pj_per_op
                                   + work.macs * HOST_ENERGY_PJ_PER_MAC
                                   + work.buffer_bits * pe.buffer_energy_pj_per_bit) * pj
    return LayerCompute(time_s, parts, busy, mnsim_parts)
