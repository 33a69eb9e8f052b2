"""Meta's callback (verification and deliveries, no JWT) and the caller's subscriptions."""
from flask import request
from pydantic import BaseModel, ConfigDict, Field

from backend.auth import current_user_id
from backend.errors import APIError, NotFound
from backend.extensions import db
from backend.inputs import body_limit, request_body
from backend.models import SNSAccount
from backend.services.instagram.comments import feeds
from backend.services.instagram.comments.models import SNSCommentFeed
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.core.limits import limiter
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.webhooks import SIGNATURE_HEADER
from backend.services.instagram.webhooks import processing, receiver
from backend.services.instagram.webhooks.schemas import Received, SubscriptionList

CHALLENGE = r"^[A-Za-z0-9_\-]{1,128}$"


class VerifyQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    mode: str | None = Field(None, alias="hub.mode", max_length=32)
    verify_token: str | None = Field(None, alias="hub.verify_token", max_length=256)
    challenge: str = Field(alias="hub.challenge", pattern=CHALLENGE,
                           description="Echoed as the body when the token is right.")


def _enabled():
    if not runtime().settings.INSTAGRAM_WEBHOOKS:
        raise NotFound("Webhooks are turned off on this platform (INSTAGRAM_WEBHOOKS).",
                       code="webhooks_disabled")


@api.route(instagram_bp, "/webhooks", "GET", "Meta's verification request (no JWT)",
           auth=False, query=VerifyQuery, errors=(403, 404),
           description="Answers `hub.challenge` as text/plain when `hub.mode` is subscribe "
                       "and `hub.verify_token` is INSTAGRAM_WEBHOOK_VERIFY_TOKEN; 403 "
                       "otherwise.")
@limiter.limit(lambda: runtime().settings.INSTAGRAM_WEBHOOK_RATE_LIMIT)
def verify_webhook(query):
    _enabled()
    challenge = receiver.verify_subscription(query.mode, query.verify_token, query.challenge)
    return challenge, 200, {"Content-Type": "text/plain; charset=utf-8",
                            "X-Content-Type-Options": "nosniff"}


@body_limit(lambda: runtime().settings.INSTAGRAM_WEBHOOK_MAX_BYTES)
@api.route(instagram_bp, "/webhooks", "POST", "Meta's event deliveries (no JWT)",
           auth=False, response=Received, errors=(400, 403, 404, 413),
           description="Accepts only bodies whose X-Hub-Signature-256 is the HMAC-SHA256 of "
                       "the raw body with the app secret (403 and nothing stored otherwise). "
                       "Each change is stored once (a redelivery is a duplicate) and "
                       "processed by a background job. Limited per client address by "
                       "INSTAGRAM_WEBHOOK_RATE_LIMIT instead of the per-user limit.")
@limiter.limit(lambda: runtime().settings.INSTAGRAM_WEBHOOK_RATE_LIMIT)
def receive_webhook():
    _enabled()
    limit = runtime().settings.INSTAGRAM_WEBHOOK_MAX_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    body = request_body()  # capped at the limit (body_limit below), chunked bodies too
    if len(body) > limit:
        raise _too_large(limit)
    counts = receiver.receive(body, request.headers.get(SIGNATURE_HEADER))
    if counts["stored"]:
        processing.kick()
    return dump(Received, counts)


def _too_large(limit):
    return APIError(f"A webhook delivery may have at most {limit} bytes "
                    "(INSTAGRAM_WEBHOOK_MAX_BYTES).", code="payload_too_large", status=413)


@api.route(instagram_bp, "/webhooks/subscriptions", "GET",
           "How each of your accounts gets its comments", response=SubscriptionList,
           description="`delivery` is webhooks when the account is subscribed to comments, "
                       "else polling; `error` says why a subscription failed.")
def list_subscriptions():
    settings = runtime().settings
    rows = db.session.execute(
        db.select(SNSAccount, SNSCommentFeed)
        .outerjoin(SNSCommentFeed, SNSCommentFeed.account_id == SNSAccount.id)
        .where(SNSAccount.user_id == current_user_id(), SNSAccount.platform == "instagram",
               SNSAccount.status != "disconnected").order_by(SNSAccount.id)).all()
    return dump(SubscriptionList, {"webhooks_enabled": settings.INSTAGRAM_WEBHOOKS,
                                   "accounts": [_describe(a, f, settings) for a, f in rows]})


def _describe(account, feed, settings):
    return {"account_id": account.id, "delivery": feeds.mode(feed, settings),
            "subscribed_fields": (feed and feed.subscribed_fields) or [],
            "subscribed_at": feed and feed.subscribed_at,
            "error": feed and feed.subscription_error,
            "next_attempt_at": feed and feed.next_subscribe_at,
            "last_event_at": feed and feed.last_event_at,
            "polled_at": feed and feed.polled_at}
