"""Helpers shared by several test modules (pytest puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

from pimnoc.workload.builder import GraphBuilder

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "tests" / "data"


def small_cnn(name: str, width: int = 48):
    """A small CNN with a residual add and a concat (a few crossbars per layer)."""
    g = GraphBuilder(name, 3, (16, 16))
    a = g.conv("c1", "input", width, 3, padding=1)
    b = g.conv("c2", a, width, 3, padding=1)
    s = g.add("add", a, b)
    c = g.conv("c3", s, width, 1)
    cat = g.concat("cat", s, c)
    p = g.global_pool("pool", cat)
    g.linear("fc", p, 10)
    return g.build()


def all_pairs_hops(routing):
    """Hops of the route between every pair of nodes (walked, as the models walk them)."""
    import numpy as np

    n = routing.topology.num_nodes
    src, dst = np.divmod(np.arange(n * n), n)
    hops = np.zeros(n * n, dtype=int)
    for active, _link in routing.walk(src, dst):
        hops[active] += 1
    return hops.reshape(n, n)


def random_flows(rng, nodes, n: int, bits=None):
    """`n` activation flows between random `nodes` (one producer -> consumer edge), with
    random multicast groups; `bits` default: spread over 14 decades, so that sums depend on
    their order."""
    import numpy as np

    from pimnoc.traffic.flows import ACTIVATION, Flows

    src, dst = rng.choice(nodes, n), rng.choice(nodes, n)
    if bits is None:
        bits = rng.random(n) * rng.choice([1.0, 1e-7, 1e7], n)
    zeros = np.zeros(n, dtype=np.int64)
    return Flows(src, dst, bits, zeros, zeros + 1, np.full(n, ACTIVATION),
                 rng.integers(0, max(1, n // 2), n))
