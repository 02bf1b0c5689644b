"""Per-layer compute latency and energy of a mapped workload."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimnoc.engines.compute import mnsim
from pimnoc.engines.compute.crossbar import crossbar_activities_of, crossbar_activity
from pimnoc.hardware.digital import HOST_ENERGY_PJ_PER_MAC
from pimnoc.hardware.tech import NetworkTech
from pimnoc.mapping.mapper import Mapping
from pimnoc.numeric import chain_roots
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
    arrays = mapping.arrays
    weighted = np.flatnonzero(arrays.weighted)
    acts = None if mnsim_parts is not None else crossbar_activities_of(
        arrays.positions[weighted], arrays.cout[weighted], mapping.tile_shape[weighted],
        np.asarray(mapping.replication)[weighted], pe)
    if acts is not None:  # every weighted layer at once, the same operations as below
        pes = np.maximum(1, np.diff(mapping.node_crossbars[2])[weighted])
        time_s[weighted] = np.maximum(acts.mvm_steps * pe.mvm_s,
                                      acts.buffer_bits / pes / pe.buffer_bps)
        parts["adc"][weighted] = acts.adc_conversions * pe.adc_energy_pj * pj
        parts["dac"][weighted] = acts.dac_conversions * pe.dac_energy_pj * pj
        parts["cells"][weighted] = acts.cell_reads * pe.cell_read_energy_j
        parts["shift_add"][weighted] = acts.shift_adds * pe.shift_add_energy_pj * pj
        parts["buffer"][weighted] = acts.buffer_bits * pe.buffer_energy_pj_per_bit * pj
        if mapping.digital is None:  # every other layer on its host PEs' digital units
            _hosted_compute(mapping, net, time_s, parts["digital"], busy)
            return LayerCompute(time_s, parts, busy, mnsim_parts)
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


def _digital_works(mapping: Mapping) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`digital_work` (macs, ops, buffer bits) of every layer, as arrays: worked out once
    per network and shared by its renamed copies (they share `Workload.arrays`)."""
    act_bits = mapping.pe.act_bits
    per_network: dict[int, np.ndarray] = {}
    parts = []
    for w in mapping.workloads:
        if id(w.arrays) not in per_network:
            meta = {**w.meta, "act_bits": act_bits}
            works = [digital_work(layer, len(layer.preds), meta) for layer in w.layers]
            per_network[id(w.arrays)] = np.array(
                [(work.macs, work.ops, work.buffer_bits) for work in works],
                dtype=np.float64).reshape(-1, 3)
        parts.append(per_network[id(w.arrays)])
    table = np.concatenate(parts) if parts else np.zeros((0, 3))
    return table[:, 0], table[:, 1], table[:, 2]


def _hosted_compute(mapping: Mapping, net: NetworkTech, time_s: np.ndarray,
                    digital_j: np.ndarray, busy: np.ndarray) -> None:
    """The loop of `layer_compute` over the layers without crossbars, on a design without
    digital PEs, for every layer at once (the same operations in the same order)."""
    pe, arrays = mapping.pe, mapping.arrays
    n = arrays.size
    flat, bounds = arrays.pred_flat, arrays.pred_bounds
    hosted = np.flatnonzero(~arrays.weighted)
    macs, ops, buffer_bits = (values[hosted] for values in _digital_works(mapping))
    # host_root: up the first-input chain to a weighted layer or one without inputs
    root = np.arange(n, dtype=np.int64)
    climbs = ~arrays.weighted & (bounds[1:] > bounds[:-1])
    root[climbs] = flat[bounds[:-1][climbs]]
    root = chain_roots(root)
    root = root[hosted]
    nodes, _counts, node_bounds = mapping.node_crossbars
    on_crossbars = arrays.weighted[root]
    hosts = np.where(on_crossbars, node_bounds[root + 1] - node_bounds[root], 1)
    time_s[hosted] = ((macs + ops) / (pe.digital_ops_per_cycle * np.maximum(1, hosts))
                      * net.cycle_s)
    first_node = mapping.order[mapping.network_start_slot[mapping.network_of[hosted]]]
    at = np.repeat(np.where(on_crossbars, node_bounds[root], -1) - (np.cumsum(hosts) - hosts),
                   hosts) + np.arange(int(hosts.sum()))
    crossbar_nodes = nodes[np.clip(at, 0, nodes.size - 1)] if nodes.size else at
    host_nodes = np.where(np.repeat(on_crossbars, hosts), crossbar_nodes,
                          np.repeat(first_node, hosts))
    # np.bincount adds each layer's time in turn, as `busy[hosts] += time` layer by layer
    busy += np.bincount(host_nodes, weights=np.repeat(time_s[hosted], hosts),
                        minlength=busy.size)
    pj = 1e-12
    digital_j[hosted] = (ops * pe.digital_energy_pj_per_op + macs * HOST_ENERGY_PJ_PER_MAC
                         + buffer_bits * pe.buffer_energy_pj_per_bit) * pj
