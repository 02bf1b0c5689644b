"""The flit simulator's parameters from a run: `design.network` and `simulation` keys."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from pimnoc.engines.flit.params import SimParams
from pimnoc.errors import ConfigError, suggest
from pimnoc.hardware.tech import NetworkTech


def router_params(net: NetworkTech) -> dict[str, int]:
    """The flit engine's packet size and router delays that `design.network` describes.

    `router_stages` cycles split as BookSim's pipeline: routing, VC allocation, switch
    allocation, switch traversal (1 each for the default 4; extra stages lengthen the
    traversal; 3 stages drop the routing stage, i.e. lookahead routing).
    """
    stages = net.router_stages
    if stages < 3:
        raise ConfigError("design.network.router_stages: the flit engine needs at least 3 "
                          "(VC allocation, switch allocation, switch traversal); set 3 or more")
    routing = 1 if stages >= 4 else 0
    return {"packet_size": net.packet_flits, "routing_delay": routing, "vc_alloc_delay": 1,
            "sw_alloc_delay": 1, "st_prepare_delay": 0, "st_final_delay": stages - 2 - routing}


def sim_params(options: dict[str, Any], net: NetworkTech | None = None):
    """SimParams from `simulation` keys; unknown keys name the nearest parameter.

    With `net`, the packet size and router delays follow `design.network`; giving them in
    `simulation` too is an error unless they agree.
    """

    names = [f.name for f in fields(SimParams)]
    for key in options:
        if key not in names:
            raise ConfigError(f"simulation.{key}: not a flit-simulator parameter"
                              f"{suggest(key, names)}; parameters: {', '.join(names)}")
    given = dict(options)
    if net is not None:
        derived = router_params(net)
        for key, value in derived.items():
            if key in given and given[key] != value:
                owner = "packet_flits" if key == "packet_size" else "router_stages"
                raise ConfigError(
                    f"simulation.{key}: {given[key]!r} disagrees with design.network.{owner} "
                    f"(which gives {value}); set it in design.network only")
        given.update(derived)
    try:
        return SimParams(**given)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"simulation: {exc}") from None
