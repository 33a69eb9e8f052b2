"""The integration's own rate limiter: its limits apply to its routes only, in any host.

A limiter of its own rather than the host's: a host may have none, or one with defaults of
its own (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION) that are the host's business. This one
skips every request outside the blueprint, and takes no default or application limits from
the host's config; it applies the per-user limit to every endpoint of the blueprint, and the
limits its views add. The host's own Flask-Limiter, in turn, skips the blueprint's requests
(a request filter added to it, whether it was set up before or after the registration): its
defaults keep counting the host's routes only.
"""
import weakref

from flask import current_app, request

from flask_limiter import Limiter

from backend.errors import retry_after_only_when_meaningful
from backend.extensions import user_or_ip_key
from backend.services.instagram.core import memory_storage  # noqa: F401  (memory://)
from backend.services.instagram.core.blueprint import instagram_bp
from backend.services.instagram.core.runtime import runtime

limiter = Limiter(key_func=user_or_ip_key, default_limits=[], headers_enabled=True,
                  default_limits_exempt_when=lambda: True,
                  application_limits_exempt_when=lambda: True)
# Per user, read from the current app's settings per request. Process-wide, like the
# limiter's blueprint limits: added once, here, or each request would count twice.
limiter.limit(lambda: runtime().settings.INSTAGRAM_RATE_LIMIT)(instagram_bp)

# Seconds a 429 of the blueprint asks a client to wait when nothing says how long.
RETRY_AFTER_FALLBACK = 60

# The names the blueprint is registered under (a host may pick one with name=...).
_names = set()


@limiter.request_filter
def _outside_the_blueprint():
    return request.blueprint not in _names


# The host's limiters already told to skip the blueprint's requests.
_host_limiters = weakref.WeakSet()


def _inside_the_blueprint():
    return request.blueprint in _names


def _host_limiters_skip_the_blueprint(app=None):
    """Add the filter to every other Flask-Limiter of the app (cheap once done)."""
    for other in (app or current_app).extensions.get("limiter", ()):
        if other is not limiter and other not in _host_limiters:
            other.request_filter(_inside_the_blueprint)
            _host_limiters.add(other)


def init_app(app, name):
    """Limit the blueprint's routes (registered as `name`) on `app`, with its own limits
    only: the host's limiters skip them."""
    _names.add(name)
    _host_limiters_skip_the_blueprint(app)
    if limiter in app.extensions.get("limiter", ()):
        return
    # A host limiter set up after the registration: its check runs after this hook.
    app.before_request(_host_limiters_skip_the_blueprint)
    # Before the limiter's own hook (hooks run last-registered first): Flask-Limiter puts a
    # Retry-After on every limited answer, successes included.
    app.after_request(_meaningful_retry_after)
    limiter.init_app(app)


def _meaningful_retry_after(response):
    """On the blueprint's answers: Retry-After only on a 429 or a 503, and on every 429 (a
    throttle whose end Meta did not say gets RETRY_AFTER_FALLBACK seconds)."""
    if request.blueprint in _names:
        retry_after_only_when_meaningful(response)
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(RETRY_AFTER_FALLBACK)
    return response
