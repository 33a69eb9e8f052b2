"""When to look at a post again: media processing predicted from the video, waits for Meta.

A video's processing time grows with its duration (lessons 1): status reads are placed at
half the predicted time and just before its end, then reads come every INSTAGRAM_STATUS_POLL_SECONDS
until a little after it, then further apart if the prediction was wrong. The prediction
starts from the configured base and per-second rate and learns the ratio from the
platform's own recent videos, so a reel is seen FINISHED within seconds in a few reads
instead of on a fixed backoff.
"""
from __future__ import annotations

import statistics
from datetime import timedelta

from backend.extensions import db
from backend.models import SNSPost, utcnow

# Reads at half the predicted time (a prediction too high costs little lag), at 90 % of
# it, then every INSTAGRAM_STATUS_POLL_SECONDS for a short window past it. A prediction
# that proves too low is doubled and the same pattern repeats around the new one, with
# reads further apart (2 % of it) and never more than a minute apart: a close guess gets
# seconds of lag, a bad one a few reads more, never hundreds.
CHECKPOINTS = (0.5, 0.9)
FINE_WINDOW = 20.0  # seconds of fine reads past 90 % of the prediction, at most
LATE_CAP = 60.0
LEARN_FROM = 20  # recent videos the rate is learned from


def video_seconds(post):
    """Seconds of video the post asks Meta to process (the longest item), or 0."""
    return max((float(i.get("duration_s") or 0) for i in post.items
                if i.get("kind") == "video"), default=0.0)


def learned_rate(settings, login_type=None):
    """Seconds of processing per second of video, from recent finished videos (median), or
    the configured rate when there are not enough yet."""
    rows = db.session.execute(
        db.select(SNSPost.processing_started_at, SNSPost.ready_at, SNSPost.items)
        .where(SNSPost.ready_at.is_not(None), SNSPost.processing_started_at.is_not(None),
               SNSPost.post_type.in_(("reel", "story", "carousel")))
        .order_by(SNSPost.ready_at.desc()).limit(LEARN_FROM * 3)).all()
    base = settings.INSTAGRAM_PROCESSING_BASE_SECONDS
    rates = []
    for started, ready, items in rows:
        duration = max((float(i.get("duration_s") or 0) for i in items
                        if i.get("kind") == "video"), default=0.0)
        if duration >= 1:
            rates.append(max(0.0, (ready - started).total_seconds() - base) / duration)
        if len(rates) >= LEARN_FROM:
            break
    if not rates:
        return settings.INSTAGRAM_PROCESSING_SECONDS_PER_VIDEO_SECOND
    return statistics.median(rates)


def predicted_processing(post, settings):
    """Predicted seconds from the first container to all FINISHED (0 for images only)."""
    duration = video_seconds(post)
    if not duration:
        return 0.0
    return settings.INSTAGRAM_PROCESSING_BASE_SECONDS + learned_rate(settings) * duration


def next_processing_read(post, settings, now=None):
    """When to read the containers of a post that is processing."""
    now = now or utcnow()
    started = post.processing_started_at or now
    elapsed = (now - started).total_seconds()
    fine = settings.INSTAGRAM_STATUS_POLL_SECONDS
    expected = predicted_processing(post, settings) or fine
    while elapsed >= _window_end(expected, fine):
        expected *= 2  # the prediction was too low: look around twice as long
    for share in CHECKPOINTS:
        if elapsed < share * expected - fine / 2:
            at = started + timedelta(seconds=share * expected)
            return min(at, now + timedelta(seconds=LATE_CAP))
    return now + timedelta(seconds=max(fine, 0.02 * expected))


def _window_end(expected, fine):
    return 0.9 * expected + min(0.2 * expected, FINE_WINDOW) + fine


def processing_deadline(post, settings):
    """Until when Meta may process the post's media: INSTAGRAM_PUBLISH_DEADLINE_MINUTES from
    the newest container, and for a scheduled post at least until its time (its media was
    sent early precisely so that processing may take that long)."""
    limit = post.processing_started_at + timedelta(
        minutes=settings.INSTAGRAM_PUBLISH_DEADLINE_MINUTES)
    return max(limit, post.publish_at) if post.publish_at else limit


def expected_ready_at(post, settings):
    """When the post's media should be processed, for the status answer (None if unknown)."""
    if post.processing_started_at is None or post.ready_at is not None:
        return None
    expected = predicted_processing(post, settings)
    return post.processing_started_at + timedelta(seconds=expected) if expected else None


def backoff(waited, floor=5.0, share=0.25, cap=300.0):
    """The next wait during an outage of Meta, from how long the post has waited so far:
    a quarter of it, between 5 s and 5 minutes (so a long outage costs few calls)."""
    return min(cap, max(floor, share * waited))


def reconcile_delay(elapsed_seconds):
    """Reads of an unknown outcome: soon at first (Meta lags seconds), then hours apart."""
    for limit, delay in ((120, 10), (900, 60), (3600, 300), (6 * 3600, 1800)):
        if elapsed_seconds < limit:
            return delay
    return 3600
