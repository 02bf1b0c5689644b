"""Thermal and accuracy results of an evaluated design: power map -> temperatures -> accuracy.

`thermal_extras(evaluation)` is what `evaluate_full` merges into a Result when
`thermal.enabled` is set. The steps:

1. **Power per node** at the design's achieved throughput (1 / inference interval):
   each layer's compute energy per inference spread over the nodes holding its crossbars
   in proportion to their crossbar counts (digital operators on the nodes that produce
   their first input, as the traffic model places them); router energy where the bits
   are switched and ejected; each link's energy half at either end; leakage of every PE
   and router in use, or of all with `design.power_gating: false` (`PeTech.leakage_mw`,
   `NetworkTech.router_leakage_mw`, hardware/leakage.py), taken as quoted at
   `LEAKAGE_T_REF_K`. At the reference temperature the total equals
   `Result.energy_j.total * throughput` exactly.
2. **Stack** from the topology: `stack_3d` (tier 0 at the heat sink, TSV or monolithic),
   `stack_2d` for one die, `stack_2p5d` with the chiplets' rectangles for 2.5D (interposer
   routers dissipate at their boundary PE). Each node is a square of the PE pitch.
3. **Temperatures**: steady state on the finite-volume grid, with leakage growing as
   exp(beta (T - T_ref)) iterated to its fixed point (`solve_steady_with_leakage`).
4. **Accuracy**: a network's weighted layers, in pipeline order, are cut into as many
   consecutive groups of equal crossbar count as the classifier of `pimnoc.analysis.accuracy` has
   layers; each group gets the temperature whose conductance-error spread equals the mean
   over its crossbars (T_ref + RMS of T - T_ref: the error variance grows with the square of
   the distance from the programming temperature), and the Monte-Carlo estimate runs with
   those temperatures. The reported `accuracy_estimate` is the mean over the networks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from pimnoc.analysis.accuracy import (
    CLASSIFIERS,
    ConductanceNoise,
    CrossbarConfig,
    clean_accuracy,
    estimate_accuracy_detail,
    quantised_classifier,
)
from pimnoc.analysis.thermal import (
    AMBIENT_K,
    DEFAULT_NX,
    DEFAULT_NY,
    LEAKAGE_BETA_PER_K,
    HeatSink,
    Stack,
    power_map,
    solve_steady,
    solve_steady_with_leakage,
    stack_2d,
    stack_2p5d,
    stack_3d,
)
from pimnoc.analysis.thermal.grid import cell_edges, rect_overlap
from pimnoc.engines.analytical.network import link_energy_pj_per_bit, router_energy_pj_per_bit
from pimnoc.errors import ConfigError, suggest
from pimnoc.hardware.leakage import design_leakage_w
from pimnoc.hardware.topology import NOI_ROUTER, Topology
from pimnoc.numeric import weighted_bincount


@dataclass(frozen=True)
class ThermalParams:
    """Parameters of the thermal/accuracy step (`thermal:` keys of a run file)."""

    nx: int = DEFAULT_NX  # grid cells across the footprint (thermal model default)
    ny: int = DEFAULT_NY
    leakage_feedback: bool = True  # leakage rises with temperature, iterated to a fixed point
    leakage_beta_per_k: float = LEAKAGE_BETA_PER_K  # Liao, He, Lepak, IEEE TCAD 2005
    ambient_k: float = AMBIENT_K  # HotSpot default ambient (318.15 K)
    r_convec_k_per_w: float = 0.1  # HotSpot default convection resistance of the heat sink
    power_scale: float = 1.0  # what-if multiplier on dynamic power (1 = the design as evaluated)
    accuracy: bool = True  # run the Monte-Carlo accuracy estimate
    accuracy_trials: int = 20  # Monte-Carlo chips per estimate (accuracy.py default)
    accuracy_seed: int = 0
    accuracy_classifier: str = "mlp"  # mlp or cnn on the digits (analysis/accuracy.py)

    @classmethod
    def from_spec(cls, given: dict[str, Any]) -> ThermalParams:
        """Validate the extra keys of `thermal:`, naming any unknown key and the fix."""
        names = [f.name for f in fields(cls)]
        for key in given:
            if key not in names:
                raise ConfigError(
                    f"thermal.{key}: unknown key{suggest(key, names)}; allowed keys: "
                    f"enabled, {', '.join(names)}"
                )
        params = cls(**given)
        if params.nx < 2 or params.ny < 2:
            raise ConfigError("thermal.nx / thermal.ny: the grid needs at least 2 x 2 cells")
        if not params.power_scale >= 0:
            raise ConfigError("thermal.power_scale must be >= 0 (1 = the evaluated design)")
        if params.accuracy_trials < 1:
            raise ConfigError("thermal.accuracy_trials must be >= 1")
        if params.accuracy_classifier not in CLASSIFIERS:
            raise ConfigError(f"thermal.accuracy_classifier: unknown "
                              f"'{params.accuracy_classifier}'; choose one of "
                              f"{', '.join(CLASSIFIERS)}")
        return params


@dataclass(frozen=True)
class NodePower:
    """Power of every network node by part, W (leakage at the reference temperature)."""

    compute_w: np.ndarray
    router_w: np.ndarray
    link_w: np.ndarray
    leakage_ref_w: np.ndarray

    @property
    def dynamic_w(self) -> np.ndarray:
        """Compute + router + link power per node."""
        return self.compute_w + self.router_w + self.link_w


def host_nodes(mapping, i: int, memo: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """Nodes that run layer `i`: its crossbars' nodes, or for a digital operator those of
    its first input (recursively), or the network's first node for an input layer."""
    memo = {} if memo is None else memo
    if i in memo:
        return memo[i]
    chain = [i]
    digital = getattr(mapping, "digital", None)
    while True:
        j = chain[-1]
        nodes = mapping.layer_node_crossbars[j][0]
        if digital is not None and not nodes.size and digital.placed(j):
            nodes = digital.hosts[j]  # runs on digital PEs (heterogeneous designs)
        if nodes.size or j in memo:
            found = memo.get(j, nodes)
            break
        if not mapping.preds[j]:
            found = np.array([mapping.network_first_node(int(mapping.network_of[j]))])
            break
        chain.append(mapping.preds[j][0])
    for j in chain:
        memo[j] = found
    return found


def node_power(evaluation) -> NodePower:
    """Per-node compute, router, link and (reference) leakage power at the achieved rate."""
    topo, mapping, net, pe = evaluation.topology, evaluation.mapping, evaluation.net, evaluation.pe
    rate = 1.0 / evaluation.result.interval_s if evaluation.result.interval_s > 0 else 0.0
    n = topo.num_nodes
    compute = np.zeros(n)
    energy = evaluation.compute.energy_j
    memo: dict[int, np.ndarray] = {}
    for i in range(mapping.num_layers):
        if energy[i] <= 0:
            continue
        nodes, counts = mapping.layer_node_crossbars[i]
        digital = getattr(mapping, "digital", None)
        if nodes.size:
            np.add.at(compute, nodes, energy[i] * counts / counts.sum())
        elif digital is not None and digital.placed(i):
            shares = digital.shares[i]
            np.add.at(compute, digital.hosts[i], energy[i] * shares / shares.sum())
        else:
            hosts = host_nodes(mapping, i, memo)
            np.add.at(compute, hosts, energy[i] / hosts.size)
    routed, flows = evaluation.network.routed, evaluation.flows
    load = routed.link_load_bits
    e_router = router_energy_pj_per_bit(topo, net) * 1e-12
    e_link = link_energy_pj_per_bit(topo, net) * 1e-12
    router = weighted_bincount(topo.link_src, weights=load * e_router[topo.link_src], minlength=n)
    dst = flows.dst[routed.flow_index]
    router += weighted_bincount(dst, weights=flows.bits[routed.flow_index] * e_router[dst],
                          minlength=n)
    per_link = load * e_link / 2.0
    link = (weighted_bincount(topo.link_src, weights=per_link, minlength=n)
            + weighted_bincount(topo.link_dst, weights=per_link, minlength=n))
    leakage = design_leakage_w(topo, pe, net, mapping, flows, routed,
                               evaluation.spec.design.power_gating)  # as the energy figures
    return NodePower(compute * rate, router * rate, link * rate, leakage)


def pe_pitch_mm(topo: Topology) -> float:
    """The PE tile pitch of a topology (the side of each node's heat-source square)."""
    meta = topo.meta
    return float(meta["die_w_mm"] if meta.get("integration") != "2.5d"
                 else meta["chiplet_w_mm"]) / meta["pe_cols"]


def stack_for(topo: Topology, params: ThermalParams = ThermalParams()) -> Stack:
    """The thermal stack of a topology: 2D die, 2.5D chiplets on an interposer, or 3D tiers."""
    meta = topo.meta
    sink = HeatSink(r_convec_k_per_w=params.r_convec_k_per_w)
    mm = 1e-3
    width, height = meta["die_w_mm"] * mm, meta["die_h_mm"] * mm
    integration = meta.get("integration", "2d")
    if integration == "3d":
        return stack_3d(meta["tiers"], width, height, meta["vertical"], heat_sink=sink,
                        ambient_k=params.ambient_k)
    if integration == "2.5d":
        half = pe_pitch_mm(topo) / 2
        rects = []
        for chip in range(meta["chiplet_rows"] * meta["chiplet_cols"]):
            members = (topo.node_chiplet == chip) & (topo.node_kind != NOI_ROUTER)
            x0, y0 = topo.node_xy_mm[members].min(axis=0) - half
            rects.append((max(x0, 0.0) * mm, max(y0, 0.0) * mm, meta["chiplet_w_mm"] * mm,
                          meta["chiplet_h_mm"] * mm))
        return stack_2p5d(rects, width, height, heat_sink=sink, ambient_k=params.ambient_k)
    return stack_2d(width, height, heat_sink=sink, ambient_k=params.ambient_k)


def node_tiers(topo: Topology) -> np.ndarray:
    """Thermal tier of each node (0 for 2D and 2.5D, the stack tier for 3D)."""
    return np.asarray(topo.node_tier, dtype=int)


def node_maps(topo: Topology, values_w: np.ndarray, stack: Stack, nx: int, ny: int) -> np.ndarray:
    """Rasterise per-node powers onto the (tiers, ny, nx) grid, each node a pitch square."""
    return power_map(topo.node_xy_mm * 1e-3, node_tiers(topo), values_w, stack, nx, ny,
                     node_size_m=pe_pitch_mm(topo) * 1e-3)


def node_overlaps(topo: Topology, stack: Stack, nx: int, ny: int,
                  nodes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlap of each node's pitch square with the grid columns and rows, and its area."""
    nodes = np.arange(topo.num_nodes) if nodes is None else nodes
    side = pe_pitch_mm(topo) * 1e-3
    xy = topo.node_xy_mm[nodes] * 1e-3
    ox = rect_overlap(xy[:, 0] - side / 2, xy[:, 0] + side / 2, cell_edges(stack.width_m, nx))
    oy = rect_overlap(xy[:, 1] - side / 2, xy[:, 1] + side / 2, cell_edges(stack.height_m, ny))
    return ox, oy, ox.sum(axis=1) * oy.sum(axis=1)


def node_temperatures(topo: Topology, tier_maps_k: np.ndarray, stack: Stack) -> np.ndarray:
    """Area-weighted mean temperature of every node's square on its tier, K."""
    _tiers, ny, nx = tier_maps_k.shape
    ox, oy, area = node_overlaps(topo, stack, nx, ny)
    maps = tier_maps_k[node_tiers(topo)]
    return np.einsum("ny,nyx,nx->n", oy, maps, ox) / area


def layer_groups(mapping, network: int, groups: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """A network's weighted layers cut into `groups` runs of about equal crossbar count.

    Returns, per group, the (nodes, crossbar counts) of the layers (or layer parts) in it.
    """
    members = [i for i in range(mapping.num_layers)
               if mapping.network_of[i] == network and mapping.xbar_count[i] > 0]
    total = float(sum(int(mapping.xbar_count[i]) for i in members))
    out: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(groups)]
    start = 0.0
    for i in members:
        stream = mapping.crossbar_nodes(i)
        position = start + np.arange(stream.size)
        group = np.minimum((position * groups / total).astype(int), groups - 1)
        for g in np.unique(group):
            nodes, counts = np.unique(stream[group == g], return_counts=True)
            out[int(g)].append((nodes, counts))
        start += stream.size
    return out


def effective_temperature(node_t_k: np.ndarray, parts, t_ref_k: float) -> float:
    """T_ref + RMS over crossbars of (T - T_ref): same conductance-error variance."""
    if not parts:
        return t_ref_k
    nodes = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts]).astype(float)
    excess = node_t_k[nodes] - t_ref_k
    return float(t_ref_k + np.sqrt(np.average(excess**2, weights=counts)))


def crossbar_config(pe):
    """The accuracy model's crossbar: the design's own (design.pe), not a default one."""
    try:
        return CrossbarConfig(
            rows=pe.crossbar_rows, cols=pe.crossbar_cols, bits_per_cell=pe.bits_per_cell,
            weight_bits=pe.weight_bits, input_bits=pe.input_bits, dac_bits=pe.dac_bits,
            adc_bits=pe.adc_bits, r_on_ohm=pe.cell_ron_ohm, r_off_ohm=pe.cell_roff_ohm)
    except ConfigError as exc:
        raise ConfigError(f"design.pe (for the accuracy estimate): {exc}") from None


def conductance_noise(pe) -> ConductanceNoise:
    """The accuracy model's device variation: the design's own (design.pe)."""
    try:
        return ConductanceNoise(sigma_program=pe.cell_program_sigma,
                                sigma_tc_per_k=pe.cell_tc_sigma_per_k)
    except ConfigError:
        raise ConfigError("design.pe.cell_program_sigma / cell_tc_sigma_per_k: must be >= 0; "
                          "fix the device variation") from None


def accuracy_results(evaluation, node_t_k: np.ndarray, params: ThermalParams) -> dict[str, Any]:
    """Monte-Carlo accuracy of every network at its crossbars' temperatures."""
    mapping = evaluation.mapping
    noise = conductance_noise(evaluation.pe)
    crossbar = crossbar_config(evaluation.pe)
    kind = params.accuracy_classifier
    classifier = quantised_classifier(crossbar.weight_bits, crossbar.input_bits, kind=kind)
    layers = classifier.n_layers
    per_network = []
    for k, workload in enumerate(mapping.workloads):
        groups = layer_groups(mapping, k, layers)
        temps = [effective_temperature(node_t_k, g, noise.t_ref_k) for g in groups]
        est = estimate_accuracy_detail(temps, trials=params.accuracy_trials,
                                       seed=params.accuracy_seed, noise=noise,
                                       crossbar=crossbar, classifier=kind)
        per_network.append({"name": workload.name, "accuracy": est.mean, "std": est.std,
                            "effective_temperatures_k": [round(t, 3) for t in temps]})
    return {
        "accuracy_estimate": float(np.mean([p["accuracy"] for p in per_network])),
        "accuracy": {
            "per_network": per_network,
            "clean": clean_accuracy(crossbar, kind),
            "float_reference": classifier.float_test_accuracy,
            "trials": params.accuracy_trials,
            "model": f"digits {kind.upper()} on ReRAM crossbars (pimnoc.analysis.accuracy); "
                     "layer groups of the DNN at their effective temperatures",
        },
    }


@dataclass(frozen=True, eq=False)
class ThermalSolution:
    """Temperatures of an evaluated design with the power that produced them."""

    stack: Stack
    power: NodePower
    tier_maps_k: np.ndarray
    node_temperature_k: np.ndarray
    peak_temperature_k: float
    sink_temperature_k: float
    total_power_w: float
    heat_flow_out_w: float
    leakage_w: float
    iterations: int


def solve_design(evaluation, params: ThermalParams = ThermalParams()) -> ThermalSolution:
    """Power map of an evaluated design and its steady temperatures (leakage fixed point)."""
    topo = evaluation.topology
    stack = stack_for(topo, params)
    power = node_power(evaluation)
    dynamic = node_maps(topo, power.dynamic_w * params.power_scale, stack, params.nx, params.ny)
    leak_ref = node_maps(topo, power.leakage_ref_w, stack, params.nx, params.ny)
    if params.leakage_feedback:
        fixed = solve_steady_with_leakage(stack, dynamic, leak_ref,
                                          beta_per_k=params.leakage_beta_per_k)
        thermal, leak, iterations = fixed.thermal, fixed.leakage_power_w, fixed.iterations
    else:
        thermal, leak, iterations = solve_steady(stack, dynamic + leak_ref), leak_ref, 1
    tiers = thermal.tier_temperatures_k
    return ThermalSolution(stack, power, tiers, node_temperatures(topo, tiers, stack),
                           thermal.peak_temperature_k, thermal.sink_temperature_k,
                           thermal.total_power_w, thermal.heat_flow_out_w,
                           float(np.sum(leak)), iterations)


def thermal_extras(evaluation) -> dict[str, Any]:
    """Result entries of the thermal and accuracy models for an evaluated design."""
    params = ThermalParams.from_spec(evaluation.spec.thermal.params())
    sol = solve_design(evaluation, params)
    topo, mapping = evaluation.topology, evaluation.mapping
    tiers = sol.tier_maps_k
    power = sol.power
    layer_t = []
    for i in range(mapping.num_layers):
        nodes, counts = mapping.layer_node_crossbars[i]
        layer_t.append(float(np.average(sol.node_temperature_k[nodes], weights=counts))
                       if nodes.size else None)
    extras: dict[str, Any] = {
        "peak_temperature_k": sol.peak_temperature_k,
        "tier_temperatures_k": [
            {"tier": z, "peak": float(t.max()), "mean": float(t.mean()), "min": float(t.min())}
            for z, t in enumerate(tiers)
        ],
        "tier_temperature_maps_k": np.round(tiers, 3).tolist(),
        "node_temperature_k": np.round(sol.node_temperature_k, 3).tolist(),
        "layer_temperature_k": layer_t,
        "thermal": {
            "total_power_w": sol.total_power_w,
            "heat_flow_out_w": sol.heat_flow_out_w,
            "energy_balance_error": abs(sol.heat_flow_out_w - sol.total_power_w)
            / max(sol.total_power_w, 1e-30),
            "power_w": {
                "compute": float(power.compute_w.sum() * params.power_scale),
                "router": float(power.router_w.sum() * params.power_scale),
                "link": float(power.link_w.sum() * params.power_scale),
                "leakage": sol.leakage_w,
            },
            "leakage_reference_w": float(power.leakage_ref_w.sum()),
            "leakage_iterations": sol.iterations,
            "sink_temperature_k": sol.sink_temperature_k,
            "ambient_k": sol.stack.ambient_k,
            "grid": [params.nx, params.ny],
            "stack": [layer.name for layer in sol.stack.layers],
            "tiers": int(sol.stack.n_tiers),
            "integration": topo.meta.get("integration", "2d"),
        },
    }
    if params.accuracy:
        extras.update(accuracy_results(evaluation, sol.node_temperature_k, params))
    return extras
