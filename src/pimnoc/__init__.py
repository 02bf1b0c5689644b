"""pimnoc: dataflow-aware evaluation of ReRAM processing-in-memory manycores for deep learning."""

__version__ = "0.1.0"
