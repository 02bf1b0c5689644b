"""Mapping: partition layers onto crossbars and PEs, and place PEs on network nodes."""

from pimnoc.mapping import greedy  # noqa: F401  (registers the "greedy" placement)
