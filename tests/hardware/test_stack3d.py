"""3D integration: mesh3d and sfc3d stacks, TSV/MIV links, routing, curve, placements."""

from __future__ import annotations

import numpy as np
import pytest
from support import all_pairs_hops

from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate
from pimnoc.hardware.routing import check_deadlock_free, make_routing
from pimnoc.hardware.stack3d import MIV_LENGTH_MM, via_capacitance_f
from pimnoc.hardware.system import SystemSpec, build_system
from pimnoc.hardware.tech import NetworkTech
from pimnoc.hardware.topology import MIV, ONCHIP, TSV
from pimnoc.mapping.placement import placement_order
from pimnoc.search import placement_names, start_order

SIZES = [(4, 3, 3), (4, 4, 4), (2, 5, 5), (3, 2, 5), (2, 1, 4), (1, 3, 3)]


def stack(tiers: int, rows: int, cols: int, noc: str = "mesh3d", vertical: str = "tsv"):
    return build_system(SystemSpec("3d", pe_rows=rows, pe_cols=cols, tiers=tiers, noc=noc,
                                   vertical=vertical))


@pytest.mark.parametrize("tiers,rows,cols", SIZES)
def test_mesh3d_dor_hops_are_3d_manhattan_and_deadlock_free(tiers, rows, cols):
    topo = stack(tiers, rows, cols)
    routing = make_routing(topo)
    check_deadlock_free(routing)
    xyz = np.column_stack([topo.node_coord[:, :2], topo.node_tier])
    manhattan = np.abs(xyz[:, None, :] - xyz[None, :, :]).sum(axis=2)
    assert np.array_equal(all_pairs_hops(routing), manhattan)
    planar = tiers * (rows * (cols - 1) + cols * (rows - 1))
    vertical = (tiers - 1) * rows * cols
    assert topo.summary()["links_by_kind"].get("onchip", 0) == planar
    assert int(np.count_nonzero(topo.link_kind == TSV)) // 2 == vertical


@pytest.mark.parametrize("tiers,rows,cols", SIZES)
def test_sfc3d_is_deadlock_free_sparser_than_mesh3d_and_follows_its_curve(tiers, rows, cols):
    topo = stack(tiers, rows, cols, "sfc3d", "miv")
    routing = make_routing(topo)
    check_deadlock_free(routing)
    n = tiers * rows * cols
    assert topo.summary()["links_by_kind"].get("onchip", 0) == tiers * (rows * cols - 1)
    assert int(np.count_nonzero(topo.link_kind == MIV)) // 2 == (tiers - 1) * rows * cols
    assert topo.num_links <= stack(tiers, rows, cols).num_links
    curve = np.asarray(topo.meta["curve_order"])
    assert sorted(curve.tolist()) == list(range(n))
    linked = set(zip(topo.link_src.tolist(), topo.link_dst.tolist(), strict=True))
    assert all((int(a), int(b)) in linked for a, b in zip(curve[:-1], curve[1:], strict=True))
    # the curve threads the tiers: its first column climbs from tier 0 to the top
    assert topo.node_tier[curve[:tiers]].tolist() == list(range(tiers))
    # consecutive curve nodes are one hop apart under the NoC's own routing
    hops = all_pairs_hops(routing)
    assert np.all(hops[curve[:-1], curve[1:]] == 1)


def test_vertical_links_have_their_kind_length_and_one_cycle():
    tsv = stack(2, 2, 2, "mesh3d", "tsv")
    miv = stack(2, 2, 2, "mesh3d", "miv")
    for topo, kind, length in ((tsv, TSV, 0.05), (miv, MIV, MIV_LENGTH_MM)):
        vertical = topo.link_kind == kind
        assert vertical.sum() == 2 * 4
        assert np.allclose(topo.link_length_mm[vertical], length)
        assert np.all(topo.link_latency_cycles[vertical] == 1)
        assert np.all(topo.link_dim[vertical] == 2)
        assert np.all(topo.link_kind[~vertical] == ONCHIP)
        assert np.all(topo.node_tier[topo.link_src[vertical]]
                      != topo.node_tier[topo.link_dst[vertical]])


def test_tech_vertical_energies_follow_the_cacti_3dd_capacitance():
    net = NetworkTech()
    c_tsv = via_capacitance_f(50.0, 3.8, 30.0, 0.5, 2.214)
    c_miv = via_capacitance_f(0.2, 0.1, 0.2, 0.01, 3.9, depletion_um=1e-4)
    assert 25e-15 < c_tsv < 40e-15 and c_miv < 1e-15
    for c, e in ((c_tsv, net.tsv_pj_per_bit), (c_miv, net.miv_pj_per_bit)):
        assert 0.5 * c * 0.9**2 * 1e12 == pytest.approx(e, rel=0.03)
    assert net.miv_pj_per_bit < net.tsv_pj_per_bit < net.onchip_wire_pj_per_bit_mm * 0.6


def test_single_tier_noc_in_3d_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match="design.noc.topology.*mesh3d"):
        stack(2, 2, 2, "mesh")
    with pytest.raises(ConfigError, match="design.noc.topology"):
        stack(2, 2, 2, "no_such_noc")


@pytest.mark.parametrize("noc", ["mesh3d", "sfc3d"])
@pytest.mark.parametrize("name", ["row_major", "snake", "hilbert", "sfc", "random",
                                  "thermal_sfc"])
def test_placements_on_stacks_are_permutations(noc, name):
    topo = stack(3, 3, 4, noc)
    order = start_order(topo, name, seed=3)
    assert sorted(order.tolist()) == sorted(topo.compute_nodes.tolist())
    assert name in placement_names()


def test_sfc_placement_walks_the_stack_curve():
    topo = stack(4, 3, 3, "sfc3d")
    assert np.array_equal(placement_order(topo, "sfc"), topo.meta["curve_order"])


def run3d(noc: str, vertical: str, placement: str = "sfc", **mapping) -> dict:
    return {"workload": {"networks": [{"model": "resnet18", "input_hw": 32,
                                       "num_classes": 10}]},
            "design": {"integration": "3d", "tiers": 4, "pes": {"rows": 3, "cols": 3},
                       "vertical": vertical, "noc": {"topology": noc}},
            "mapping": {"placement": placement, **mapping}}


@pytest.mark.parametrize("noc", ["mesh3d", "sfc3d"])
@pytest.mark.parametrize("vertical", ["tsv", "miv"])
def test_3d_designs_evaluate_with_vertical_via_area(noc, vertical):
    result = evaluate(parse_run(run3d(noc, vertical)))
    assert result.latency_s > 0 and result.energy_j["total"] > 0
    assert result.topology["links_by_kind"][vertical] == 27
    vias = result.area_breakdown_mm2["vertical_vias"]
    pitch = NetworkTech().tsv_pitch_um if vertical == "tsv" else NetworkTech().miv_pitch_um
    assert vias == pytest.approx(2 * 27 * 32 * pitch**2 * 1e-6)


def test_sfc3d_spends_less_network_energy_than_mesh3d_on_the_same_curve():
    mesh = evaluate(parse_run(run3d("mesh3d", "miv")))
    sfc = evaluate(parse_run(run3d("sfc3d", "miv")))
    net = [r.energy_j["router"] + r.energy_j["link"] for r in (mesh, sfc)]
    assert net[1] < net[0]
    assert sfc.links < mesh.links and sfc.router_ports < mesh.router_ports


def test_thermal_weight_is_validated():
    with pytest.raises(ConfigError, match="mapping.thermal_weight"):
        parse_run(run3d("sfc3d", "tsv", "thermal_sfc", thermal_weight=1.5))
