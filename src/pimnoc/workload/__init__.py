"""Workload IR (a layer DAG), the model zoo and importers."""

from pimnoc.workload.ir import Layer, Workload

__all__ = ["Layer", "Workload"]
