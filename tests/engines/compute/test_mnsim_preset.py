"""`design.preset: mnsim` against MNSIM-2.0's own per-layer output on its VGG-8.

The reference (tests/data/mnsim/vgg8_cifar_per_layer.txt) is MNSIM-2.0 at commit ca39ccb
run here with its default SimConfig.ini on its vgg8 (CIFAR-10, 32x32), latencies in ns and
energies in nJ as MNSIM prints them. pimnoc computes every figure itself from the preset's
constants (hardware/components.py); the test compares layer by layer.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate_full
from pimnoc.hardware.tech import PeTech
from pimnoc.traffic.flows import PARTIAL_SUM

REFERENCE = Path(__file__).parents[2] / "data" / "mnsim" / "vgg8_cifar_per_layer.txt"
TOLERANCE = 0.10  # the bound, per layer and per figure


def mnsim_layers() -> list[dict[str, float]]:
    """Per layer: type, computing / digital / pooling / buffer latency (ns), energy (nJ)."""
    text = REFERENCE.read_text()
    latency, energy = text.split("Energy Results")
    layers: list[dict[str, float]] = []
    for block in latency.split("----------------------------------------------"):
        kind = re.search(r"Layer (\d+)\s+type: (\w+)", block)
        if not kind:
            continue

        def figure(label: str, block: str = block, index: str = kind.group(1)) -> float:
            return float(re.search(rf"{label} of layer {index} : ([\d.e+-]+)", block).group(1))

        layers.append({"type": kind.group(2), "compute": figure("Computing latency"),
                       "digital": figure("Digital part latency"),
                       "pooling": figure("Pooling module latency"),
                       "buffer": figure("Buffer latency")})
    per_layer = re.findall(r"Layer (\d+) :\s+Hardware energy: ([\d.e+-]+) nJ", energy)
    for index, value in per_layer:
        layers[int(index)]["energy"] = float(value)
    return layers


def run(model: str, pes: int = 20, simulation: dict | None = None, **design) -> dict:
    return {"workload": {"networks": [{"model": model}]},
            "design": {"integration": "2d", "pes": {"rows": pes, "cols": pes},
                       "preset": "mnsim", **design},
            "mapping": {"replication": "none"},  # MNSIM's run: one copy of every layer
            "simulation": simulation or {}}


@pytest.fixture(scope="module")
def evaluation():
    return evaluate_full(parse_run(run("vgg8_mnsim")))


def test_reference_has_every_layer():
    layers = mnsim_layers()
    assert [layer["type"] for layer in layers] == (
        ["conv", "conv", "pooling", "conv", "conv", "pooling", "conv", "conv", "pooling",
         "conv", "pooling", "fc"])
    assert sum(layer["energy"] for layer in layers) == pytest.approx(4448843.5, rel=1e-6)


def test_every_layer_matches_mnsim_latency_and_energy(evaluation):
    compute = evaluation.compute
    ours = [i for i, layer in enumerate(evaluation.mapping.layers) if layer.op != "input"]
    reference = mnsim_layers()
    assert len(ours) == len(reference)
    for i, ref in zip(ours, reference, strict=True):
        name = evaluation.mapping.layers[i].name
        parts = {k: v[i] * 1e9 for k, v in compute.time_by_part.items()}
        digital_ref = ref["digital"] + ref["pooling"]
        for ours_ns, ref_ns, what in ((parts["compute"], ref["compute"], "compute"),
                                      (parts["digital"], digital_ref, "digital"),
                                      (parts["buffer"], ref["buffer"], "buffer")):
            assert ours_ns == pytest.approx(ref_ns, rel=TOLERANCE, abs=1e-9), (name, what)
        stage_ref = ref["compute"] + digital_ref + ref["buffer"]
        assert compute.time_s[i] * 1e9 == pytest.approx(stage_ref, rel=TOLERANCE), name
        assert compute.energy_j[i] * 1e9 == pytest.approx(ref["energy"], rel=TOLERANCE), name


def test_compute_energy_total_and_its_split_match_mnsim(evaluation):
    parts = {k: float(v.sum()) * 1e9 for k, v in evaluation.compute.energy_by_part.items()}
    # MNSIM's totals (nJ): ADC 3442430.6, buffer 976516.7, crossbar 20348.3, DAC 4435.3
    assert parts["adc"] == pytest.approx(3442430.6, rel=TOLERANCE)
    assert parts["buffer"] == pytest.approx(976516.7, rel=TOLERANCE)
    assert parts["cells"] == pytest.approx(20348.3, rel=TOLERANCE)
    assert parts["dac"] == pytest.approx(4435.3, rel=TOLERANCE)
    assert sum(parts.values()) == pytest.approx(4448843.5, rel=TOLERANCE)


def test_the_shared_head_of_vgg8_cifar_matches_too():
    # pimnoc's vgg8_cifar (DNN+NeuroSim's) shares MNSIM's first nine layers; its classifier
    # (8192 -> 1024 -> 10) is not MNSIM's (conv 1024, pool, 1024 -> 10)
    evaluation = evaluate_full(parse_run(run("vgg8_cifar", pes=22)))
    layers = evaluation.mapping.layers
    for i, ref in zip(range(1, 10), mnsim_layers()[:9], strict=True):
        assert evaluation.compute.energy_j[i] * 1e9 == pytest.approx(
            ref["energy"], rel=TOLERANCE), layers[i].name


def test_design_pe_keys_apply_on_top_of_the_preset(evaluation):
    spec = parse_run(run("vgg8_mnsim", pe={"adc_bits": 8}))
    assert spec.pe_tech().crossbar_rows == 256 and spec.pe_tech().adc_bits == 8
    slower = evaluate_full(spec).compute.time_by_part["compute"]
    base = evaluation.compute.time_by_part["compute"]
    conv = 1  # features.0: 9 input bits x 1 x 1 steps of DAC 3 + read 3.16 + ADC (bits + 2)
    assert base[conv] * 1e9 == pytest.approx(1024 * 9 * (3 + 3.16 + 8), rel=1e-4)
    assert slower[conv] * 1e9 == pytest.approx(1024 * 9 * (3 + 3.16 + 10), rel=1e-4)


def test_the_default_preset_is_isaac_unchanged():
    spec = parse_run({"workload": {"networks": [{"model": "vgg8_cifar"}]},
                      "design": {"integration": "2d", "pes": {"rows": 8, "cols": 8}}})
    assert spec.design.preset == "isaac"
    assert spec.pe_tech() == PeTech()


def test_an_unknown_preset_names_the_key_and_the_allowed_values():
    with pytest.raises(ConfigError) as err:
        parse_run(run("vgg8_mnsim", preset="neurosim"))
    message = str(err.value)
    assert "design.preset" in message and "isaac, mnsim" in message and "neurosim" in message


def test_conventions_are_not_a_design_pe_key():
    with pytest.raises(ConfigError, match="design.pe.conventions"):
        parse_run(run("vgg8_mnsim", pe={"conventions": "mnsim"}))


def test_traffic_of_the_unpacked_mnsim_tiling_is_bounded(evaluation):
    # each column tile carries an equal share of the outputs: partial sums of a layer are
    # positive and at most (row tiles - 1) x its outputs x psum bits
    flows, mapping, pe = evaluation.flows, evaluation.mapping, evaluation.pe
    assert (flows.bits > 0).all() and np.isfinite(flows.bits).all()
    for i, layer in enumerate(mapping.layers):
        if not layer.weighted:
            continue
        psum = flows.bits[(flows.producer == i) & (flows.kind == PARTIAL_SUM)].sum()
        bound = (mapping.tiles[i].row_tiles - 1) * layer.positions * layer.cout * pe.psum_bits
        assert psum <= bound * (1 + 1e-9), layer.name


def test_the_event_engine_runs_the_mnsim_preset():
    spec = run("vgg8_mnsim", simulation={"engine": "event"})
    result = evaluate_full(parse_run(spec)).result
    assert result.energy_j["compute"] * 1e9 == pytest.approx(
        sum(layer["energy"] for layer in mnsim_layers()), rel=TOLERANCE)
    assert np.isfinite(result.latency_s) and result.latency_s > 0
