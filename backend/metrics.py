"""Prometheus metrics of the platform and GET /metrics for scrapers (never a user's JWT).

Requests by route and status, and background job runs, are counted here; the Instagram
integration adds its own families to the same default registry and its live collectors to
`app.extensions["metrics_collectors"]`. Under gunicorn with PROMETHEUS_MULTIPROC_DIR set
(gunicorn.conf.py does it) every worker writes its samples to files there and a scrape of
any worker answers the sum of all of them.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading

from flask import Response, current_app, request
from prometheus_client import (REGISTRY, CollectorRegistry, Counter, Histogram,
                               disable_created_metrics, multiprocess)
from prometheus_client.exposition import choose_encoder

from backend.config import SettingsError, allowed_networks
from backend.errors import error_response

log = logging.getLogger(__name__)

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

_lock = threading.Lock()
_metrics = None


class HostMetrics:
    def __init__(self):
        self.requests = Counter("http_requests_total", "HTTP requests answered",
                                ["method", "route", "status"])
        self.request_seconds = Histogram("http_request_duration_seconds",
                                         "Time to answer an HTTP request", ["method", "route"],
                                         buckets=REQUEST_BUCKETS)
        self.job_runs = Counter("background_job_runs_total", "Runs of scheduled jobs",
                                ["job", "outcome"])
        self.job_seconds = Histogram("background_job_duration_seconds",
                                     "Duration of one run of a scheduled job", ["job"],
                                     buckets=JOB_BUCKETS)
        self.notifications = Counter("notifications_created_total",
                                     "Notifications stored for users", ["kind"])


def host_metrics() -> HostMetrics:
    """The process's host metrics, created on first use."""
    global _metrics
    with _lock:
        if _metrics is None:
            # No *_created series: they double the series and multiprocess mode drops them.
            disable_created_metrics()
            _metrics = HostMetrics()
        return _metrics


def multiprocess_dir():
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(
        "prometheus_multiproc_dir")


class _Union:
    """Collectors of several registries as one (a scrape is one exposition)."""

    def __init__(self, *sources):
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()


def exposition_registry(app):
    """What a scrape answers: every worker's samples (or this process's), plus live state."""
    if multiprocess_dir():
        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        base = REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Union(base, *app.extensions.get("metrics_collectors", ())))
    return registry


def metrics_view():
    if not _scraper_allowed():
        _log_refusal(request.remote_addr)
        return error_response("forbidden", "Metrics are served to loopback, to the addresses "
                              "in METRICS_ALLOW_FROM, or with the METRICS_TOKEN.", 403)
    encoder, content_type = choose_encoder(request.headers.get("Accept"))
    return Response(encoder(exposition_registry(current_app)), content_type=content_type)


# Headers a reverse proxy adds: behind one every client seems to come from the proxy's
# address, so a forwarded request is never taken for a local one.
FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP",
             "CF-Connecting-IP", "Fastly-Client-IP", "X-Cluster-Client-IP")


def _scraper_allowed():
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()):
        return True
    if any(request.headers.get(name) for name in FORWARDED):
        return False
    return _address_allowed(request.remote_addr, current_app.config["METRICS_ALLOW_FROM"])


def _address_allowed(address, allow_from):
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    # A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d: either form may be listed.
    forms = [ip] + [mapped for mapped in [getattr(ip, "ipv4_mapped", None)] if mapped]
    return any(form in network for form in forms for network in allow_from)


_refused = set()
_REFUSED_REMEMBERED = 1024  # addresses logged; past that, refusals are only answered


def _log_refusal(address):
    """One INFO line per refused address and process (a scraper retries every few seconds)."""
    with _lock:
        if address in _refused or len(_refused) >= _REFUSED_REMEMBERED:
            return
        _refused.add(address)
    log.info("metrics: refused a scrape from %s (not in METRICS_ALLOW_FROM, forwarded by a "
             "proxy, or without the METRICS_TOKEN); said once per address", address)


def parse_networks(text):
    """"127.0.0.0/8, ::1" as a tuple of networks; SettingsError names the bad entry."""
    try:
        return allowed_networks(text)
    except SettingsError as exc:
        raise SettingsError(f"invalid settings: {exc}") from None


def init_app(app):
    host_metrics()
    app.config["METRICS_ALLOW_FROM"] = parse_networks(app.config.get("METRICS_ALLOW_FROM"))
    app.add_url_rule("/metrics", "metrics", metrics_view)
