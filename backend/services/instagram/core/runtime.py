"""The integration's per-app runtime: settings, token cipher, shared HTTP session and guards."""
import logging
from dataclasses import dataclass, field

import requests
from flask import current_app

from backend.services.instagram.graph.shared_state import LocalStore, RedisStore
from backend.services.instagram.graph.watchdog import guarded_session

log = logging.getLogger(__name__)


@dataclass
class InstagramRuntime:
    """Everything the integration shares across requests and jobs of one app."""

    settings: dict
    cipher: object
    metrics: object
    session: requests.Session = field(default_factory=lambda: pooled_session())
    usage: object = None
    breaker: object = None
    observer: object = None
    quota_cache: dict = field(default_factory=dict)
    # Metrics Meta refused lately, per (version, kind); see insight_catalogue.RejectedMetrics.
    rejected_metrics: object = None
    # Where usage, breaker and rejected metrics live: this process, or Redis (all workers).
    store: object = None
    # Bounds how many uploaded images are decoded at once (preflight.uploads.ConversionGate).
    conversions: object = None


def pooled_session(connections_per_host=64):
    """One keep-alive pool for every request thread and job thread of the process; requests'
    default of 10 connections per host would open and drop a connection per call beyond that
    (the token refresh job alone has INSTAGRAM_REFRESH_CONCURRENCY calls in flight). Its
    adapter lets each Graph attempt end at its deadline in any phase (graph/watchdog.py)."""
    return guarded_session(pool_maxsize=connections_per_host, pool_connections=8)


def runtime(app=None):
    return (app or current_app).extensions["instagram"]


def redis_url(config):
    """REDIS_URL, or the rate limiter's storage when that is Redis; None without Redis."""
    url = config.get("REDIS_URL")
    if not url:
        limiter_uri = str(config.get("RATELIMIT_STORAGE_URI") or "")
        url = limiter_uri if limiter_uri.startswith(("redis://", "rediss://")) else None
    return url


def shared_store(app, prefix, on_error):
    """The app's store for the guards: Redis when configured (one per app), else local."""
    store = app.extensions.get("shared_store")
    if store is None:
        url = redis_url(app.config)
        store = RedisStore.from_url(url, prefix, on_error=on_error) if url else LocalStore()
        app.extensions["shared_store"] = store
        if url:
            log.info("Instagram guards shared through Redis (key prefix %r)", prefix)
    return store
