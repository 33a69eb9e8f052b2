"""Insights of posts and media: fetched from Meta, stored, cached, and honest about gaps."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.errors import APIError, NotFound
from backend.extensions import db
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.insights_catalogue import (
    CAROUSEL, FEED, REELS, STORY, default_media_metrics, media_kind, media_metric_status)
from backend.services.instagram.graph.insights_fetch import fetch_media, parse_time
from backend.services.instagram.graph.wire import GRAPH_ID
from backend.services.instagram.insights.store import latest_media_values, save_media_snapshot
from backend.services.instagram.publishing import posts

STORY_LIFETIME = timedelta(hours=24)
MEDIA_FIELDS = "id,media_type,media_product_type,timestamp,owner"
POST_KINDS = {"carousel": CAROUSEL, "story": STORY, "reel": REELS}
MESSAGES = {
    "available": None,
    "not_fetched": "No insights are stored for this media yet; ask without refresh=false.",
    "not_available_yet": "Instagram has no insights for this media yet: they can take up to "
                         "48 hours to appear. This is not a zero.",
    "not_enough_viewers": "Instagram shows insights only for stories with at least 5 viewers.",
    "expired": "Instagram keeps story insights for 24 hours only; these are the last values "
               "the platform stored.",
    "not_supported": "Instagram has no insights for this media (items inside a carousel, "
                     "ads): see the carousel's own insights.",
    "stale": "Instagram could not be asked right now; these are the last stored values.",
}


@dataclass
class Target:
    """The media whose insights are read, and what the platform knows of it."""

    media_id: str
    account: SNSAccount
    post: SNSPost | None = None
    kind: str | None = None
    media_product_type: str | None = None
    media_type: str | None = None
    created: datetime | None = None


def for_post(user_id, post_id):
    post = posts.get_owned(user_id, post_id)
    if post.status != "published" or not post.platform_post_id:
        raise APIError("This post is not published; insights exist once it is.",
                       code="post_not_published", status=409, details={"status": post.status})
    return post_target(post, db.session.get(SNSAccount, post.account_id))


def post_target(post, account):
    kind = POST_KINDS.get(post.post_type, FEED)
    return Target(media_id=post.platform_post_id, account=account, post=post, kind=kind,
                  media_product_type=post.media_product_type or ("STORY" if kind == STORY
                                                                 else "FEED"),
                  media_type="CAROUSEL_ALBUM" if kind == CAROUSEL else None,
                  created=post.published_at)


def for_media(user_id, account_id, media_id):
    account = connected.get_owned(user_id, account_id)
    if not GRAPH_ID.fullmatch(media_id):  # as on every other media path: no such media
        raise NotFound("No media with this id: Instagram media ids are digits.",
                       code="media_not_found")
    post = db.session.execute(db.select(SNSPost).where(
        SNSPost.account_id == account.id, SNSPost.platform_post_id == media_id,
        SNSPost.status == "published")).scalars().first()
    if post is not None:
        return post_target(post, account)
    return Target(media_id=media_id, account=account)


def report(target, refresh=None, metrics=None):
    """The media's insights: stored when fresh or asked (refresh=False), else from Meta.

    `refresh` None answers stored values when every asked metric was fetched less than
    INSTAGRAM_INSIGHTS_CACHE_SECONDS ago; True always asks Meta; False never does. Stored
    answers hold the newest value of each metric, whichever fetch brought it.
    """
    now = utcnow()
    settings = runtime().settings
    stored = latest_media_values(target.media_id, target.account.id, metrics)
    _learn_kind(target, stored)
    if refresh is False:
        return _answer(target, stored, "available" if stored else "not_fetched", "stored",
                       unavailable=_left_out(target, metrics))
    cache = timedelta(seconds=settings.INSTAGRAM_INSIGHTS_CACHE_SECONDS)
    if refresh is None and _covers(target, stored, metrics) and all(
            now - row.fetched_at < cache for row in stored):
        return _answer(target, stored, "available", "cache",
                       unavailable=_left_out(target, metrics))
    if target.kind == STORY and target.created and now - target.created > STORY_LIFETIME:
        return _answer(target, stored, "expired", "stored")
    connection = connected.connection_status(target.account)
    if connection in ("needs_reauth", "disconnected"):
        if stored:
            return _answer(target, stored, "stale", "stored",
                           message="The account needs to be connected again; these are the "
                                   "last stored values.")
        raise APIError("The account needs to be connected again before insights can be read.",
                       code=f"account_{connection}", status=409)
    connected.require_insights_permission(target.account)
    try:
        return fetch_and_store(target, metrics, now)
    except (graph.TransientError, graph.RateLimitError) as exc:
        if not stored:
            raise
        return _answer(target, stored, "stale", "stored", message=exc.user_message,
                       calls=getattr(exc, "graph_calls", 0))


def _learn_kind(target, stored):
    """A media read before has its kind stored: no need to ask Meta what it is."""
    if target.kind is None and stored and stored[0].media_kind:
        target.kind = stored[0].media_kind
        target.media_product_type = "FEED" if target.kind == CAROUSEL else target.kind


def _covers(target, stored, metrics):
    """True when `stored` holds every metric the request would ask Meta for."""
    if not stored or target.kind is None:
        return False
    wanted, _ = choose_metrics(target.kind, runtime().settings.INSTAGRAM_GRAPH_VERSION,
                               metrics)
    return set(wanted) <= {row.metric for row in stored}


def _left_out(target, metrics):
    if target.kind is None:
        return {}
    return choose_metrics(target.kind, runtime().settings.INSTAGRAM_GRAPH_VERSION,
                          metrics)[1]


def fetch_and_store(target, metrics=None, now=None):
    """Ask Meta, store what it gave; returns the report. Used by the views and the sync."""
    now = now or utcnow()
    with acting_as(target.account) as client:
        try:
            status, rows, unavailable = _fetch(client, target, metrics, now)
        except graph.InstagramAPIError as exc:
            exc.graph_calls = client.calls_made  # for the stale answer's figures
            raise
        calls = client.calls_made
    fetched_at = None
    if status == "available" and rows:
        save_media_snapshot(target.account.id, target.media_id,
                            target.post.id if target.post else None, target.kind, rows, now)
        fetched_at = now
    elif status != "available":
        rows = latest_media_values(target.media_id, target.account.id, metrics)
    db.session.commit()
    source = "meta" if fetched_at or not rows else "stored"
    return _answer(target, rows, status, source, unavailable=unavailable,
                   fetched_at=fetched_at, calls=calls)


def _fetch(client, target, metrics, now):
    """(status, rows, unavailable metrics) of one read from Meta."""
    rt = runtime()
    version = rt.settings.INSTAGRAM_GRAPH_VERSION
    if target.kind is None or (target.kind == STORY and target.created is None):
        # A story's age decides whether Meta still has its insights.
        _describe(client, target)
    if target.kind is None:
        return "not_supported", [], {}
    created = target.created.date() if target.created else None
    wanted, unavailable = choose_metrics(target.kind, version, metrics, created)
    if target.kind == STORY and target.created and now - target.created > STORY_LIFETIME:
        return "expired", [], unavailable
    if not wanted:
        return "available", [], unavailable
    try:
        fetched = fetch_media(client, target.media_id, target.kind, wanted,
                              lambda name: rt.rejected_metrics.add(version, target.kind, name))
    except (graph.PermanentError, graph.UserFixableError) as exc:
        status = _status_of(exc)
        if status is None:
            raise
        return status, [], unavailable
    unavailable.update(fetched.dropped)
    return ("available" if fetched.values else "not_available_yet"), fetched.values, unavailable


def _status_of(exc):
    if exc.reason == "not_enough_viewers":
        return "not_enough_viewers"
    text = (exc.message or "").lower()
    if exc.code == 100 and ("children" in text or "album" in text):
        return "not_supported"
    return None


def _describe(client, target):
    """What Meta says the media is: its product type and age decide the metrics."""
    media = client.get_media(target.media_id, MEDIA_FIELDS)
    owner = (media.get("owner") or {}).get("id")
    if owner and str(owner) != str(target.account.platform_user_id):
        raise APIError("No media with this id on this account.", code="media_not_found",
                       status=404)
    target.media_product_type = media.get("media_product_type")
    target.media_type = media.get("media_type")
    target.created = parse_time(media.get("timestamp"))
    target.kind = media_kind(target.media_product_type, target.media_type)


def choose_metrics(kind, version, requested=None, created=None):
    """The metrics to ask for, and those left out with why (removed, not for this kind,
    unknown, or rejected by Meta lately)."""
    rejected = runtime().rejected_metrics
    names = list(requested) if requested else default_media_metrics(kind, version,
                                                                    created=created)
    wanted, unavailable = [], {}
    for name in names:
        why = media_metric_status(name, kind, version, created=created)
        if why is None and rejected.contains(version, kind, name):
            why = "rejected_by_meta"
        if why:
            unavailable[name] = why
        elif name not in wanted:
            wanted.append(name)
    return wanted, unavailable


def _answer(target, rows, status, source, *, unavailable=None, message=None, fetched_at=None,
            calls=0):
    values = {}
    for row in rows:
        get = row.get if isinstance(row, dict) else (lambda k, r=row: getattr(r, k))
        entry = {"value": get("value")}
        if get("breakdown"):
            entry["breakdown"] = get("breakdown")
        values[get("metric")] = entry
    if fetched_at is None and rows and not isinstance(rows[0], dict):
        fetched_at = max(row.fetched_at for row in rows)
    return {
        "media_id": target.media_id, "account_id": target.account.id,
        "post_id": target.post.id if target.post else None, "kind": target.kind,
        "media_product_type": target.media_product_type, "status": status,
        "message": message or MESSAGES[status], "metrics": values,
        "unavailable_metrics": unavailable or {}, "fetched_at": fetched_at, "source": source,
        "graph_calls": calls,
    }
