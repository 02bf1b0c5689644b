"""Thermal model: stack description -> power map -> steady / transient temperatures.

Layers are listed from the heat sink outwards; tier 0 is the active tier nearest the sink.
"""

from pimnoc.analysis.thermal.errors import ThermalError, ThermalRunawayError
from pimnoc.analysis.thermal.grid import DEFAULT_NX, DEFAULT_NY, ThermalModel, build_model
from pimnoc.analysis.thermal.materials import Material, composite
from pimnoc.analysis.thermal.power import power_map
from pimnoc.analysis.thermal.solve import (
    LEAKAGE_BETA_PER_K,
    LEAKAGE_T_REF_K,
    LeakageResult,
    ThermalResult,
    TransientResult,
    leakage_power,
    solve_steady,
    solve_steady_with_leakage,
    solve_transient,
)
from pimnoc.analysis.thermal.stack import (
    AMBIENT_K,
    HeatSink,
    Layer,
    Stack,
    stack_2d,
    stack_2p5d,
    stack_3d,
)

__all__ = [
    "AMBIENT_K",
    "DEFAULT_NX",
    "DEFAULT_NY",
    "LEAKAGE_BETA_PER_K",
    "LEAKAGE_T_REF_K",
    "HeatSink",
    "Layer",
    "LeakageResult",
    "Material",
    "Stack",
    "ThermalError",
    "ThermalModel",
    "ThermalResult",
    "ThermalRunawayError",
    "TransientResult",
    "build_model",
    "composite",
    "leakage_power",
    "power_map",
    "solve_steady",
    "solve_steady_with_leakage",
    "solve_transient",
    "stack_2d",
    "stack_2p5d",
    "stack_3d",
]
