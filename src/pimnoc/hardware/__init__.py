"""What the chip is made of: component figures with their sources, chiplet I/O presets."""
