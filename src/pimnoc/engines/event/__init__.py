"""The event engine: executes the mapped dataflow (tasks on PEs, messages as max-min fair flows)."""
