"""SNSAnalytics rows of insights: snapshots of media, series of accounts, latest-value reads."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func

from backend.extensions import db
from backend.models import SNSAnalytics

PLATFORM = "instagram"
HISTORY_LIMIT = 5000


def save_media_snapshot(account_id, media_id, post_id, rows, fetched_at):
    """One row per metric of a media's lifetime values, all with the same fetched_at.

    Media rows accumulate: each fetch is a point of the post's growth curve.
    """
    for row in rows:
        db.session.add(SNSAnalytics(
            platform=PLATFORM, account_id=account_id, post_id=post_id, media_id=media_id,
            metric=row["metric"], value=row["value"], breakdown=row.get("breakdown"),
            period=row.get("period") or "lifetime", fetched_at=fetched_at))


def save_account_rows(account_id, rows, fetched_at, since=None, until=None):
    """Account values keyed by (metric, period, range, breakdown dimensions); a new fetch of
    the same key replaces the old row, so series never hold duplicates."""
    for row in rows:
        start, end = _range_of(row, since, until)
        dims = (row.get("breakdown") or {}).get("dimensions")
        same = db.session.execute(db.select(SNSAnalytics).where(
            SNSAnalytics.account_id == account_id, SNSAnalytics.post_id.is_(None),
            SNSAnalytics.media_id.is_(None), SNSAnalytics.metric == row["metric"],
            SNSAnalytics.period == row.get("period"),
            _equal(SNSAnalytics.start_time, start), _equal(SNSAnalytics.end_time, end),
        )).scalars().all()
        for old in same:
            if (old.breakdown or {}).get("dimensions") == dims:
                db.session.delete(old)
        db.session.add(SNSAnalytics(
            platform=PLATFORM, account_id=account_id, metric=row["metric"], value=row["value"],
            breakdown=row.get("breakdown"), period=row.get("period"), start_time=start,
            end_time=end, fetched_at=fetched_at))


def _range_of(row, since, until):
    if row.get("end_time") is not None:  # one point of a time series
        end = row["end_time"]
        return (end - timedelta(days=1) if row.get("period") == "day" else None), end
    if row.get("period") == "lifetime":
        return None, None
    return since, until


def _equal(column, value):
    return column.is_(None) if value is None else column == value


def latest_media_snapshot(media_id, account_id):
    """Rows of the most recent fetch of a media's insights, or []."""
    newest = db.session.execute(
        db.select(func.max(SNSAnalytics.fetched_at))
        .where(SNSAnalytics.media_id == media_id, SNSAnalytics.account_id == account_id)
    ).scalar()
    if newest is None:
        return []
    return db.session.execute(db.select(SNSAnalytics).where(
        SNSAnalytics.media_id == media_id, SNSAnalytics.account_id == account_id,
        SNSAnalytics.fetched_at == newest).order_by(SNSAnalytics.id)).scalars().all()


def media_history(media_id, account_id, metrics=None, since=None, until=None,
                  limit=HISTORY_LIMIT):
    """Every stored snapshot of a media, oldest first, grouped by metric."""
    a = SNSAnalytics
    stmt = db.select(a.metric, a.fetched_at, a.value, a.breakdown).where(
        a.media_id == media_id, a.account_id == account_id)
    stmt = _filters(stmt, a.fetched_at, metrics, since, until)
    series = {}
    # Plain rows, not ORM objects: a year of history is thousands of them.
    for metric, fetched_at, value, breakdown in db.session.execute(
            stmt.order_by(a.fetched_at, a.id).limit(limit)):
        series.setdefault(metric, []).append(
            {"fetched_at": fetched_at, "value": value, "breakdown": breakdown})
    return series


def account_history(account_id, metrics=None, since=None, until=None, period=None,
                    limit=HISTORY_LIMIT):
    """Stored account values, by end of their range, grouped by metric."""
    a = SNSAnalytics
    stmt = db.select(a.metric, a.start_time, a.end_time, a.period, a.value, a.breakdown,
                     a.fetched_at).where(a.account_id == account_id, a.media_id.is_(None),
                                         a.post_id.is_(None))
    if period:
        stmt = stmt.where(a.period == period)
    stmt = _filters(stmt, a.end_time, metrics, since, until)
    series = {}
    for metric, *point in db.session.execute(stmt.order_by(a.end_time, a.id).limit(limit)):
        series.setdefault(metric, []).append(dict(zip(
            ("start_time", "end_time", "period", "value", "breakdown", "fetched_at"), point)))
    return series


def _filters(stmt, time_column, metrics, since, until):
    conditions = []
    if metrics:
        conditions.append(SNSAnalytics.metric.in_(metrics))
    if since is not None:
        conditions.append(time_column >= since)
    if until is not None:
        conditions.append(time_column <= until)
    return stmt.where(and_(*conditions)) if conditions else stmt
