"""One log line and one metric sample per request, under a request id the client sees.

The id comes from the client's X-Request-ID when it is a sane token (a proxy's id keeps one
trace across hops), otherwise it is generated; it is answered in X-Request-ID, added to every
log record of the request (logging_setup.RequestContextFilter) and to error envelopes.
"""
import logging
import time

from flask import g, request

from backend.identity import cached_user_id
from backend.metrics import host_metrics
from backend.request_id import HEADER, new_request_id

log = logging.getLogger("backend.request")

# Probes and scrapes come every few seconds: counted, but logged only at DEBUG.
_QUIET_ROUTES = ("/metrics", "/health", "/health/live", "/health/ready")
# Metric labels take only values the platform chooses: a client can send any method (each
# would be a new series), so the others are counted as "other". Routes are URL rules (one
# "<unmatched>" for 404s and 405s) and statuses are the platform's own answers.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
UNMATCHED = "<unmatched>"


def _start():
    g.request_id = new_request_id()
    g.request_started = time.perf_counter()


def _finish(response):
    # Every request pays for this: the request and g are read once each, not through their
    # proxies at every use.
    here, req = g._get_current_object(), request._get_current_object()
    started = here.pop("request_started", None)
    if started is None:  # a request that failed before _start (not expected) is left alone
        return response
    duration = time.perf_counter() - started
    rule, method, status = req.url_rule, req.method, response.status_code
    route = rule.rule if rule is not None else UNMATCHED
    label = method if method in METHODS else "other"
    metrics = host_metrics()
    metrics.requests.labels(label, route, str(status)).inc()
    metrics.request_seconds.labels(label, route).observe(duration)
    response.headers[HEADER] = here.request_id
    path = req.path
    log.log(logging.DEBUG if route in _QUIET_ROUTES else logging.INFO,
            "%s %s %s in %.1f ms", method, path, status, duration * 1000, extra={
                "method": method, "route": route, "path": path, "status": status,
                "duration_ms": round(duration * 1000, 2), "user_id": cached_user_id(),
                "remote_addr": req.remote_addr, "request_id": here.request_id})
    return response


def current_request_id():
    return g.get("request_id")


def init_app(app):
    app.before_request(_start)
    app.after_request(_finish)
