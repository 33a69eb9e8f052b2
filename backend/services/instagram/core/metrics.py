"""In-process operational metrics (counters and timings) with a Prometheus text rendering."""
import threading
from collections import defaultdict

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Thread-safe counters and histograms keyed by name and sorted label pairs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counters = defaultdict(float)
        self._histograms = {}

    def inc(self, name, amount=1, **labels):
        with self._lock:
            self._counters[(name, tuple(sorted(labels.items())))] += amount

    def observe(self, name, seconds, **labels):
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            hist = self._histograms.setdefault(key, {"count": 0, "sum": 0.0,
                                                     "buckets": [0] * len(BUCKETS)})
            hist["count"] += 1
            hist["sum"] += seconds
            # Buckets are cumulative, as Prometheus expects: each counts all at or below it.
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    hist["buckets"][i] += 1

    def snapshot(self):
        """Counters and histogram summaries as JSON-friendly data."""
        with self._lock:
            counters = [{"name": n, "labels": dict(l), "value": v}
                        for (n, l), v in sorted(self._counters.items())]
            timings = [{"name": n, "labels": dict(l), "count": h["count"],
                        "sum_seconds": round(h["sum"], 6)}
                       for (n, l), h in sorted(self._histograms.items())]
        return {"counters": counters, "timings": timings}

    def render_prometheus(self):
        lines = []
        with self._lock:
            for (name, labels), value in sorted(self._counters.items()):
                lines.append(f"{name}{_labels(labels)} {value:g}")
            for (name, labels), hist in sorted(self._histograms.items()):
                for bound, count in zip(BUCKETS, hist["buckets"]):
                    lines.append(f"{name}_bucket{_labels(labels + (('le', str(bound)),))} "
                                 f"{count}")
                lines.append(f"{name}_bucket{_labels(labels + (('le', '+Inf'),))} "
                             f"{hist['count']}")
                lines.append(f"{name}_sum{_labels(labels)} {hist['sum']:.6f}")
                lines.append(f"{name}_count{_labels(labels)} {hist['count']}")
        return "\n".join(lines) + "\n"


def _labels(pairs):
    if not pairs:
        return ""
    inner = ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"'))
                     for k, v in pairs)
    return "{" + inner + "}"


class GraphCallObserver:
    """Receives the client's call records and turns them into metrics."""

    def __init__(self, metrics):
        self.metrics = metrics

    def on_call(self, record):
        outcome = "ok" if record.ok else record.error_category or "error"
        labels = {"method": record.method, "endpoint": record.endpoint, "outcome": outcome}
        self.metrics.inc("instagram_graph_calls_total", **labels)
        if record.duration_s is not None:
            self.metrics.observe("instagram_graph_call_seconds", record.duration_s,
                                 method=record.method, endpoint=record.endpoint)
        if not record.ok:
            self.metrics.inc("instagram_graph_errors_total", category=record.error_category,
                             code=str(record.error_code or ""),
                             subcode=str(record.error_subcode or ""))
