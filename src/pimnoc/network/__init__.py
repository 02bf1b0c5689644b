"""Interconnect: topologies, routing, traffic and network models."""
