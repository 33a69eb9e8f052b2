"""Thin views of media listing: the account's posts, its live stories and one media."""
from flask import url_for

from backend.auth import current_user_id
from backend.errors import NotFound
from backend.services.instagram.accounts import connected
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.graph.wire import GRAPH_ID
from backend.services.instagram.media import listing, schemas as schemas

READ_ERRORS = (403, 404, 429, 502, 503)
PAGING_DOC = ("Newest first, one page per request. Follow `paging.next` (a URL of this "
              "platform, present only when more items follow) or pass `paging.after` as "
              "`after`; `paging.previous` / `before` go back. `after` and `before` are "
              "mutually exclusive.")


def _link(endpoint, query):
    """Platform URL of another page of the same listing (never Meta's, never a token)."""
    def link(**cursor):
        return url_for(endpoint, account_id=query.account_id, limit=query.limit, **cursor,
                       _external=True)
    return link


def _page(query, list_page, endpoint):
    """One page of a listing (posts or stories) of one of the caller's accounts."""
    user_id = current_user_id()
    account = connected.get_owned(user_id, query.account_id)
    return dump(schemas.MediaPage, list_page(user_id, account, query.limit, query.after,
                                             query.before, _link(endpoint, query)))


@api.route(instagram_bp, "/media", "GET", "The account's media (posts), newest first",
           query=schemas.MediaListQuery, response=schemas.MediaPage, errors=READ_ERRORS,
           description=PAGING_DOC + " Stories are listed by GET /media/stories.")
def list_media(query):
    return _page(query, listing.list_media, "instagram.list_media")


@api.route(instagram_bp, "/media/stories", "GET", "The account's live stories (last 24 h)",
           query=schemas.MediaListQuery, response=schemas.MediaPage, errors=READ_ERRORS,
           description=PAGING_DOC)
def list_media_stories(query):
    return _page(query, listing.list_stories, "instagram.list_media_stories")


@api.route(instagram_bp, "/media/<media_id>", "GET", "One media of the account",
           query=schemas.MediaQuery, response=schemas.MediaOut, errors=READ_ERRORS,
           description="`media_id` is an Instagram media id (digits). A media the account "
                       "cannot read answers 404 `instagram_object_not_found` (or Meta's "
                       "error, mapped).")
def get_media_item(media_id, query):
    user_id = current_user_id()
    account = connected.get_owned(user_id, query.account_id)
    if not GRAPH_ID.fullmatch(media_id):
        raise NotFound("No media with this id: Instagram media ids are digits.",
                       code="media_not_found")
    return dump(schemas.MediaOut, listing.get_media(user_id, account, media_id))
