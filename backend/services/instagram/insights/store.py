"""SNSAnalytics rows of insights: snapshots of media, series of accounts, latest-value reads."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import and_, func

from backend.extensions import db
from backend.models import SNSAnalytics

PLATFORM = "instagram"
HISTORY_LIMIT = 5000
DAY = timedelta(days=1)
# Meta's name for a value summed over since..until.
OVER_RANGE = "total_over_range"


def save_media_snapshot(account_id, media_id, post_id, kind, rows, fetched_at):
    """One row per metric of a media's lifetime values, all with the same fetched_at.

    Media rows accumulate: each fetch is a point of the post's growth curve. The media's
    kind is kept so stored answers say what the media is without asking Meta.
    """
    for row in rows:
        db.session.add(SNSAnalytics(
            platform=PLATFORM, account_id=account_id, post_id=post_id, media_id=media_id,
            media_kind=kind, metric=row["metric"], value=row["value"],
            breakdown=row.get("breakdown"), period=row.get("period") or "lifetime",
            fetched_at=fetched_at))


def save_account_rows(account_id, rows, fetched_at, since=None, until=None):
    """Account values keyed by (metric, period, range, breakdown dimensions); a new fetch of
    the same key replaces the old row, so series never hold duplicates.

    A total is a "day" only over one UTC day from midnight; any other range is stored as
    Meta's total_over_range, so a daily series never mixes in a 7-day sum.
    """
    for row in rows:
        period, start, end = _range_of(row, since, until)
        dims = (row.get("breakdown") or {}).get("dimensions")
        same = db.session.execute(db.select(SNSAnalytics).where(
            SNSAnalytics.account_id == account_id, SNSAnalytics.post_id.is_(None),
            SNSAnalytics.media_id.is_(None), SNSAnalytics.metric == row["metric"],
            SNSAnalytics.period == period,
            _equal(SNSAnalytics.start_time, start), _equal(SNSAnalytics.end_time, end),
        )).scalars().all()
        for old in same:
            if (old.breakdown or {}).get("dimensions") == dims:
                db.session.delete(old)
        db.session.add(SNSAnalytics(
            platform=PLATFORM, account_id=account_id, metric=row["metric"], value=row["value"],
            breakdown=row.get("breakdown"), period=period, start_time=start, end_time=end,
            fetched_at=fetched_at))


def _range_of(row, since, until):
    """(period, start, end) of an account value."""
    period = row.get("period")
    if row.get("end_time") is not None:  # one point of a time series
        end = row["end_time"]
        return period, (end - DAY if period == "day" else None), end
    if period == "lifetime":
        return period, None, None
    if period == "day" and not is_utc_day(since, until):
        return OVER_RANGE, since, until
    return period, since, until


def is_utc_day(since, until):
    return (since is not None and until is not None and until - since == DAY
            and since == datetime.combine(since.date(), time(), timezone.utc))


def _equal(column, value):
    return column.is_(None) if value is None else column == value


def latest_media_values(media_id, account_id, metrics=None):
    """The newest stored row of each metric of a media (all metrics, or those named)."""
    a = SNSAnalytics
    newest = (db.select(a.metric, func.max(a.fetched_at).label("at"))
              .where(a.media_id == media_id, a.account_id == account_id)
              .group_by(a.metric))
    if metrics:
        newest = newest.where(a.metric.in_(metrics))
    newest = newest.subquery()
    return db.session.execute(
        db.select(a).join(newest, and_(a.metric == newest.c.metric,
                                       a.fetched_at == newest.c.at))
        .where(a.media_id == media_id, a.account_id == account_id)
        .order_by(a.id)).scalars().all()


def media_history(media_id, account_id, metrics=None, since=None, until=None,
                  limit=HISTORY_LIMIT):
    """The newest `limit` stored values of a media, oldest first, grouped by metric; and
    whether older ones were left out."""
    a = SNSAnalytics
    stmt = db.select(a.metric, a.fetched_at, a.value, a.breakdown).where(
        a.media_id == media_id, a.account_id == account_id)
    stmt = _filters(stmt, a.fetched_at, metrics, since, until)
    rows, truncated = _newest(stmt, (a.fetched_at, a.id), limit)
    series = {}
    for metric, fetched_at, value, breakdown in rows:
        series.setdefault(metric, []).append(
            {"fetched_at": fetched_at, "value": value, "breakdown": breakdown})
    return series, truncated


def account_history(account_id, metrics=None, since=None, until=None, period="day",
                    limit=HISTORY_LIMIT):
    """The newest `limit` stored account values of one period, by end of their range,
    oldest first, grouped by metric; and whether older ones were left out."""
    a = SNSAnalytics
    stmt = db.select(a.metric, a.start_time, a.end_time, a.period, a.value, a.breakdown,
                     a.fetched_at).where(a.account_id == account_id, a.media_id.is_(None),
                                         a.post_id.is_(None))
    if period:
        stmt = stmt.where(a.period == period)
    stmt = _filters(stmt, a.end_time, metrics, since, until)
    rows, truncated = _newest(stmt, (a.end_time, a.id), limit)
    series = {}
    for metric, *point in rows:
        series.setdefault(metric, []).append(dict(zip(
            ("start_time", "end_time", "period", "value", "breakdown", "fetched_at"), point)))
    return series, truncated


def _newest(stmt, order, limit):
    """The newest `limit` rows in ascending order (plain rows: a year of history is
    thousands of them), and whether there were more."""
    rows = db.session.execute(
        stmt.order_by(*(column.desc() for column in order)).limit(limit + 1)).all()
    return rows[:limit][::-1], len(rows) > limit


def _filters(stmt, time_column, metrics, since, until):
    conditions = []
    if metrics:
        conditions.append(SNSAnalytics.metric.in_(metrics))
    if since is not None:
        conditions.append(time_column >= since)
    if until is not None:
        conditions.append(time_column <= until)
    return stmt.where(and_(*conditions)) if conditions else stmt
