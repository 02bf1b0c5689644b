"""Mapping: partition layers onto crossbars and PEs, and place PEs on network nodes."""

from pimnoc.search import greedy  # noqa: F401  (registers the "greedy" placement)
