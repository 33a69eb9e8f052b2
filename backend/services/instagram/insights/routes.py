"""Thin views of insights: posts, any media of an account, accounts, and stored history."""

from backend.auth import current_user_id
from backend.errors import APIError
from backend.services.instagram.accounts import connected
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.insights import account_insights, media_insights, schemas as schemas
from backend.services.instagram.graph.insights_catalogue import (KNOWN_ACCOUNT_METRICS,
                                                                 known_media_metrics)
from backend.services.instagram.insights.account_insights import metric_names, parse_instant
from backend.services.instagram.insights.store import account_history, media_history
from backend.services.instagram.publishing import posts

READ_ERRORS = (403, 404, 409, 422, 429, 502, 503)
MEDIA_DOC = ("Lifetime metrics of the media, per its product type and the configured Graph "
             "version; stored in SNSAnalytics. `status` says why values may be missing: "
             "Instagram's lag is reported as not_available_yet, never as 0.")


def _post_insights(post_id, query):
    target = media_insights.for_post(current_user_id(), post_id)
    return dump(schemas.MediaInsightsEnvelope, {"insights": media_insights.report(
        target, query.refresh, metric_names(query.metrics, known_media_metrics()))})


for _path, _name in (("/<int:post_id>/insights", "post_insights"),
                     ("/posts/<int:post_id>/insights", "post_insights_alias")):
    def _view(post_id, query):
        return _post_insights(post_id, query)
    _view.__name__ = _name
    api.route(instagram_bp, _path, "GET", "Insights of a post published by the platform",
              query=schemas.MediaInsightsQuery, response=schemas.MediaInsightsEnvelope,
              errors=READ_ERRORS, description=MEDIA_DOC)(_view)


@api.route(instagram_bp, "/media/<media_id>/insights", "GET",
           "Insights of any media of a connected account", query=schemas.AccountMediaInsightsQuery,
           response=schemas.MediaInsightsEnvelope, errors=READ_ERRORS, description=MEDIA_DOC)
def any_media_insights(media_id, query):
    target = media_insights.for_media(current_user_id(), query.account_id, media_id)
    return dump(schemas.MediaInsightsEnvelope, {"insights": media_insights.report(
        target, query.refresh, metric_names(query.metrics, known_media_metrics()))})


@api.route(instagram_bp, "/accounts/<int:account_id>/insights", "GET",
           "Account insights over a period", query=schemas.AccountInsightsQuery,
           response=schemas.AccountInsightsEnvelope, errors=READ_ERRORS,
           description="Totals (with breakdowns), daily series and demographics; at most 30 "
                       "days per request, the last 7 by default. Stored in SNSAnalytics.")
def account_insights_view(account_id, query):
    return dump(schemas.AccountInsightsEnvelope, {"insights": account_insights.report(
        current_user_id(), account_id, query)})


@api.route(instagram_bp, "/<int:post_id>/insights/history", "GET",
           "Stored insights of a post, oldest first", query=schemas.HistoryQuery,
           response=schemas.PostHistory, errors=(404, 409, 422),
           description="Every fetch is a point: the growth curve of each metric. No Graph "
                       "call.")
def post_history(post_id, query):
    post = posts.get_owned(current_user_id(), post_id)
    if not post.platform_post_id:
        raise APIError("This post is not published; it has no insights.",
                       code="post_not_published", status=409, details={"status": post.status})
    series, truncated = media_history(
        post.platform_post_id, post.account_id, metric_names(query.metrics, known_media_metrics()),
        parse_instant(query.since, "since"), parse_instant(query.until, "until"), query.limit)
    return dump(schemas.PostHistory, {"post_id": post.id, "media_id": post.platform_post_id,
                                      "series": series, "truncated": truncated})


@api.route(instagram_bp, "/accounts/<int:account_id>/insights/history", "GET",
           "Stored account insights by day, oldest first", query=schemas.AccountHistoryQuery,
           response=schemas.AccountHistory, errors=(404, 422),
           description="Values stored by the daily sync and by account insights requests, "
                       "filtered by the end of their range. No Graph call.")
def account_history_view(account_id, query):
    account = connected.get_owned(current_user_id(), account_id, include_disconnected=True)
    series, truncated = account_history(
        account.id, metric_names(query.metrics, KNOWN_ACCOUNT_METRICS),
        parse_instant(query.since, "since"), parse_instant(query.until, "until"), query.period,
        query.limit)
    return dump(schemas.AccountHistory, {"account_id": account.id, "period": query.period,
                                         "series": series, "truncated": truncated})
