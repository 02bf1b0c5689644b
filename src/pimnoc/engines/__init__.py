"""Engines that turn a mapped workload and its traffic into time and energy.

The per-layer compute model (`compute/`), the analytical network model (`analytical/`) and the
flit-level simulator (`flit/`).
"""
