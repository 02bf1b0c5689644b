"""`simulation` keys of the flit simulator in a run, and the removed `engine: cycle`."""

from __future__ import annotations

import pytest

from pimnoc.config import parse_run
from pimnoc.errors import ConfigError
from pimnoc.evaluate import evaluate


def _run(run_dict, **simulation):
    run = run_dict()
    run["simulation"] = simulation
    return parse_run(run)


def test_engine_cycle_is_gone_and_the_error_names_the_replacement(run_dict):
    with pytest.raises(ConfigError, match=r"simulation.engine: .*engine: cycle was removed.*"
                                          r"engine: event, network: flit"):
        _run(run_dict, engine="cycle")


def test_flit_backend_takes_router_keys_and_names_unknown_ones(run_dict):
    few = evaluate(_run(run_dict, engine="event", network="flit", granularity="layer",
                        num_vcs=1, vc_buf_size=2), detail=False)
    many = evaluate(_run(run_dict, engine="event", network="flit", granularity="layer"),
                    detail=False)
    # one shallow VC per port stalls packets on their credits: never faster
    assert (few.extra["inference_latency_s"]["mean"]
            >= many.extra["inference_latency_s"]["mean"] * (1 - 1e-12))
    with pytest.raises(ConfigError, match="simulation.num_vc: not a parameter"):
        evaluate(_run(run_dict, engine="event", network="flit", num_vc=2))
    with pytest.raises(ConfigError, match="simulation.num_vcs: not a parameter"):
        evaluate(_run(run_dict, engine="event", network="flow", num_vcs=2))


def test_misspelt_simulation_key_is_an_error_under_the_analytical_engine_too(run_dict):
    with pytest.raises(ConfigError, match="simulation.sample_perod.*sample_period"):
        evaluate(_run(run_dict, engine="analytical", sample_perod=500))
    evaluate(_run(run_dict, engine="analytical", sample_period=500))  # a real key is fine
