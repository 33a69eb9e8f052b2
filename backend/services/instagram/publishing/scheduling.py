"""Publishing later: publish_at, an account's posting slots and spacing, and the queue.

Meta's API has no scheduled publishing for Instagram, so the platform keeps scheduled posts
in its database (they survive restarts) and publishes them itself: a post is started ahead
of its time (a video's containers are created early enough for processing to be done,
within Meta's 24-hour container life) and `media_publish` is called at its time, under the
post's lease, so exactly once whatever the number of workers.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.errors import APIError
from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing import timing

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Posts that hold a moment of the account's calendar (for spacing and free slots).
HOLDING = ("scheduled", "pending", "processing", "container_created", "publishing",
           "published", "needs_reconcile")
MAX_AHEAD = timedelta(days=365)
CONTAINER_LIFE = timedelta(hours=23)  # Meta's containers expire after 24 hours
PAST_TOLERANCE = timedelta(seconds=60)


def refuse(message, code, **details):
    return APIError(message, code=code, status=422, details=details)


def parse_publish_at(value, now=None):
    """`publish_at` as given: None (publish now), "next_slot", "best", or an aware UTC time.

    Raises APIError 422 for a time without an offset, in the past, or over a year ahead.
    """
    now = now or utcnow()
    if value is None or value == "now":
        return None
    if value in ("next_slot", "best"):
        return value
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise refuse("publish_at must be an ISO 8601 time with its offset (for example "
                     "2026-12-01T09:30:00+01:00), or now, next_slot or best.",
                     "invalid_publish_at", value=str(value)[:64]) from None
    if when.tzinfo is None:
        raise refuse("publish_at has no time zone offset: add one (+01:00, Z for UTC), so "
                     "the time is not read in the wrong zone.", "publish_at_without_offset",
                     value=str(value)[:64])
    try:
        when = when.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 with an offset leaves datetime's range
        raise refuse("publish_at is out of range.", "invalid_publish_at",
                     value=str(value)[:64]) from None
    if when < now - PAST_TOLERANCE:
        raise refuse("publish_at is in the past; use \"now\" to publish at once.",
                     "publish_at_in_past", publish_at=when.isoformat())
    if when > now + MAX_AHEAD:
        raise refuse("publish_at is more than a year ahead.", "publish_at_too_far",
                     publish_at=when.isoformat())
    return when


# --------------------------------------------------------------------------- the schedule

def known_zone(name):
    """The ZoneInfo of an IANA name, or None (a folder such as "America" is not a zone)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_of(account):
    name = account.timezone or runtime().settings.INSTAGRAM_DEFAULT_TIMEZONE
    return known_zone(name) or ZoneInfo("UTC")


def slots_of(account):
    """{weekday: [time, ...]} of the account, or the configured default on every day."""
    if account.posting_slots:
        return {day: sorted(time.fromisoformat(t) for t in account.posting_slots.get(day, []))
                for day in WEEKDAYS}
    default = sorted(time.fromisoformat(t.strip().zfill(5)) for t in
                     runtime().settings.INSTAGRAM_DEFAULT_POSTING_SLOTS.split(",") if t.strip())
    return {day: default for day in WEEKDAYS}


def spacing_of(account):
    minutes = account.min_spacing_minutes
    if minutes is None:
        minutes = runtime().settings.INSTAGRAM_MIN_POST_SPACING_MINUTES
    return timedelta(minutes=minutes)


def schedule_view(account):
    """The account's posting schedule as the API shows it."""
    slots = slots_of(account)
    return {"account_id": account.id, "timezone": zone_of(account).key,
            "slots": {day: [t.strftime("%H:%M") for t in slots[day]] for day in WEEKDAYS},
            "min_spacing_minutes": int(spacing_of(account).total_seconds() // 60),
            "custom": bool(account.posting_slots)}


def update_schedule(account, body):
    """Set the time zone, slots and spacing an account's queue uses (None keeps a value)."""
    if body.timezone is not None:
        if known_zone(body.timezone) is None:
            raise refuse(f"Unknown time zone {body.timezone!r}: use an IANA name such as "
                         "Europe/Paris.", "unknown_timezone")
        account.timezone = body.timezone
    if body.slots is not None:
        slots = {}
        for day, times in body.slots.items():
            parsed = []
            for text in times:
                try:
                    parsed.append(time.fromisoformat(text.strip().zfill(5)))
                except ValueError:
                    raise refuse(f"{day}: {text!r} is not a time of day (HH:MM).",
                                 "invalid_slot", day=day) from None
            slots[day] = sorted({t.strftime("%H:%M") for t in parsed})
        account.posting_slots = {day: slots.get(day, []) for day in WEEKDAYS}
    if body.min_spacing_minutes is not None:
        account.min_spacing_minutes = body.min_spacing_minutes
    db.session.commit()
    return schedule_view(account)


def held_times(account_id, start, end, exclude_id=None):
    """Moments of the account's calendar already taken between start and end."""
    moment = db.func.coalesce(SNSPost.publish_at, SNSPost.published_at)
    query = (db.select(SNSPost.publish_at, SNSPost.published_at)
             .where(SNSPost.account_id == account_id, SNSPost.status.in_(HOLDING),
                    moment >= start, moment <= end))
    if exclude_id is not None:
        query = query.where(SNSPost.id != exclude_id)
    return sorted(a or b for a, b in db.session.execute(query))


def is_free(when, taken, spacing):
    """No other post within the spacing; with no spacing, still not the same minute (a
    slot taken is taken)."""
    spacing = max(spacing, timedelta(minutes=1))
    return all(abs(when - other) >= spacing for other in taken)


def local_slots(account, after, days=62):
    """The account's slots after `after`, as aware UTC times, in time order. A slot that
    does not exist on a day (the hour skipped when clocks go forward) is left out; one that
    exists twice (clocks go back) is its first occurrence."""
    zone = zone_of(account)
    slots = slots_of(account)
    day = after.astimezone(zone).date()
    for offset in range(days):
        date = day + timedelta(days=offset)
        moments = set()
        for moment in slots[WEEKDAYS[date.weekday()]]:
            local = datetime.combine(date, moment, zone)
            when = local.astimezone(timezone.utc)
            if when.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
                continue  # in the skipped hour
            if when > after:
                moments.add(when)
        yield from sorted(moments)


def next_free_slot(account, after, exclude_id=None):
    """The first slot after `after` at least the spacing away from every other post."""
    spacing = spacing_of(account)
    taken = held_times(account.id, after - spacing, after + timedelta(days=62) + spacing,
                       exclude_id)
    for when in local_slots(account, after):
        if is_free(when, taken, spacing):
            return when
    raise refuse("The account's posting schedule has no free slot in the next two months: "
                 "add slots with PUT /accounts/<id>/schedule.", "no_free_slot")


def next_free_time(account, after, exclude_id=None):
    """The first moment at or after `after` at least the spacing away from other posts."""
    spacing = spacing_of(account)
    if not spacing:
        return after
    taken = held_times(account.id, after - spacing, after + timedelta(days=30), exclude_id)
    when = after
    for other in taken:
        if abs(when - other) < spacing:
            when = max(when, other + spacing)
    return when


# --------------------------------------------------------------------------- a post's time

def lead(post):
    """How long before publish_at the post is started: long enough for its media to be
    processed (videos: INSTAGRAM_SCHEDULE_VIDEO_LEAD_MINUTES, or three times the predicted
    processing if longer; creating early costs nothing), never so long that its containers
    expire before their time."""
    settings = runtime().settings
    seconds = settings.INSTAGRAM_SCHEDULE_LEAD_SECONDS
    if timing.video_seconds(post):
        seconds = max(seconds, settings.INSTAGRAM_SCHEDULE_VIDEO_LEAD_MINUTES * 60,
                      3 * timing.predicted_processing(post, settings))
    return min(timedelta(seconds=seconds), CONTAINER_LIFE)


def schedule(post, when, kind):
    """Make the post go out at `when` (`kind` says how the time was chosen)."""
    post.status = "scheduled"
    post.publish_at = when
    post.schedule_kind = kind
    post.error_code = post.error_subcode = post.error_message = post.error_category = None
    post.next_check_at = when - lead(post)  # when the job starts it
    post.wait_reason = None
    settings = runtime().settings
    # The wait window counts from the post's time, not from when it was asked for.
    post.deadline_at = when + timedelta(hours=settings.INSTAGRAM_PUBLISH_WAIT_HOURS)
    if post.processing_started_at and when - post.processing_started_at > CONTAINER_LIFE:
        forget_containers(post)  # they would expire before their time: make new ones
    db.session.commit()


def forget_containers(post):
    post.items = [{**i, "container_id": None, "status": None} for i in post.items]
    post.container_id = None
    post.processing_started_at = post.ready_at = None
