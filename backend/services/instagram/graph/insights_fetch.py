"""Asks Meta for insights: the catalogue's metrics, a rejected metric dropped, answers parsed."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from . import errors as graph
from .insights_catalogue import STORY, rejected_metric
from .wire import parse_graph_time as parse_time

log = logging.getLogger(__name__)

STORY_BREAKDOWN = "story_navigation_action_type"


@dataclass
class Fetched:
    """What one insights read gave: values per metric and the metrics left out, with why."""

    values: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    calls: int = 0


def is_metric_rejection(exc: graph.InstagramAPIError) -> bool:
    """A code-100 answer about a metric (not about the media or the token)."""
    return exc.code == 100 and "metric" in (exc.message or "").lower()


def ask_dropping(call: Callable[[list[str]], dict], metrics: list[str],
                 on_reject: Callable[[str], None], result: Fetched) -> dict:
    """Call Meta with `metrics`; when it rejects one (100), drop it, remember it and ask again.

    When Meta does not say which metric it refuses, each metric is asked alone once, so one
    bad metric never costs the others.
    """
    asked = list(metrics)
    while asked:
        try:
            result.calls += 1
            return call(asked)
        except graph.InstagramAPIError as exc:
            if not is_metric_rejection(exc):
                raise
            name = rejected_metric(exc.message, asked)
            if name is None:
                return _one_by_one(call, asked, on_reject, result)
            log.warning("insights: Meta rejected the %s metric; dropped and remembered", name)
            asked.remove(name)
            result.dropped[name] = "rejected_by_meta"
            on_reject(name)
    return {"data": []}


def _one_by_one(call, asked, on_reject, result):
    data = []
    for name in asked:
        try:
            result.calls += 1
            data.extend(call([name]).get("data") or [])
        except graph.InstagramAPIError as exc:
            if not is_metric_rejection(exc):
                raise
            result.dropped[name] = "rejected_by_meta"
            on_reject(name)
    return {"data": data}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def parse_breakdown(total_value: Any) -> dict[str, Any] | None:
    """`total_value.breakdowns[0]` as {"dimensions": [...], "values": {"A|B": n}}."""
    if not isinstance(total_value, dict) or not total_value.get("breakdowns"):
        return None
    first = total_value["breakdowns"][0] or {}
    values = {}
    for result in first.get("results") or []:
        key = "|".join(str(v) for v in result.get("dimension_values") or [])
        values[key] = _number(result.get("value"))
    return {"dimensions": list(first.get("dimension_keys") or []), "values": values}


def parse_entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Meta's `data` as rows: metric, value, breakdown, period, end_time, title.

    A time series gives one row per value. A non-numeric value (online_followers' hours)
    becomes the row's breakdown.
    """
    rows = []
    for entry in body.get("data") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        base = {"metric": entry["name"], "period": entry.get("period"),
                "title": entry.get("title")}
        total = entry.get("total_value")
        values = entry.get("values") or []
        if isinstance(total, dict):
            rows.append({**base, "value": _number(total.get("value")),
                         "breakdown": parse_breakdown(total), "end_time": None})
        elif len(values) == 1 and not values[0].get("end_time"):
            rows.append({**base, **_value_fields(values[0].get("value")), "end_time": None})
        else:
            rows.extend({**base, **_value_fields(v.get("value")),
                         "end_time": parse_time(v.get("end_time"))} for v in values)
    return rows


def _value_fields(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"value": None, "breakdown": {"dimensions": ["key"],
                                             "values": {str(k): _number(v)
                                                        for k, v in value.items()}}}
    return {"value": _number(value), "breakdown": None}


def fetch_media(client, media_id: str, kind: str, metrics: list[str],
                on_reject: Callable[[str], None]) -> Fetched:
    """Lifetime metrics of one media; a story's navigation also broken down by action."""
    result = Fetched()
    body = ask_dropping(lambda names: client.get_media_insights(media_id, names), metrics,
                        on_reject, result)
    result.values = parse_entries(body)
    if kind == STORY and any(r["metric"] == "navigation" for r in result.values):
        _add_navigation_breakdown(client, media_id, result)
    return result


def _add_navigation_breakdown(client, media_id, result):
    """The taps and exits behind a story's navigation total; optional, so never fatal."""
    try:
        result.calls += 1
        body = client.get_media_insights(media_id, ["navigation"], breakdown=STORY_BREAKDOWN)
    except graph.InstagramAPIError as exc:
        if exc.code != 100:
            raise
        return
    for row in parse_entries(body):
        if row["metric"] == "navigation" and row.get("breakdown"):
            for existing in result.values:
                if existing["metric"] == "navigation":
                    existing["breakdown"] = row["breakdown"]
