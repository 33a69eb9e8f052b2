"""`GET /{ig-user-id}/insights` (contract 4.2): totals, breakdowns, series, demographics."""
import itertools
import math

from ..core.clock import graph_time
from ..core.context import get_state, request_params
from ..core.errors import GraphError, invalid_parameter, missing_parameter
from ..core.hosts import GRAPH_HOSTS
from ..core.paging import link_with, time_param
from ..oauth.auth import require_capability
from .engagement import account_day, rng_for, split
from .metrics import (ACCOUNT_METRICS, BREAKDOWN_VALUES, DAY_SERIES, DEMOGRAPHIC_BREAKDOWNS,
                      DEMOGRAPHICS, LIFETIME_SERIES, MIN_FOLLOWERS, NEEDS_FOLLOWERS,
                      REMOVED_ACCOUNT_METRICS, TIMEFRAMES, TOTAL_BREAKDOWNS, entry, metric_names,
                      one_of)

DAY = 24 * 3600
MAX_SPAN = 30 * DAY
DAY_END = 7 * 3600  # Meta's day ends at midnight Pacific: 07:00 UTC (no DST here)
PERIODS = ("day", "week", "days_28", "month", "lifetime", "total_over_range")
METRIC_TYPES = ("total_value", "time_series")
ENGAGED_SHARE = {"this_week": 0.3, "this_month": 0.55}


def _check_names(names):
    for index, name in enumerate(names):
        if name in REMOVED_ACCOUNT_METRICS:
            raise GraphError(100, f"(#100) The {name} metric is no longer supported by the "
                                  "Instagram User Insights API")
        if name not in ACCOUNT_METRICS:
            raise one_of(index, ACCOUNT_METRICS)


def _range(default_days):
    until = time_param("until") or get_state().now()
    since = time_param("since") or until - default_days * DAY
    if since >= until:
        raise invalid_parameter("since must be earlier than until")
    if until - since > MAX_SPAN:
        raise invalid_parameter("There cannot be more than 30 days (2592000 s) between since "
                                "and until")
    return since, until


def _days(since, until):
    return range(math.floor(since / DAY), math.ceil(until / DAY))


def _breakdown(keys, total, rng):
    combos = list(itertools.product(*(BREAKDOWN_VALUES[key] for key in keys)))
    return {"dimension_keys": list(keys),
            "results": [{"dimension_values": list(combo), "value": value}
                        for combo, value in split(total, combos, rng).items()]}


def _total_value(account, name, period, breakdowns, since, until):
    if period != "day":
        raise invalid_parameter(f"The {name} metric with metric_type=total_value supports "
                                "period=day only")
    unsupported = [b for b in breakdowns if b not in TOTAL_BREAKDOWNS.get(name, ())]
    if unsupported:
        raise invalid_parameter(f"The breakdown {unsupported[0]} is not supported for the "
                                f"{name} metric")
    total = sum(account_day(account, name, day) for day in _days(since, until))
    value = {"value": total}
    if breakdowns:
        rng = rng_for("breakdown", account.professional_id, name, *breakdowns, int(since))
        value["breakdowns"] = [_breakdown(breakdowns, total, rng)]
    return entry(account.professional_id, name, period, total_value=value)


def _end_times(since, until):
    """Day ends strictly after `since` up to `until`; at least one."""
    first = math.floor((since - DAY_END) / DAY) * DAY + DAY_END + DAY
    count = max(1, math.floor((until - first) / DAY) + 1)
    return [first + n * DAY for n in range(count)]


def _series(account, name, period, breakdowns, since, until):
    if breakdowns:
        raise invalid_parameter("Breakdowns need metric_type=total_value")
    if name == "profile_views":
        raise GraphError(100, "(#100) The profile_views metric is no longer supported as a time "
                              "series; ask for metric_type=total_value")
    expected = "day" if name in DAY_SERIES else "lifetime" if name in LIFETIME_SERIES else None
    if expected is None:
        raise invalid_parameter(f"The {name} metric needs metric_type=total_value")
    if period != expected:
        raise invalid_parameter(f"The {name} metric supports period={expected} only")
    values = []
    for end in _end_times(since, until):
        day = math.floor((end - 1) / DAY)
        if name == "online_followers":
            rng = rng_for("online", account.professional_id, day)
            value = {str(hour): int(account.followers_count * rng.uniform(0.02, 0.2))
                     for hour in range(24)}
        else:
            value = account_day(account, name, day)
        values.append({"value": value, "end_time": graph_time(end)})
    return entry(account.professional_id, name, period, values=values)


def _demographics(account, name, period, metric_type, breakdowns, params):
    if period != "lifetime" or metric_type != "total_value":
        raise invalid_parameter(f"The {name} metric needs period=lifetime and "
                                "metric_type=total_value")
    timeframe = params.get("timeframe")
    if timeframe not in TIMEFRAMES:
        raise invalid_parameter(f"timeframe must be one of the following values: "
                                f"{', '.join(TIMEFRAMES)}")
    if not breakdowns or any(b not in DEMOGRAPHIC_BREAKDOWNS for b in breakdowns):
        raise invalid_parameter(f"breakdown must be one of the following values: "
                                f"{', '.join(DEMOGRAPHIC_BREAKDOWNS)}")
    total = account.followers_count
    if name == "engaged_audience_demographics":
        total = int(total * ENGAGED_SHARE[timeframe])
    rng = rng_for("demographics", account.professional_id, name, timeframe, *breakdowns)
    return entry(account.professional_id, name, period,
                 total_value={"breakdowns": [_breakdown(breakdowns, total, rng)]})


def account_insights(account, token, sub):
    """Metrics under 100 followers (follower_count, online_followers, demographics) are left
    out of `data`, so such an account can get `{"data": []}`."""
    require_capability(token, "insights")
    params = request_params()
    names = metric_names(params)
    _check_names(names)
    period, metric_type = params.get("period"), params.get("metric_type") or None
    if not period:
        raise missing_parameter("period")
    if period not in PERIODS:
        raise invalid_parameter(f"period must be one of the following values: "
                                f"{', '.join(PERIODS)}")
    if metric_type not in (None,) + METRIC_TYPES:
        raise invalid_parameter("metric_type must be one of the following values: "
                                f"{', '.join(METRIC_TYPES)}")
    breakdowns = [b.strip() for b in (params.get("breakdown") or "").split(",") if b.strip()]
    totals = metric_type == "total_value"
    since, until = _range(1 if totals else 2)
    data = []
    for name in names:
        if name in DEMOGRAPHICS:
            data.append(_demographics(account, name, period, metric_type, breakdowns, params))
        elif totals:
            data.append(_total_value(account, name, period, breakdowns, since, until))
        else:
            data.append(_series(account, name, period, breakdowns, since, until))
    data = [item for item in data if item["name"] not in NEEDS_FOLLOWERS
            or account.followers_count >= MIN_FOLLOWERS]
    body = {"data": data}
    if data and not all(name in DEMOGRAPHICS for name in names):
        span = int(until - since)
        body["paging"] = {"previous": link_with(since=int(since) - span, until=int(since)),
                          "next": link_with(since=int(until), until=int(until) + span)}
    return body


def init_app(app):
    nodes = app.extensions["sandbox"].nodes
    for host in GRAPH_HOSTS:
        nodes.get(host, "ig_account").edges["insights"] = {"GET": account_insights}
