"""Traffic: the flows (bits per inference) a mapped workload sends between nodes."""
