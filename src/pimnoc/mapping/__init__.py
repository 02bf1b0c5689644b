"""Mapping: partition layers onto crossbars and PEs, and place PEs on network nodes.

Order placements register in `placement.PLACEMENTS`; `annealed` (orders found by the DSE
annealing searcher) registers from its own module, imported here.
"""

from pimnoc.mapping import annealed

__all__ = ["annealed"]
