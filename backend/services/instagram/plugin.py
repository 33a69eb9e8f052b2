"""Sets the integration up when its blueprint is registered: config, errors, limits, jobs.

What it sets up is the integration's own: its error envelope and rate limits apply to its
routes only, its log redaction to its own loggers; the host's error pages, limits and logs
stay the host's. INSTAGRAM_ENABLED=false keeps the registration but turns the integration
off: its routes answer 404 `instagram_disabled`, and no job, CLI command or document entry
is added.
"""
import logging
import time

from backend import errors as envelope
from backend.extensions import scheduler
# The feature packages' views register themselves on the blueprint when imported.
from backend.services.instagram.accounts import routes as account_routes  # noqa: F401
from backend.services.instagram.accounts.crypto import load_cipher
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.api_v1 import routes as api_v1_routes  # noqa: F401
from backend.services.instagram.cli import instagram_cli
from backend.services.instagram.comments import first_comment
from backend.services.instagram.comments import routes as comment_routes  # noqa: F401
from backend.services.instagram.comments.poll import poll_comments
from backend.services.instagram.core import deadline as core_deadline  # noqa: F401
from backend.services.instagram.core import signals
from backend.services.instagram.core import views as core_views  # noqa: F401
from backend.services.instagram.core import limits
from backend.services.instagram.core.blueprint import api, instagram_bp
from backend.services.instagram.core.error_handlers import handle_graph_error
from backend.services.instagram.core.metrics import (BreakerCollector, GraphCallObserver,
                                                     UsageCollector, WaitingPostsCollector,
                                                     instagram_metrics)
from backend.services.instagram.core.runtime import InstagramRuntime, shared_store
from backend.services.instagram.graph.breaker import CircuitBreaker
from backend.services.instagram.graph.errors import InstagramAPIError
from backend.services.instagram.graph.redaction import redact_loggers
from backend.services.instagram.graph.usage import UsageTracker
from backend.services.instagram.graph.wire import GraphRequest
from backend.services.instagram.insights import routes as insight_routes  # noqa: F401
from backend.services.instagram.graph.insights_catalogue import RejectedMetrics
from backend.services.instagram.insights.jobs import sync_insights
from backend.services.instagram.media import routes as media_routes  # noqa: F401
from backend.services.instagram.preflight.uploads import ConversionGate
from backend.services.instagram.publishing import routes as publishing_routes  # noqa: F401
from backend.services.instagram.publishing import schedule_routes  # noqa: F401
from backend.services.instagram.publishing.jobs import process_due_posts
from backend.services.instagram.publishing.state_machine import WAITING
from backend.services.instagram.publishing.upload_purge import purge_old_uploads
from backend.services.instagram.settings import resolve
from backend.services.instagram.webhooks import routes as webhook_routes  # noqa: F401
from backend.services.instagram.webhooks import subscriptions
from backend.services.instagram.webhooks.processing import process_events

log = logging.getLogger(__name__)

# Paths the blueprint answers under: the prefix it is registered with (its own, or the
# host's url_prefix=...), and the Sprint 2 plan's /api/v1 paths, which stay where they are.
V1_PREFIXES = ("/api/v1/auth/instagram", "/api/v1/instagram")
envelope.scope_to_blueprint(instagram_bp, V1_PREFIXES)
instagram_bp.register_error_handler(InstagramAPIError, handle_graph_error)


@instagram_bp.record_once
def setup(state):
    """Runs once, when a host registers the blueprint; nothing happens at import time."""
    app = state.app
    settings = resolve(app.config)
    for key, value in settings.model_dump().items():
        app.config.setdefault(key, value)
    app.extensions["instagram_enabled"] = settings.INSTAGRAM_ENABLED
    if not settings.INSTAGRAM_ENABLED:
        log.info("Instagram integration turned off (INSTAGRAM_ENABLED=false)")
        return
    # The integration's loggers and the libraries it calls through; the host's are its own.
    redact_loggers("backend.services.instagram", "urllib3")
    metrics = instagram_metrics()
    store = shared_store(app, settings.INSTAGRAM_REDIS_PREFIX,
                         on_error=lambda error: metrics.shared_state_errors.labels(error).inc())
    # Wall-clock time everywhere: Meta's windows are wall-clock hours, every worker and
    # host must read a shared record alike, and time travel in tests must move them too.
    breaker = CircuitBreaker(failure_threshold=settings.INSTAGRAM_CIRCUIT_FAILURES,
                             cooldown=settings.INSTAGRAM_CIRCUIT_COOLDOWN_SECONDS,
                             clock=time.time, store=store)
    usage = UsageTracker(clock=time.time, store=store)
    app.extensions["instagram"] = InstagramRuntime(
        settings=settings,
        cipher=load_cipher(settings.INSTAGRAM_TOKEN_KEYS,
                           sandbox=settings.INSTAGRAM_SANDBOX,
                           instance_path=app.instance_path),
        metrics=metrics,
        usage=usage,
        breaker=breaker,
        observer=GraphCallObserver(metrics),
        rejected_metrics=RejectedMetrics(
            ttl=settings.INSTAGRAM_REJECTED_METRIC_TTL_HOURS * 3600, clock=time.time,
            store=store),
        store=store, conversions=ConversionGate(settings.INSTAGRAM_IMAGE_CONVERSIONS))
    app.extensions.setdefault("metrics_collectors", []).extend((
        BreakerCollector(breaker, [GraphRequest("GET", url, url).host for url in (
            settings.INSTAGRAM_GRAPH_URL, settings.FACEBOOK_GRAPH_URL,
            settings.INSTAGRAM_OAUTH_URL, settings.INSTAGRAM_RUPLOAD_URL)]),
        UsageCollector(usage), WaitingPostsCollector(app, WAITING)))
    # Where the host mounted it (its own url_prefix, or the parent's and its own when
    # registered inside another blueprint): the OpenAPI document's paths follow.
    app.extensions.setdefault("instagram_url_prefix", state.url_prefix or "")
    # The name requests carry: "parent.instagram" when registered inside another blueprint.
    limits.init_app(app, f"{state.name_prefix}.{state.name}".lstrip("."))
    app.extensions.setdefault("openapi_registries", [])
    if api not in app.extensions["openapi_registries"]:
        app.extensions["openapi_registries"].append(api)
    if "scheduler" not in app.extensions:
        scheduler.init_app(app)
    scheduler.add_job("instagram_refresh_tokens", refresh_due_tokens,
                      minutes=settings.INSTAGRAM_REFRESH_INTERVAL_MINUTES)
    scheduler.add_job("instagram_publish_posts", process_due_posts,
                      seconds=settings.INSTAGRAM_PUBLISH_POLL_SECONDS)
    scheduler.add_job("instagram_purge_uploads", purge_old_uploads, hours=1)
    scheduler.add_job("instagram_sync_insights", sync_insights,
                      minutes=settings.INSTAGRAM_INSIGHTS_SYNC_MINUTES)
    scheduler.add_job("instagram_first_comments", first_comment.process_first_comments,
                      seconds=settings.INSTAGRAM_PUBLISH_POLL_SECONDS)
    scheduler.add_job("instagram_webhook_events", process_events,
                      seconds=settings.INSTAGRAM_WEBHOOK_PROCESS_SECONDS)
    scheduler.add_job("instagram_webhook_subscriptions", subscriptions.retry_subscriptions,
                      minutes=15)
    scheduler.add_job("instagram_poll_comments", poll_comments,
                      minutes=settings.INSTAGRAM_COMMENTS_POLL_MINUTES)
    # Receivers of the integration's own signals (connecting twice is a no-op in blinker).
    signals.post_published.connect(first_comment.on_published)
    signals.account_connected.connect(subscriptions.on_connected)
    signals.account_disconnecting.connect(subscriptions.on_disconnecting)
    app.cli.add_command(instagram_cli)
    if settings.INSTAGRAM_SANDBOX:
        log.warning("Instagram integration in SANDBOX MODE: Meta URLs point at %s; no real "
                    "Instagram account can be connected.", settings.INSTAGRAM_SANDBOX_URL)
