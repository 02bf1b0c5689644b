"""The component library: ISAAC's tile rebuilt from its parts, one home for each number."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate, evaluate_full
from pimnoc.hardware import components as C
from pimnoc.hardware.digital import DigitalTech
from pimnoc.hardware.tech import NetworkTech, PeTech

DATA = Path(__file__).resolve().parents[1] / "data"
SRC = Path(__file__).resolve().parents[2] / "src" / "pimnoc"


def test_isaac_tile_power_and_area_rebuilt_from_the_components_within_2_percent():
    table = json.loads((DATA / "isaac_table6.json").read_text())
    parts = C.isaac_tile_breakdown()
    area = sum(a for a, _ in parts.values())
    power = sum(p for _, p in parts.values())
    assert area == pytest.approx(table["tile_area_mm2"], rel=0.02)
    assert power == pytest.approx(table["tile_power_mw"], rel=0.02)
    for name, (a, p) in table["parts_per_tile"].items():
        assert parts[name][0] == pytest.approx(a, rel=0.02)
        assert parts[name][1] == pytest.approx(p, rel=0.02)
    for name, (a, p) in table["parts_per_ima"].items():
        got_a, got_p = parts[f"ima.{name}"]
        assert got_a / C.IMAS_PER_TILE == pytest.approx(a, rel=0.02)
        assert got_p / C.IMAS_PER_TILE == pytest.approx(p, rel=0.02)


def test_default_pe_area_is_isaacs_tile_without_its_router_share():
    parts = C.isaac_tile_breakdown()
    without_router = sum(a for name, (a, _) in parts.items() if name != "router")
    assert PeTech().area_mm2 == pytest.approx(without_router, rel=1e-9)


def test_energies_per_action_reproduce_isaacs_powers_at_its_rates():
    pe = PeTech()
    adcs = C.ADCS_PER_IMA * C.IMAS_PER_TILE
    # every ADC converts at 1.28 GS/s: 12 x 16 mW
    assert pe.adc_energy_pj * 1e-12 * pe.adc_rate_gsps * 1e9 * adcs == pytest.approx(
        C.IMAS_PER_TILE * 16e-3)
    # one shift-and-add per ADC sample: 0.2 mW per IMA
    assert pe.shift_add_energy_pj * 1e-12 * pe.adc_rate_gsps * 1e9 * C.ADCS_PER_IMA == \
        pytest.approx(0.2e-3)
    # one DAC conversion per row per 100 ns read cycle: 4 mW per IMA
    assert pe.dac_energy_pj * 1e-12 * 1024 / pe.read_cycle_s == pytest.approx(4e-3)


def test_router_is_scaled_from_isaacs_8_port_router():
    net = NetworkTech()
    assert net.router_reference_ports == 8
    mesh_router_mm2 = net.router_area_mm2 * 5 / net.router_reference_ports
    assert mesh_router_mm2 == pytest.approx(0.151 * 5 / 8)


def test_digital_pe_is_moved_to_the_reram_node_by_stillmaker_baas():
    digital = DigitalTech()
    assert C.SIMBA_PE.node_nm == 16 and C.RERAM_NODE_NM == 32
    assert digital.area_mm2 == pytest.approx(0.19 * 2.4)  # AREA_FACTOR[16 nm][32 nm]
    factor = digital.energy_pj_per_mac / C.SIMBA_PE.energy_pj
    assert 3.0 < factor < 4.5  # 32 nm costs several times 16 nm's energy at one Vdd
    assert C.scale_energy(1.0, 32, 32) == 1.0 and C.scale_area(1.0, 16, 16) == 1.0


@pytest.mark.parametrize("literal", ["1.28", "20.7", "0.151", "0.083", "5304.5", "0.0096"])
def test_isaac_numbers_live_in_one_module(literal):
    pattern = re.compile(rf"(?<![\d.]){re.escape(literal)}(?![\d])")
    homes = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
             if pattern.search(p.read_text())]
    assert set(homes) <= {"hardware/components.py", "hardware/interfaces.py"}, homes


def test_crossbar_rows_move_accuracy_compute_and_area_together(run_dict):
    def run(rows):
        data = run_dict(thermal={"enabled": True, "accuracy_trials": 2, "nx": 8, "ny": 8})
        data["design"]["pe"].update(crossbar_rows=rows, crossbars=96)
        return evaluate_full(parse_run(data))

    small, big = run(64), run(128)
    assert small.result.area_mm2 != pytest.approx(big.result.area_mm2)
    assert small.result.crossbars_used > big.result.crossbars_used
    assert small.result.energy_j["compute"] != pytest.approx(big.result.energy_j["compute"])
    assert small.result.extra["accuracy_estimate"] != big.result.extra["accuracy_estimate"]


def test_flit_packet_size_and_router_delays_follow_design_network(run_dict):
    from pimnoc.engines.flit.pipeline import router_params, sim_params

    net = NetworkTech(packet_flits=2, router_stages=5)
    params = sim_params({}, net)
    assert params.packet_size == 2
    assert (params.routing_delay + params.vc_alloc_delay + params.sw_alloc_delay
            + params.st_prepare_delay + params.st_final_delay) == 5
    assert router_params(NetworkTech(router_stages=3))["routing_delay"] == 0
    with pytest.raises(Exception, match="disagrees with design.network.packet_flits"):
        sim_params({"packet_size": 8}, net)
    data = run_dict(simulation={"engine": "event", "network": "flit", "granularity": "layer"})
    one = evaluate(parse_run(data), detail=False)
    data["design"]["network"] = {"packet_flits": 1, "router_stages": 6}
    slow = evaluate(parse_run(data), detail=False)
    # deeper router pipelines delay every packet's head: the flit backend follows them
    assert (slow.extra["inference_latency_s"]["mean"]
            > one.extra["inference_latency_s"]["mean"])


def test_buffer_access_time_bounds_a_layer_when_the_buffer_is_slow(run_dict):
    from pimnoc.engines.compute.crossbar import crossbar_activity

    fast = evaluate_full(parse_run(run_dict()))
    data = run_dict()
    data["design"]["pe"]["buffer_cycle_ns"] = 400.0
    slow = evaluate_full(parse_run(data))
    pe, mapping = slow.pe, slow.mapping
    i = next(k for k, layer in enumerate(mapping.layers) if layer.weighted)
    act = crossbar_activity(mapping.layers[i], mapping.tiles[i], int(mapping.replication[i]),
                            pe)
    pes = mapping.layer_node_crossbars[i][0].size
    expected = max(act.mvm_steps * pe.mvm_s, act.buffer_bits / pes / pe.buffer_bps)
    assert slow.compute.time_s[i] == pytest.approx(expected)
    assert act.buffer_bits / pes / pe.buffer_bps > act.mvm_steps * pe.mvm_s
    assert slow.result.latency_s > fast.result.latency_s
