"""Unit conversions: every internal quantity is SI (s, J, m, bit, W, K)."""

PICO = 1e-12
NANO = 1e-9
MICRO = 1e-6
MILLI = 1e-3
GIGA = 1e9
MM = 1e-3  # metres per millimetre
UM2_PER_MM2 = 1e6


def pj(value: float) -> float:
    """Picojoules to joules."""
    return value * PICO


def ns(value: float) -> float:
    """Nanoseconds to seconds."""
    return value * NANO


def ghz(value: float) -> float:
    """Gigahertz to hertz."""
    return value * GIGA


def um2_to_mm2(value: float) -> float:
    """Square micrometres to square millimetres."""
    return value / UM2_PER_MM2
