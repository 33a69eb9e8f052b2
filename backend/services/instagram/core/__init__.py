"""The integration's frame: blueprint, endpoint registry, runtime, leases, metrics, errors."""
