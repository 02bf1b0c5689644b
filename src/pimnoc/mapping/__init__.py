"""Mapping: partition layers onto crossbars and PEs, and place PEs on network nodes."""
