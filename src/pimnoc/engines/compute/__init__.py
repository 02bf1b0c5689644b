"""The per-layer compute model: crossbar activity, time and energy of every layer."""
