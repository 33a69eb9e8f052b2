"""The integration's own rate limiter: its limits apply to its routes only, in any host.

A limiter of its own rather than the host's: a host may have none, or one with defaults of
its own (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION) that are the host's business. This one
skips every request outside the blueprint, and takes no default or application limits from
the host's config; it applies the per-user limit to every endpoint of the blueprint, and the
limits its views add.
"""
from flask import request

from flask_limiter import Limiter

from backend.errors import retry_after_only_when_meaningful
from backend.extensions import user_or_ip_key
from backend.services.instagram.core.blueprint import instagram_bp
from backend.services.instagram.core.runtime import runtime

limiter = Limiter(key_func=user_or_ip_key, default_limits=[], headers_enabled=True,
                  default_limits_exempt_when=lambda: True,
                  application_limits_exempt_when=lambda: True)
# Per user, read from the current app's settings per request. Process-wide, like the
# limiter's blueprint limits: added once, here, or each request would count twice.
limiter.limit(lambda: runtime().settings.INSTAGRAM_RATE_LIMIT)(instagram_bp)

# The names the blueprint is registered under (a host may pick one with name=...).
_names = set()


@limiter.request_filter
def _outside_the_blueprint():
    return request.blueprint not in _names


def init_app(app, name):
    """Limit the blueprint's routes (registered as `name`) on `app`."""
    _names.add(name)
    if limiter in app.extensions.get("limiter", ()):
        return
    # Before the limiter's own hook (hooks run last-registered first): Flask-Limiter puts a
    # Retry-After on every limited answer, successes included.
    app.after_request(_meaningful_retry_after)
    limiter.init_app(app)


def _meaningful_retry_after(response):
    if request.blueprint in _names:
        retry_after_only_when_meaningful(response)
    return response
