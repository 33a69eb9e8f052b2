"""Reading the process's Prometheus samples in tests (counters only grow: compare deltas)."""
from prometheus_client import REGISTRY


def sample(name, **labels):
    """One sample's value, 0 when it was never recorded."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def total(name, **labels):
    """The sum of every sample of `name` whose labels include `labels`."""
    found = 0.0
    for family in REGISTRY.collect():
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                found += s.value
    return found
