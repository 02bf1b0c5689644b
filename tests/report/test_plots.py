"""Figures: 3D stacks one panel per tier, digital PEs marked, one panel pair per network,
Pareto axes in engineering units."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import ConnectionPatch
from matplotlib.ticker import EngFormatter

import pimnoc.report.pareto as dse_plots
import pimnoc.report.plots as plots
from pimnoc.config import parse_run
from pimnoc.evaluate import evaluate_full


@pytest.fixture
def figures(monkeypatch):
    """Capture figures instead of closing them after saving."""
    captured = []

    def keep(fig, path, dpi=130):
        captured.append(fig)
        return path

    monkeypatch.setattr(plots, "save_figure", keep)
    monkeypatch.setattr(dse_plots, "save_figure", keep)
    return captured


def _evaluate(design, networks=("resnet18",)):
    return evaluate_full(parse_run({
        "workload": {"networks": [{"model": m, "input_hw": 32} for m in networks]},
        "design": design}))


def test_a_3d_floorplan_has_a_panel_per_tier_and_vertical_links_between(figures, tmp_path):
    evaluation = _evaluate({"integration": "3d", "tiers": 3, "pes": {"rows": 4, "cols": 4},
                            "noc": {"topology": "mesh3d"}})
    plots.floorplan(evaluation, tmp_path / "f.png")
    (fig,) = figures
    titles = [ax.get_title() for ax in fig.axes]
    assert [t for t in titles if t.startswith("tier")] == [
        "tier 0 (heat sink side)", "tier 1", "tier 2"]
    between = [a for a in fig.artists if isinstance(a, ConnectionPatch)]
    assert 0 < len(between) <= plots.VERTICAL_LINES_DRAWN


def test_digital_pes_are_marked(figures, tmp_path):
    evaluation = _evaluate({"integration": "2d", "pes": {"rows": 8, "cols": 8},
                            "digital": {"fraction": 0.2}})
    plots.floorplan(evaluation, tmp_path / "f.png")
    labels = figures[0].axes[0].get_legend_handles_labels()[1]
    assert "digital PE" in labels


def test_per_layer_figure_has_panels_per_network_at_paper_width(figures, tmp_path):
    evaluation = _evaluate({"integration": "2.5d", "chiplets": {"rows": 4, "cols": 4},
                            "pes": {"rows": 4, "cols": 4}}, ("resnet18", "resnet34"))
    plots.layer_breakdown(evaluation, tmp_path / "l.png")
    (fig,) = figures
    assert len(fig.axes) == 4
    assert fig.get_size_inches()[0] <= plots.MAX_FIGURE_WIDTH_IN
    assert "resnet34" in fig.axes[2].get_title()


def test_pareto_axes_use_engineering_units(figures, tmp_path):
    import numpy as np

    from pimnoc.dse.results import Front
    from pimnoc.dse.space import Objective

    objectives = (Objective("latency_s", "min"), Objective("energy_j", "min"))
    values = np.array([[4.5e-4, 2.1e-5], [3.0e-4, 2.5e-5], [5.0e-4, 3.0e-5]])
    front = Front(objectives, ({}, {}, {}), values, np.array([True, True, False]), 0)
    dse_plots.plot_front(front, tmp_path / "p.png")
    ax = figures[0].axes[0]
    assert isinstance(ax.xaxis.get_major_formatter(), EngFormatter)
    assert ax.xaxis.get_major_formatter().unit == "s"
    assert ax.yaxis.get_major_formatter().unit == "J"


def test_a_big_floorplan_is_an_aggregated_heat_map(figures, tmp_path, monkeypatch):
    """Past FLOORPLAN_DETAIL_NODES the floor is cells (busiest link in each), not a marker per
    node and a line per link."""
    from matplotlib.collections import LineCollection, PathCollection, QuadMesh

    evaluation = _evaluate({"integration": "2.5d", "chiplets": {"rows": 4, "cols": 4},
                            "pes": {"rows": 4, "cols": 4}})
    monkeypatch.setattr(plots, "FLOORPLAN_DETAIL_NODES", 16)
    plots.floorplan(evaluation, tmp_path / "f.png")
    ax = figures[0].axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert not [c for c in ax.collections if isinstance(c, PathCollection)]  # no markers
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == 2 * 4 * 3  # the interposer links, once each
    util = evaluation.network.link_utilisation
    assert np.nanmax(mesh.get_array()) <= util.max() + 1e-12


def test_copies_of_a_model_draw_one_panel_pair_its_slowest(figures, tmp_path):
    evaluation = _evaluate({"integration": "2.5d", "chiplets": {"rows": 4, "cols": 4},
                            "pes": {"rows": 4, "cols": 4}}, ("resnet18",) * 3 + ("resnet34",))
    plots.layer_breakdown(evaluation, tmp_path / "l.png")
    (fig,) = figures
    assert len(fig.axes) == 4
    assert "the slowest of 3 copies" in fig.axes[0].get_title()
