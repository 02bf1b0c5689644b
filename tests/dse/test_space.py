"""Design-space parsing: dotted paths, ranges, constraints, hashing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimnoc.dse.constraints import config_lookup, parse_constraint
from pimnoc.dse.space import config_hash, parse_space
from pimnoc.errors import ConfigError


def test_grid_of_choices_and_step_range(space_dict):
    space = parse_space(space_dict())
    assert [d.path for d in space.dimensions] == ["design.chiplets.rows", "design.chiplets.cols",
                                                   "mapping.placement", "design.pe.crossbars"]
    assert space.dimensions[3].values == (32, 64, 96)
    assert space.grid_size == 36 == len(list(space.grid()))
    first = next(space.grid())
    assert space.config(first)["design"]["chiplets"] == {"rows": 2, "cols": 2}


def test_log_and_float_ranges(space_dict):
    space = parse_space(space_dict(space={
        "design.pe.crossbars": {"min": 16, "max": 256, "log": True, "num": 5},
        "design.network.flit_bits": {"min": 16, "max": 64, "step": 16},
        "design.pe.read_pulse_ns": {"min": 1.0, "max": 2.0, "num": 3},
    }))
    values = {d.path: d.values for d in space.dimensions}
    assert values["design.pe.crossbars"] == (16, 32, 64, 128, 256)
    assert values["design.network.flit_bits"] == (16, 32, 48, 64)
    assert values["design.pe.read_pulse_ns"] == (1.0, 1.5, 2.0)


@pytest.mark.parametrize("path, hint", [
    ("design.chiplet.rows", "did you mean 'chiplets'"),
    ("design.pe.crossbar", "did you mean 'crossbars'"),
    ("mapping.placemnt", "did you mean 'placement'"),
])
def test_unknown_dotted_path_suggests(space_dict, path, hint):
    with pytest.raises(ConfigError, match=hint):
        parse_space(space_dict(space={path: [1, 2]}))


@pytest.mark.parametrize("spec, message", [
    ({"min": 8, "max": 2, "step": 2}, "greater than max"),
    ({"min": 2, "max": 8, "step": 0}, "must be positive"),
    ({"min": 2, "max": 8}, "needs step"),
    ({"min": 0, "max": 8, "log": True, "num": 3}, "min > 0"),
    ({"min": 2, "max": 8, "stp": 2}, "did you mean 'step'"),
    ({"max": 8, "step": 2}, "needs both min and max"),
])
def test_bad_ranges(space_dict, spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_space(space_dict(space={"design.pe.crossbars": spec}))


def test_invalid_choice_names_the_key(space_dict):
    with pytest.raises(ConfigError, match=r"design.integration: value '4d'"):
        parse_space(space_dict(space={"design.integration": ["2d", "4d"]}))


def test_unknown_top_key_and_objective(space_dict):
    with pytest.raises(ConfigError, match="did you mean 'search'"):
        parse_space({**space_dict(), "serach": {}})
    with pytest.raises(ConfigError, match="did you mean 'latency_s'"):
        parse_space(space_dict(objectives={"latncy_s": "min"}))
    with pytest.raises(ConfigError, match="'min' or 'max'"):
        parse_space(space_dict(objectives={"latency_s": "lowest"}))


def test_config_constraints_prune_points(space_dict):
    space = parse_space(space_dict(constraints=[
        "design.chiplets.rows * design.chiplets.cols <= 6",
        "mapping.placement != 'row_major'",
        "area_mm2 <= 400",
    ]))
    points = list(space.grid())
    assert len(points) == 3 * 2 * 3
    assert all(p["design.chiplets.rows"] * p["design.chiplets.cols"] <= 6 for p in points)
    assert [c.text for c in space.metric_constraints] == ["area_mm2 <= 400"]


@pytest.mark.parametrize("text", [
    "__import__('os').system('true') == 0",
    "area_mm2.__class__ <= 4",
    "[x for x in ()] == []",
    "area_mm2",
    "lambda: 1 == 1",
    "open('x') == 1",
])
def test_constraints_reject_code(text):
    with pytest.raises(ConfigError):
        c = parse_constraint(text)
        c.holds(lambda name: 1.0)  # never reached for rejected syntax


def test_constraint_evaluation():
    c = parse_constraint("2 * max(area_mm2, 1) + -energy_j.total < 10 <= latency_s")
    values = {"area_mm2": 3.0, "energy_j.total": 1.0, "latency_s": 10}
    assert c.holds(values.__getitem__)
    assert not c.on_config
    c = parse_constraint("area_mm2 <= 100")
    assert c.violation({"area_mm2": 150.0}.__getitem__) > 0
    assert c.violation({"area_mm2": 50.0}.__getitem__) == 0
    lookup = config_lookup({"design": {"pes": {"rows": 3}}})
    assert parse_constraint("design.pes.rows == 3").holds(lookup)


def test_config_hash_fills_defaults(space_dict):
    base = space_dict()["base"]
    explicit = {**base, "simulation": {"engine": "analytical"}}
    assert config_hash(base) == config_hash(explicit)
    other = {**base, "mapping": {"placement": "hilbert"}}
    assert config_hash(base) != config_hash(other)
    assert config_hash(base) != config_hash(base, {"anneal": {"seed": 1}})


SECTION_VARIANTS = {
    "workload": [{"networks": [{"model": "resnet18", "input_hw": 32}]},
                 {"networks": [{"model": "vgg16", "input_hw": 32}], "batch": 2},
                 {"networks": []}, {"networks": [{"modle": "x"}]}, None],
    "design": [{"integration": "2d", "pes": {"rows": 4, "cols": 4}},
               {"integration": "2.5d", "pes": {"rows": 2, "cols": 2},
                "chiplets": {"rows": 2, "cols": 2}, "noi": {"topology": "kite"}},
               {"pes": {"rows": 2, "cols": 2}, "noi": {"interface": "no-such-preset"}},
               {"pes": {"rows": 0, "cols": 2}}, {"pes": {"rows": 2.0, "cols": 2}}],
    "mapping": [{}, {"seed": 3}, {"placement": "snake", "replication": 2}, {"seed": "x"},
                {"replication": True}],
    "simulation": [{"engine": "event"}, {"engine": "analytical", "routing": "xy", "k": 1},
                   {"rate_ips": -1}],
    "thermal": [{"enabled": True, "nx": 16}, {}],
    "junk": [1],
}


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({}, optional={name: st.sampled_from(values)
                                           for name, values in SECTION_VARIANTS.items()}),
       st.sampled_from([None, {}, {"anneal": {"seed": 1, "steps": 2}}]))
def test_config_hash_by_sections_is_the_hash_of_the_whole_normalised_config(config, extra):
    """Assembling the canonical text from cached sections gives the hash stores hold."""
    import hashlib
    import json

    from pimnoc.dse.space import normalised

    payload = {"run": normalised(config)}
    if extra:
        payload["extra"] = extra
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    assert config_hash(config, extra) == hashlib.sha256(text.encode()).hexdigest()
    assert config_hash(config, extra) == config_hash(config, extra)  # from the cache


def test_point_hash_reusing_base_sections_is_the_config_hash(space_dict):
    space = parse_space(space_dict())
    for params in space.grid():
        config = space.config(params)
        assert space.point_hash(config, params) == config_hash(config)
        assert space.point_hash(config, params, {"anneal": {"seed": 2}}) == \
            config_hash(config, {"anneal": {"seed": 2}})
    assert space.base == parse_space(space_dict()).base  # points share, never change, the base


def test_search_options_are_checked(space_dict):
    from pimnoc.dse.searchers import make_searcher

    with pytest.raises(ConfigError, match="did you mean 'nsga2'"):
        make_searcher(parse_space(space_dict(search={"strategy": "nsga"})))
    with pytest.raises(ConfigError, match="did you mean 'trials'"):
        make_searcher(parse_space(space_dict(search={"strategy": "random", "trails": 3})))
    with pytest.raises(ConfigError, match="needs objectives"):
        make_searcher(parse_space(space_dict(search={"strategy": "nsga2"}, objectives={})))


def test_random_is_seeded_and_distinct(space_dict):
    from pimnoc.dse.searchers import make_searcher

    def hashes(seed):
        space = parse_space(space_dict(search={"strategy": "random", "trials": 10, "seed": seed}))
        return [t.config_hash for t in make_searcher(space).ask()]

    assert hashes(3) == hashes(3)
    assert hashes(3) != hashes(4)
    assert len(set(hashes(3))) == 10
