"""Thin views of drafts, scheduling, the posting schedule, best times and the calendar."""
from datetime import timedelta

from backend.auth import current_user_id
from backend.errors import invalid_field
from backend.models import utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.publishing import best_times, calendar, drafts, posts, scheduling
from backend.services.instagram.publishing import schedule_schemas as schemas
from backend.services.instagram.publishing.schemas import PostEnvelope

DRAFT_ERRORS = (404, 409)
MAX_CALENDAR = timedelta(days=92)


def _draft(post, status=200):
    return dump(schemas.DraftEnvelope, {"draft": posts.serialize(post)}, status)


@api.route(instagram_bp, "/drafts", "POST", "Save a post as a draft (checked, not published)",
           body=schemas.DraftRequest, response=schemas.DraftEnvelope, status=201,
           errors=(404,), description="Any publish body plus `type`. The preview's checks "
           "run and their result is kept in `validation`; an invalid draft is saved all the "
           "same.")
def create_draft(body):
    return _draft(drafts.create(current_user_id(), body), 201)


@api.route(instagram_bp, "/drafts", "GET", "The caller's drafts, newest first",
           query=schemas.DraftListQuery, response=schemas.DraftList,
           description="One page of `limit` drafts; pass `next_before` as `before` for the "
                       "next.")
def list_drafts(query):
    return dump(schemas.DraftList, drafts.list_drafts(current_user_id(), query))


@api.route(instagram_bp, "/drafts/<int:post_id>", "GET", "A draft",
           response=schemas.DraftEnvelope, errors=(404,))
def get_draft(post_id):
    return _draft(drafts.get_draft(current_user_id(), post_id))


@api.route(instagram_bp, "/drafts/<int:post_id>", "PATCH", "Edit a draft (checked again)",
           body=schemas.DraftPatch, response=schemas.DraftEnvelope, errors=(404,))
def edit_draft(post_id, body):
    return _draft(drafts.update(current_user_id(), post_id, body))


@api.route(instagram_bp, "/drafts/<int:post_id>", "DELETE", "Delete a draft", status=204,
           errors=(404,))
def delete_draft(post_id):
    drafts.delete(current_user_id(), post_id)
    return "", 204


@api.route(instagram_bp, "/drafts/<int:post_id>/publish", "POST",
           "Publish a draft now or later", body=schemas.PublishDraftRequest,
           response=PostEnvelope, status=201, errors=(404, 409, 422, 429, 502, 503),
           extra_responses={"202": {"description": "Scheduled, or publishing goes on"}})
def publish_draft(post_id, body):
    post = drafts.publish(current_user_id(), post_id, body)
    return _post(post)


def _post(post, status=None):
    status = status or posts.response_status(post)
    response, _ = dump(PostEnvelope, {"post": posts.serialize(post)}, status)
    response.headers["Location"] = posts.status_url(post)
    return response, status


@api.route(instagram_bp, "/posts/<int:post_id>/schedule", "PATCH",
           "Move a post that has not started publishing", body=schemas.RescheduleRequest,
           response=PostEnvelope, errors=(404, 409))
def reschedule(post_id, body):
    return _post(drafts.reschedule(current_user_id(), post_id, body), 200)


@api.route(instagram_bp, "/posts/<int:post_id>/cancel", "POST",
           "Call a post back to the drafts before it is published", response=PostEnvelope,
           errors=(404, 409))
def cancel(post_id):
    return _post(drafts.cancel(current_user_id(), post_id), 200)


@api.route(instagram_bp, "/accounts/<int:account_id>/schedule", "GET",
           "The account's posting schedule (its queue's slots)",
           response=schemas.PostingScheduleOut, errors=(404,))
def get_schedule(account_id):
    account = connected.get_owned(current_user_id(), account_id)
    return dump(schemas.PostingScheduleOut, scheduling.schedule_view(account))


@api.route(instagram_bp, "/accounts/<int:account_id>/schedule", "PUT",
           "Set the account's time zone, posting slots and spacing",
           body=schemas.PostingScheduleRequest, response=schemas.PostingScheduleOut,
           errors=(404,))
def put_schedule(account_id, body):
    account = connected.get_owned(current_user_id(), account_id)
    return dump(schemas.PostingScheduleOut, scheduling.update_schedule(account, body))


@api.route(instagram_bp, "/accounts/<int:account_id>/best-times", "GET",
           "Best times to post, from the account's own insights",
           query=schemas.BestTimesQuery, response=schemas.BestTimesOut, errors=(404,))
def get_best_times(account_id, query):
    account = connected.get_owned(current_user_id(), account_id)
    return dump(schemas.BestTimesOut, best_times.best_times(account, query.count))


@api.route(instagram_bp, "/calendar", "GET", "Posts by time range and state",
           query=schemas.CalendarQuery, response=schemas.CalendarOut, errors=(404,))
def get_calendar(query):
    if query.end < query.start or query.end - query.start > MAX_CALENDAR:
        raise invalid_field("to", "out_of_range", "`to` must be after `from`, at most 92 days "
                            "later.", code="invalid_range")
    if query.account_id is not None:
        connected.get_owned(current_user_id(), query.account_id, include_disconnected=True)
    states = query.state.split(",") if query.state else None
    found = calendar.entries(current_user_id(), query.start, query.end, utcnow(),
                             query.account_id, states)
    return dump(schemas.CalendarOut, {
        "range": {"from": query.start, "to": query.end},
        "entries": [{"at": at, "state": state, "post": posts.serialize(p)}
                    for p, at, state in found]})
