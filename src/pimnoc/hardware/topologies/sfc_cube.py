"""SFC-degenerated k-ary n-cube NoI: a k-ary n-cube numbered along a space-filling curve."""

from __future__ import annotations

from pimnoc.errors import ConfigError
from pimnoc.hardware.topologies._common import (
    require_connected,
    require_size,
    straight_lengths,
    unique_edges,
)
from pimnoc.hardware.topologies.floret import floret_ring
from pimnoc.hardware.topologies.noi import NOI_TOPOLOGIES, NoiGraph


def _radix(n_chiplets: int, n: int | None, k: int | None) -> tuple[int, int]:
    """(n, k) with k**n == n_chiplets, from whichever of the two is given (default n = 2)."""
    if k is not None:
        dims, size = 0, 1
        while k > 1 and size < n_chiplets:
            size *= k
            dims += 1
        if k > 1 and size == n_chiplets and (n is None or n == dims):
            return dims, k
    else:
        dims = 2 if n is None else n
        if isinstance(dims, int) and dims >= 1:
            radix = round(n_chiplets ** (1.0 / dims))
            for cand in (radix - 1, radix, radix + 1):
                if cand >= 2 and cand**dims == n_chiplets:
                    return dims, cand
    powers = [f"{b}^{e}" for e in range(1, 8) for b in range(2, n_chiplets + 1)
              if b**e == n_chiplets]
    raise ConfigError(
        f"design.noi.n / design.noi.k: {n_chiplets} chiplets are not a k-ary n-cube with "
        f"n={n!r}, k={k!r}; choose k^n = {n_chiplets} ({', '.join(powers) or 'none exists'})"
        " or another chiplet grid"
    )


@NOI_TOPOLOGIES.register("sfc_cube")
def sfc_cube_noi(rows: int, cols: int, n: int | None = None, k: int | None = None,
                 max_length: float | None = 2.0) -> NoiGraph:
    """SFC-degenerated k-ary n-cube (k^n = chiplets; default n = 2, k from the grid size).

    Sharma, Ogras, Kalyanaraman, Pande, "A Dataflow-Aware Network-on-Interposer for CNN
    Inferencing in the Presence of Defective Chiplets", IEEE TCAD 2024: a k-ary n-cube NoI
    degenerated into its space-filling-curve counterpart. Here the parent cube's labels are
    positions along the Floret loop of Hilbert curves, so digit 0 runs along the curve: each
    dimension-0 ring becomes a curve segment of k chiplets whose tail links to the next
    segment's head (unit links, as Floret). Of the higher dimensions (label p to p + k^j)
    the wrap-around links are dropped, and so is every link longer than `max_length`
    chiplet pitches (None keeps them all). The segments are the curves for placement.
    """
    require_size("sfc_cube", rows, cols, 1, 1)
    total = rows * cols
    dims, radix = _radix(total, n, k)
    if max_length is not None and max_length < 1.0:
        raise ConfigError(
            f"design.noi.max_length: {max_length} pitches is shorter than any link; use >= 1"
        )
    order, _ = floret_ring(rows, cols)
    edges = [(order[p], order[p + 1]) for p in range(total - 1)]
    if rows > 1 and cols > 1 and total > 2:
        edges.append((order[-1], order[0]))
    along_curve = len(edges)
    for j in range(1, dims):
        stride = radix**j
        edges += [(order[p], order[p + stride]) for p in range(total)
                  if (p // stride) % radix < radix - 1]
    edges = list(unique_edges(edges))
    lengths = straight_lengths(edges, cols)
    if max_length is not None:
        keep = [i for i, length in enumerate(lengths)
                if i < along_curve or length <= max_length + 1e-9]
        edges, lengths = [edges[i] for i in keep], tuple(lengths[i] for i in keep)
    require_connected("sfc_cube", total, edges)
    return NoiGraph("sfc_cube", rows, cols, tuple(edges), curve_order=tuple(order),
                    routing="updown",
                    params={"n": dims, "k": radix, "max_length": max_length,
                            "curves": total // radix, "curve_length": radix,
                            "curve_starts": tuple(range(0, total, radix))},
                    lengths=lengths)
