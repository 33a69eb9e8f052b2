"""`GET /{ig-media-id}/insights` (contract 4.1): metrics per media product type."""
from ..core.context import get_state, request_params
from ..core.errors import GraphError, invalid_parameter
from ..core.hosts import GRAPH_HOSTS
from ..media.objects import MediaObject
from ..oauth.auth import require_capability
from .engagement import media_figures
from .metrics import (MEDIA_METRICS, REMOVED_MEDIA_METRICS, STORY_BREAKDOWN, entry, metric_names,
                      not_supported, one_of)

MIN_STORY_VIEWERS = 5
ALL_MEDIA_METRICS = {name for names in MEDIA_METRICS.values() for name in names}


def _check_metrics(media, names):
    valid = MEDIA_METRICS[media.product]
    for index, name in enumerate(names):
        if name in valid:
            continue
        if name in REMOVED_MEDIA_METRICS or name in ALL_MEDIA_METRICS:
            raise not_supported(name)
        raise one_of(index, valid)


def _check_breakdown(media, names, breakdown):
    if not breakdown:
        return
    if breakdown != STORY_BREAKDOWN or not media.is_story:
        raise invalid_parameter(f"The breakdown {breakdown} is not supported for this media")
    others = [name for name in names if name != "navigation"]
    if others:
        raise invalid_parameter(f"The breakdown {breakdown} is not supported for the "
                                f"{others[0]} metric")


def _navigation(figures, breakdown):
    parts = figures["navigation"]
    total = sum(parts.values())
    body = {"values": [{"value": total}]}
    if breakdown:
        body["total_value"] = {"value": total, "breakdowns": [{
            "dimension_keys": [STORY_BREAKDOWN],
            "results": [{"dimension_values": [key], "value": value}
                        for key, value in parts.items()]}]}
    return body


def media_insights(media, token, sub):
    """Lifetime values; `{"data": []}` while the insights lag or after a story's 24 hours."""
    require_capability(token, "insights")
    if media.parent_id:
        raise GraphError(100, "(#100) The Media Insights API does not support carousel album "
                              "children")
    params, state = request_params(), get_state()
    names = metric_names(params)
    _check_metrics(media, names)
    breakdown = params.get("breakdown")
    _check_breakdown(media, names, breakdown)
    now = state.now()
    if now - media.timestamp < state.settings["insights_lag_seconds"]:
        return {"data": []}
    if media.is_story and not media.live_story(now):
        return {"data": []}
    figures = media_figures(media, now)
    if media.is_story and figures["reach"] < MIN_STORY_VIEWERS:
        raise GraphError(10, "(#10) Not enough viewers for the media to show insights")
    data = []
    for name in names:
        body = (_navigation(figures, breakdown) if name == "navigation"
                else {"values": [{"value": figures[name]}]})
        data.append(entry(media.id, name, "lifetime", **body))
    return {"data": data}


def init_app(app):
    nodes = app.extensions["sandbox"].nodes
    for host in GRAPH_HOSTS:
        nodes.get(host, MediaObject.kind).edges["insights"] = {"GET": media_insights}
