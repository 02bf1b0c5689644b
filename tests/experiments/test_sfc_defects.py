"""SFC-degenerated k-ary n-cubes around seeded defects, against their parents."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.cli.main import main
from pimnoc.errors import ConfigError
from pimnoc.experiments import sfc_defects as exp


@settings(max_examples=25, deadline=None)
@given(side=st.sampled_from([4, 6, 8]), rate=st.floats(0.0, 0.5),
       seed=st.integers(0, 1000))
def test_degenerated_sfc_keeps_every_healthy_chiplet_connected(side, rate, seed):
    defects = exp.draw_defects(side, rate, 0.0, seed)
    healthy = defects.healthy
    edges = exp.degenerate(side, defects)
    assert exp.usable(healthy, edges) == healthy
    # Links only between healthy chiplets.
    assert all(a not in defects.faulty_chiplets and b not in defects.faulty_chiplets
               for a, b, _ in edges)


@pytest.mark.parametrize("seed", range(20))
def test_faulty_link_sites_are_avoided_and_healthy_chiplets_stay_connected(seed):
    defects = exp.draw_defects(6, 0.1, 0.15, seed)
    edges = exp.degenerate(6, defects)
    assert all(defects.link_ok(a, b) for a, b, _ in edges)
    assert exp.usable(defects.healthy, edges) == defects.healthy
    for parent in exp.PARENTS:
        assert all(defects.link_ok(a, b) for a, b, _ in exp.parent_edges(parent, 6, defects))


def test_defects_are_seeded_and_follow_the_rate():
    a, b = exp.draw_defects(8, 0.2, 0.1, 3), exp.draw_defects(8, 0.2, 0.1, 3)
    assert a.faulty_chiplets == b.faulty_chiplets
    assert a.link_ok(5, 6) == b.link_ok(6, 5)  # a site's fate is the same both ways
    counts = [len(exp.draw_defects(10, 0.2, 0.0, s).faulty_chiplets) for s in range(40)]
    assert 15 < sum(counts) / len(counts) < 25  # 20 % of 100 chiplets on average
    assert not exp.draw_defects(6, 0.0, 0.0, 1).faulty_chiplets


@pytest.mark.parametrize("parent", ["torus", "folded_torus"])
def test_fewer_shorter_links_use_less_noi_link_energy_for_the_same_traffic(parent):
    # Same traffic, same placement (the curve), no defects: only the links differ.
    from pimnoc.hardware.topologies.floret import floret_ring

    side = 6
    defects = exp.draw_defects(side, 0.0, 0.0, 0)
    traffic = exp.slot_traffic(side, "dense")
    order, _ = floret_ring(side, side)
    place = order[:traffic.slots]
    chiplets = list(range(side * side))
    s_edges, p_edges = exp.degenerate(side, defects), exp.parent_edges(parent, side, defects)
    assert len(s_edges) < len(p_edges)
    assert sum(e[2] for e in s_edges) < sum(e[2] for e in p_edges)
    sfc = exp.case_quantities("sfc", chiplets, s_edges, place, traffic, side)
    par = exp.case_quantities(parent, chiplets, p_edges, place, traffic, side)
    # The torus holds every unit link of the curve, so curve traffic crosses the same short
    # links (equal link energy); the folded torus has only two-pitch links inside its rings.
    assert sfc["net_link_energy_j"] <= par["net_link_energy_j"] * (1 + 1e-12)
    if parent == "folded_torus":
        assert sfc["net_link_energy_j"] < 0.8 * par["net_link_energy_j"]
    # Fewer ports per router: less router energy per bit, so less NoI energy in all.
    assert sfc["net_energy_j"] < par["net_energy_j"]


def test_quick_reproduction_rows_and_json(tmp_path, capsys):
    out = tmp_path / "sfc"
    assert main(["reproduce", "sfc-cube", "--quick", "--parents", "mesh", "--seeds", "1",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "paper -56.5%" in printed and "paper -71.4%" in printed
    data = json.loads((out / "sfc_cube.json").read_text())
    assert {r["baseline"] for r in data["table"]} == {"mesh"}
    for row in data["table"]:
        change = row["net_energy_j"]["change"]
        assert change == pytest.approx(row["net_energy_j"]["design"]
                                       / row["net_energy_j"]["baseline"] - 1)
        # seed 0 runs as whole systems on the event engine: the system columns are filled
        assert row["latency_s"]["change"] is not None and row["engine"] == "analytical"
        assert "event" in row["workload"]
        assert row["energy_j"]["design"] > row["net_energy_j"]["design"]
    assert "Whole systems" in printed


def test_whole_system_puts_no_work_on_defective_chiplets():
    import numpy as np

    from pimnoc.evaluate import evaluate_full

    defects = exp.draw_defects(6, 0.2, 0.05, 0)
    assert defects.faulty_chiplets
    edges = exp.degenerate(6, defects)
    usable = exp.usable(defects.healthy, edges)
    spec = exp.system_design(6, "resnets", usable, edges, True, engine="analytical")
    ev = evaluate_full(spec, detail=False)
    used = np.unique(np.concatenate([ev.flows.src, ev.flows.dst]))
    assert not set(ev.topology.node_chiplet[used].tolist()) - set(usable)
    placed = np.unique(ev.topology.node_chiplet[ev.mapping.order])
    assert set(placed.tolist()) <= set(usable)
    # the defective chiplets' leaf links carry nothing
    from pimnoc.hardware.topology import INTERPOSER

    dead = ~np.isin(ev.topology.node_chiplet, usable)
    touching = (ev.topology.link_kind == INTERPOSER) & (
        dead[ev.topology.link_src] | dead[ev.topology.link_dst])
    assert touching.any() and ev.network.routed.link_load_bits[touching].sum() == 0


def test_bad_options_are_config_errors(tmp_path, capsys):
    with pytest.raises(ConfigError, match="--chiplet-rates"):
        exp.draw_defects(6, 1.2, 0.0, 0)
    assert main(["reproduce", "sfc-cube", "--parents", "ring", "--quick",
                 "--out", str(tmp_path)]) == 2
    assert "--parents" in capsys.readouterr().err
    assert not (tmp_path / "sfc_cube.json").exists()
