"""The analytical engine: closed-form link loads, packet latency, transfers, critical path."""
