"""The integration's blueprint object and its endpoint registry (views register on both)."""
from flask import Blueprint, current_app

from backend.errors import APIError
from backend.inputs import cap_request_body
from backend.services.instagram.core.examples import integration_examples
from backend.services.instagram.core.registry import Registry, dump

__all__ = ["instagram_bp", "api", "dump"]

PACKAGE = "backend.services.instagram"
instagram_bp = Blueprint("instagram", __name__, url_prefix="/api/sns/instagram")


@instagram_bp.before_request
def _turned_off():
    """INSTAGRAM_ENABLED=false: every route answers 404 (registered first, so no other hook
    of the blueprint runs for a turned-off integration)."""
    if not current_app.extensions.get("instagram_enabled"):
        raise APIError("The Instagram integration is turned off on this platform "
                       "(INSTAGRAM_ENABLED=false).", code="instagram_disabled", status=404)


# The host platform caps bodies before its rate limiter; a host that does not still gets
# the cap on the integration's routes, before any view reads a body.
instagram_bp.before_request(cap_request_body)


# (name, description) in the order the API docs show them.
TAGS = (
    ("Sprint 2 API", "The `/api/v1` paths of the Sprint 2 plan, on the same services: one "
                     "account is the default, `account_id` chooses among several."),
    ("Instagram accounts", "Connect Instagram Business and Creator accounts (OAuth in the "
                           "browser that opens the connect link), their status, permissions "
                           "and tokens."),
    ("Publishing", "Feed images, carousels, stories and reels: checked first, recorded, never "
                   "published twice; previews, status and uploads."),
    ("Scheduling", "Drafts, scheduled posts, posting slots, best times and the calendar."),
    ("Insights", "Insights of posts, media and accounts, stored as history."),
    ("Media", "The connected account's media, as Instagram lists it."),
    ("Comments", "Comments, replies and moderation; the inbox across accounts; @mentions."),
    ("Webhooks", "Meta's webhook callback and the accounts' subscriptions."),
    ("Documents", "The integration's own OpenAPI document."),
)
MODULE_TAGS = {
    f"{PACKAGE}.api_v1": "Sprint 2 API",
    f"{PACKAGE}.accounts": "Instagram accounts",
    f"{PACKAGE}.publishing.schedule_routes": "Scheduling",
    f"{PACKAGE}.publishing": "Publishing",
    f"{PACKAGE}.insights": "Insights",
    f"{PACKAGE}.media": "Media",
    f"{PACKAGE}.comments": "Comments",
    f"{PACKAGE}.webhooks": "Webhooks",
    f"{PACKAGE}.core": "Documents",
}

# 429: the blueprint's rate limit covers every endpoint, those without a JWT too; endpoints
# without a JWT (the OAuth redirect, Meta's callback) answer 400 for what Meta sends wrong.
api = Registry("Instagram integration", "1.0.0", tags=TAGS, module_tags=MODULE_TAGS,
               examples=integration_examples, common_errors=(429,), public_errors=(400,),
               prefix=instagram_bp.url_prefix,
               mounted_at=lambda: current_app.extensions.get("instagram_url_prefix"))
