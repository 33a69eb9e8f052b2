"""Cursor pagination as Meta does it: `limit`, `after`, `before` and a `paging` object."""
import base64
import binascii
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import request

from .context import api_version, base_url, request_params
from .errors import invalid_parameter

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def encode_cursor(item_id):
    return base64.urlsafe_b64encode(str(item_id).encode()).decode()


def _decode_cursor(cursor):
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _limit(params):
    raw = params.get("limit")
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if limit < 1:
        raise invalid_parameter("Param limit must be a positive integer")
    return min(limit, MAX_LIMIT)


def _position(ids, cursor, name):
    item_id = _decode_cursor(cursor)
    if item_id not in ids:
        raise invalid_parameter(f"The {name} cursor is invalid or has expired")
    return ids.index(item_id)


def paginate(items, id_of):
    """One page of `items`, and its `paging` object (None for an empty page)."""
    params = request_params()
    limit = _limit(params)
    ids = [str(id_of(item)) for item in items]
    if params.get("after"):
        start = _position(ids, params["after"], "after") + 1
    elif params.get("before"):
        start = max(0, _position(ids, params["before"], "before") - limit)
    else:
        start = 0
    page = items[start:start + limit]
    if not page:
        return page, None
    first, last = ids[start], ids[start + len(page) - 1]
    paging = {"cursors": {"before": encode_cursor(first), "after": encode_cursor(last)}}
    if start > 0:
        paging["previous"] = link_with(before=encode_cursor(first))
    if start + len(page) < len(items):
        paging["next"] = link_with(after=encode_cursor(last))
    return page, paging


def link_with(**params):
    """This request's URL with `params` (and no cursor) in its query string.

    Like Meta, it keeps every other query parameter, `access_token` included when the call
    sent it there (a token sent in a header or body stays out of the URL).
    """
    query = {k: v for k, v in request.args.items() if k not in ("after", "before", *params)}
    query.update(params)
    version = f"/{api_version()}" if api_version() else ""
    return f"{base_url()}{version}{request.path}?{urlencode(query)}"


def page_response(items, id_of, render_item):
    """`{"data": [...], "paging": {...}}` for one page of `items`."""
    page, paging = paginate(items, id_of)
    body = {"data": [render_item(item) for item in page]}
    if paging:
        body["paging"] = paging
    return body


def time_param(name):
    """A `since`/`until`-style parameter as Unix seconds (Unix time or an ISO date), or None."""
    raw = request_params().get(name)
    if raw in (None, ""):
        return None
    try:
        return float(int(raw))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw.replace("+0000", "+00:00"))
    except ValueError:
        raise invalid_parameter(f"Param {name} must be a Unix timestamp or a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
