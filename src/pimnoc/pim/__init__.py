"""Compute side: ReRAM crossbar technology parameters and per-layer compute models."""
