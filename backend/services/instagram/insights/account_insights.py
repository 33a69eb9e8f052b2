"""Account insights: totals, breakdowns, time series and demographics, fetched and stored."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend.errors import APIError, invalid_field
from backend.extensions import db
from backend.models import utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.insights_catalogue import (
    DEFAULT_ACCOUNT_METRICS, DEMOGRAPHIC_BREAKDOWNS, DEMOGRAPHIC_METRICS, KNOWN_ACCOUNT_METRICS,
    SERIES_METRICS, TOTAL_BREAKDOWNS, account_metric_status)
from backend.services.instagram.graph.insights_fetch import Fetched, ask_dropping, parse_entries
from backend.services.instagram.insights.store import save_account_rows

ACCOUNT_KIND = "ACCOUNT"
# Times a query may name: ranges reach back from them (7 days by default), and dates near
# datetime's own limits (year 1, 9999) overflow once shifted.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
MAX_SPAN = timedelta(days=30)
DEFAULT_SPAN = timedelta(days=7)
ALWAYS_SERIES = ("follower_count", "online_followers")
KNOWN_BREAKDOWNS = set(DEMOGRAPHIC_BREAKDOWNS).union(*TOTAL_BREAKDOWNS.values())


def parse_instant(value, name):
    """A query time: unix seconds, a date (midnight UTC) or an ISO 8601 datetime, as aware
    UTC. 422 validation_error when unreadable, invalid_range outside EARLIEST..LATEST."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if text.isascii() and text.isdigit():
            parsed = datetime.fromtimestamp(int(text), timezone.utc)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            parsed = parsed.astimezone(timezone.utc)  # year 1 or 9999 with an offset: none
    except (OverflowError, OSError):
        raise _out_of_range(name) from None
    except ValueError:
        if text.isascii() and text.isdigit():  # past datetime's year 9999
            raise _out_of_range(name) from None
        raise invalid_field(name, "invalid_time", f"`{name}` must be a date (2026-11-01), an "
                            "ISO 8601 time or unix seconds.") from None
    if not EARLIEST <= parsed <= LATEST:
        raise _out_of_range(name)
    return parsed


def _out_of_range(name):
    return invalid_field(name, "out_of_range", f"`{name}` must be between {EARLIEST.year} and "
                         f"{LATEST.year}.", code="invalid_range")


def time_range(since, until, now=None):
    """(since, until) with defaults (the last 7 days) and Meta's 30-day limit checked."""
    now = now or utcnow()
    until = parse_instant(until, "until") or now
    since = parse_instant(since, "since") or until - DEFAULT_SPAN
    if since >= until:
        raise invalid_field("since", "not_before_until", "`since` must be earlier than `until`.",
                            code="invalid_range")
    if until - since > MAX_SPAN:
        raise invalid_field("since", "span_too_long", "Instagram answers at most 30 days per "
                            "request: narrow since/until.", code="invalid_range",
                            max_days=MAX_SPAN.days)
    return since, until


def split_names(text, default=()):
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    return names or list(default)


def metric_names(text, known, default=()):
    """The comma-separated names of a `metrics` parameter (`default` when it gives none).

    A name the catalogue does not know (current or removed) is refused with 422
    validation_error, `details.known` listing the names: a typo would otherwise be an
    empty series, or a question Meta answers with code 100."""
    names = split_names(text, default)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise invalid_field("metrics", "unknown_value", f"Unknown metric {unknown[0]!r}.",
                            known=sorted(known))
    return names


def report(user_id, account_id, query):
    account = connected.get_owned(user_id, account_id)
    if connected.connection_status(account) == "needs_reauth":
        raise APIError("The account needs to be connected again before insights can be read.",
                       code="account_needs_reauth", status=409)
    connected.require_insights_permission(account)
    since, until = time_range(query.since, query.until)
    breakdown = split_names(query.breakdown)
    unknown = [b for b in breakdown if b not in KNOWN_BREAKDOWNS]
    if unknown:
        raise invalid_field("breakdown", "unknown_value", f"Unknown breakdown {unknown[0]!r}.",
                            known=sorted(KNOWN_BREAKDOWNS))
    return fetch_and_store(account, metric_names(query.metrics, KNOWN_ACCOUNT_METRICS,
                                                 DEFAULT_ACCOUNT_METRICS),
                           since, until, metric_type=query.metric_type, breakdown=breakdown,
                           timeframe=query.timeframe)


def plan(names, metric_type, breakdown):
    """Group metrics into the calls Meta accepts; the rest is reported with why."""
    rt = runtime()
    version = rt.settings.INSTAGRAM_GRAPH_VERSION
    unavailable, totals, split, series, lifetime, demographics = {}, [], [], [], [], []
    for name in dict.fromkeys(names):
        why = account_metric_status(name)
        if why is None and rt.rejected_metrics.contains(version, ACCOUNT_KIND, name):
            why = "rejected_by_meta"
        if why:
            unavailable[name] = why
        elif name in DEMOGRAPHIC_METRICS:
            demographics.append(name)
        elif name in ALWAYS_SERIES or (metric_type == "time_series" and name in SERIES_METRICS):
            (lifetime if SERIES_METRICS[name] == "lifetime" else series).append(name)
        elif metric_type == "time_series":
            unavailable[name] = "no_time_series"
        elif breakdown and all(b in TOTAL_BREAKDOWNS.get(name, ()) for b in breakdown):
            split.append(name)
        else:
            totals.append(name)
    return unavailable, {"totals": totals, "split": split, "series": series,
                         "lifetime": lifetime, "demographics": demographics}


def fetch_and_store(account, names, since, until, *, metric_type="total_value",
                    breakdown=(), timeframe="this_month", now=None, budget=None):
    """Ask Meta in as few calls as its rules allow, store every value, return the report.

    `budget`, when given, is asked before each call and stops the fetch when it says no.
    """
    now = now or utcnow()
    rt = runtime()
    version = rt.settings.INSTAGRAM_GRAPH_VERSION
    unavailable, groups = plan(names, metric_type, breakdown)
    demo_dims = [b for b in breakdown if b in DEMOGRAPHIC_BREAKDOWNS] or ["country"]
    calls = [
        (groups["totals"], dict(period="day", metric_type="total_value", since=since,
                                until=until)),
        (groups["split"], dict(period="day", metric_type="total_value", since=since,
                               until=until, breakdown=breakdown)),
        (groups["series"], dict(period="day", metric_type="time_series", since=since,
                                until=until)),
        (groups["lifetime"], dict(period="lifetime", metric_type="time_series", since=since,
                                  until=until)),
        (groups["demographics"], dict(period="lifetime", metric_type="total_value",
                                      timeframe=timeframe, breakdown=demo_dims)),
    ]
    result, rows, skipped = Fetched(), [], []
    with acting_as(account) as client:
        for metrics, params in calls:
            if not metrics:
                continue
            if budget is not None and not budget(client):
                skipped.extend(metrics)
                continue
            body = ask_dropping(
                lambda asked, p=params: client.get_account_insights(
                    account.platform_user_id, asked, **p),
                metrics, lambda name: rt.rejected_metrics.add(version, ACCOUNT_KIND, name),
                result)
            rows.extend(parse_entries(body))
    unavailable.update(result.dropped)
    got = {row["metric"] for row in rows}
    for name in names:
        if name not in got and name not in unavailable:
            unavailable[name] = "deferred" if name in skipped else "no_data"
    save_account_rows(account.id, rows, now, since, until)
    db.session.commit()
    return {"account_id": account.id, "since": since, "until": until,
            "metrics": _values(rows), "unavailable_metrics": unavailable, "fetched_at": now,
            "source": "meta", "graph_calls": result.calls}


def _values(rows):
    out = {}
    for row in rows:
        if row.get("end_time") is not None:
            entry = out.setdefault(row["metric"], {"series": []})
            point = {"end_time": row["end_time"], "value": row["value"]}
            if row.get("breakdown"):
                point["breakdown"] = row["breakdown"]
            entry.setdefault("series", []).append(point)
            continue
        entry = out.setdefault(row["metric"], {})
        entry["value"] = row["value"]
        if row.get("breakdown"):
            entry["breakdown"] = row["breakdown"]
    return out
