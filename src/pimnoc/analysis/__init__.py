"""Thermal and accuracy analysis over an evaluation's power map."""
