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


ENGINEERING_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (MILLI, "m"),
                        (MICRO, "µ"), (NANO, "n"), (PICO, "p"))


def engineering(value: float, unit: str, digits: int = 4) -> str:
    """`value` (SI) with an engineering prefix: 0.0004527 s -> '452.7 µs'."""
    if value == 0 or value != value or abs(value) == float("inf"):
        return f"{value:g} {unit}"
    for scale, prefix in ENGINEERING_PREFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {prefix}{unit}"
    return f"{value / PICO:.{digits}g} p{unit}"
