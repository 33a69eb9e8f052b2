"""The integration's Prometheus metrics (prometheus-client), and the observer of Graph calls.

prometheus-client rather than our own counters: its text and OpenMetrics output is what
scrapers parse, and its multiprocess mode sums the workers of a gunicorn server. Metric
objects are created once per process, when the first app registers the blueprint (nothing
at import time), in prometheus-client's default registry, which the host's /metrics serves.
"""
from __future__ import annotations

import threading
from datetime import timezone

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from backend.services.instagram.graph.usage import APP_ACCOUNT

GRAPH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# From a request to Meta's answer for an image, up to Meta's processing of a long reel.
PUBLISH_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600)
# Per-account usage series shown at most (the highest readings): one per account would grow
# with every account connected.
USAGE_ACCOUNTS_SHOWN = 50
TOKEN_REFRESH_OUTCOMES = ("refreshed", "failed", "needs_reauth", "token_changed")
JOB_ROW_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

_lock = threading.Lock()
_metrics = None


class InstagramMetrics:
    """Every metric family of the integration (see docs/operations.md#metrics)."""

    def __init__(self, registry=None):
        opts = {} if registry is None else {"registry": registry}
        self.graph_calls = Counter(
            "instagram_graph_calls_total", "HTTP attempts sent to Meta, by outcome",
            ["method", "endpoint", "outcome"], **opts)
        self.graph_call_seconds = Histogram(
            "instagram_graph_call_duration_seconds", "Duration of one HTTP attempt to Meta",
            ["method", "endpoint"], buckets=GRAPH_BUCKETS, **opts)
        self.graph_errors = Counter(
            "instagram_graph_errors_total", "Meta errors by category, code and subcode",
            ["category", "code", "subcode"], **opts)
        self.graph_retries = Counter(
            "instagram_graph_retries_total", "Attempts to Meta that repeated a failed one",
            ["method", "endpoint"], **opts)
        self.token_refresh = Counter(
            "instagram_token_refresh_total", "Token refresh attempts by outcome",
            ["outcome"], **opts)
        # Served at 0 from the start: an alert comparing failures with successes must see a
        # success series even when no refresh has succeeded (docs/prometheus/alerts.yml).
        for outcome in TOKEN_REFRESH_OUTCOMES:
            self.token_refresh.labels(outcome)
        self.posts = Counter(
            "instagram_posts_finished_total", "Posts that reached a final state",
            ["post_type", "outcome"], **opts)
        self.publish_seconds = Histogram(
            "instagram_post_publish_duration_seconds",
            "From a post's creation to its publication", ["post_type"],
            buckets=PUBLISH_BUCKETS, **opts)
        self.job_rows = Counter(
            "instagram_job_rows_total", "Rows handled by background jobs, by outcome",
            ["job", "outcome"], **opts)
        self.job_row_seconds = Histogram(
            "instagram_job_row_duration_seconds", "Time spent on one row by a job", ["job"],
            buckets=JOB_ROW_BUCKETS, **opts)
        self.job_failures = Counter(
            "instagram_job_failures_total", "Unexpected exceptions in job work on a row",
            ["job"], **opts)
        self.insights_sync = Counter(
            "instagram_insights_sync_total", "What the insights sync did, by outcome",
            ["outcome"], **opts)
        self.shared_state_errors = Counter(
            "instagram_shared_state_errors_total",
            "Redis errors of the shared guards (the process then guards on its own)",
            ["error"], **opts)


def instagram_metrics() -> InstagramMetrics:
    """The process's metrics, created on first use (a registry refuses a name twice)."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = InstagramMetrics()
        return _metrics


class GraphCallObserver:
    """Receives the client's call records and turns them into metrics."""

    def __init__(self, metrics: InstagramMetrics):
        self.metrics = metrics

    def on_call(self, record):
        m = self.metrics
        outcome = "ok" if record.ok else record.error_category or "error"
        m.graph_calls.labels(record.method, record.endpoint, outcome).inc()
        if record.duration_s is not None:
            m.graph_call_seconds.labels(record.method, record.endpoint).observe(
                record.duration_s)
        if record.attempt > 1:
            m.graph_retries.labels(record.method, record.endpoint).inc()
        if not record.ok:
            m.graph_errors.labels(record.error_category, str(record.error_code or ""),
                                  str(record.error_subcode or "")).inc()


class UsageCollector:
    """instagram_graph_usage_percent, read when scraped from the readings the guards act on
    (shared by every worker through Redis, else this process's): a reading older than the
    tracker's max_age (10 minutes) is gone, as the guards ignore it, and of the accounts
    only the `limit` nearest their budget are shown, so the series do not grow with them."""

    def __init__(self, tracker, limit=USAGE_ACCOUNTS_SHOWN):
        self.tracker, self.limit = tracker, limit

    def collect(self):
        family = GaugeMetricFamily(
            "instagram_graph_usage_percent", "Share of Meta's hourly budget used, by the "
            "latest reading of the last 10 minutes (account=\"app\": X-App-Usage; else "
            "X-Business-Use-Case-Usage; the accounts nearest their budget)",
            labels=["host", "account"])
        try:
            readings = self.tracker.fresh()
        except Exception:  # a scrape must answer even if the readings cannot be read
            readings = {}
        apps, accounts = [], []
        for key, usage in readings.items():
            host, _, account = key.rpartition("|")
            if account == APP_ACCOUNT and usage.app:
                apps.append((host, account, max(usage.app.values())))
            elif account in usage.accounts:
                accounts.append((host, account, usage.accounts[account]["percent"]))
        accounts.sort(key=lambda reading: -reading[2])
        for host, account, percent in sorted(apps) + accounts[:self.limit]:
            family.add_metric([host, account], percent)
        yield family


class BreakerCollector:
    """The breaker's state per Meta host, read when scraped (from Redis when it is shared)."""

    STATES = ("closed", "half_open", "open")

    def __init__(self, breaker, hosts):
        self.breaker, self.hosts = breaker, tuple(dict.fromkeys(hosts))

    def collect(self):
        family = GaugeMetricFamily(
            "instagram_circuit_breaker_state",
            "1 for the circuit breaker's current state per Meta host", labels=["host", "state"])
        for host in self.hosts:
            try:
                current = self.breaker.state(host)
            except Exception:  # a scrape must answer even if the state cannot be read
                continue
            for state in self.STATES:
                family.add_metric([host, state], 1.0 if state == current else 0.0)
        yield family


def due_since(post):
    """When a post was due: its publish_at when scheduled, else its request (created_at).
    A scheduled post waits for its time on purpose; that wait is not publishing time."""
    return post.publish_at or post.created_at


def observe_finished_post(post):
    """Count a post that reached published, failed or expired (and time a publication)."""
    metrics = instagram_metrics()
    metrics.posts.labels(post.post_type, post.status).inc()
    due = due_since(post)
    if post.status == "published" and post.published_at and due:
        metrics.publish_seconds.labels(post.post_type).observe(
            max(0.0, (post.published_at - due).total_seconds()))


class WaitingPostsCollector:
    """Posts not yet final, by status, and how long the longest-waiting one has been due:
    read from the database when scraped, so "posts stuck" is one number whichever worker answers.

    Age counts from when a post was due (see due_since): a scheduled reel whose containers
    are made an hour ahead of its time is 0 until that time comes.
    """

    def __init__(self, app, waiting):
        self.app = app
        self.waiting = tuple(waiting)  # the publishing package's statuses (core imports none)

    def collect(self):
        from backend.extensions import db
        from backend.models import SNSPost, utcnow
        WAITING = self.waiting
        count = GaugeMetricFamily("instagram_posts_waiting",
                                  "Posts not yet published, failed or expired", labels=["status"])
        oldest = GaugeMetricFamily("instagram_post_oldest_waiting_seconds",
                                   "Longest time a post not yet final has been due (0 when "
                                   "none; a scheduled post is due at its publish_at)")
        due = db.func.coalesce(SNSPost.publish_at, SNSPost.created_at)
        try:
            with self.app.app_context():
                rows = db.session.execute(
                    db.select(SNSPost.status, db.func.count(SNSPost.id), db.func.min(due))
                    .where(SNSPost.status.in_(WAITING)).group_by(SNSPost.status)).all()
        except Exception:  # a scrape must answer even when the database does not
            return
        first = None
        found = {status: (n, since) for status, n, since in rows}
        for status in WAITING:
            n, since = found.get(status, (0, None))
            count.add_metric([status], n)
            if since is not None:
                since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
                first = since if first is None else min(first, since)
        oldest.add_metric([], 0.0 if first is None else max(
            0.0, (utcnow() - first).total_seconds()))
        yield count
        yield oldest
