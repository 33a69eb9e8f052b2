"""Limits on what a request may carry: body size, id range, JSON nesting and numbers, and
text that can be stored."""
import json
import math
from datetime import date, datetime, timezone

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

# Ids are Integer columns: PostgreSQL's integer is 32-bit (SQLite's is wider), so larger
# numbers can never name a row, and binding them makes the driver raise.
MAX_ID = 2**31 - 1
# No request of this platform needs more; the default recursion limit (about 1,000 levels)
# would otherwise end a deeper body in a RecursionError, i.e. a 500.
MAX_JSON_DEPTH = 64
# Bodies other than file uploads (MAX_JSON_BODY_BYTES). Parsed whole, JSON takes 20 to 50
# times its size in Python objects: [{}, {}, ...] of 10 MB took 477 MB.
DEFAULT_MAX_JSON_BODY_BYTES = 1024 * 1024
# No request needs more; each value past it would only be validated, reported and echoed.
MAX_JSON_VALUES = 10_000
MULTIPART = "multipart/form-data"
# Validation errors reported of one request: a body with thousands of mistakes gets the first
# ones (building and echoing each of 5 million took 7.8 GB).
MAX_REPORTED_ERRORS = 20


class JSONRefused(ValueError):
    """JSON that parses but is refused (a ValueError, as bad JSON is); the text says why."""


class JSONTooDeep(JSONRefused):
    """A JSON document nested deeper than MAX_JSON_DEPTH."""

    def __init__(self, limit=MAX_JSON_DEPTH):
        super().__init__(f"The JSON body is nested more than {limit} levels deep.")


class JSONTooManyValues(JSONRefused):
    """A JSON document with more than MAX_JSON_VALUES values (objects, lists, numbers...)."""

    def __init__(self, limit=MAX_JSON_VALUES):
        super().__init__(f"The JSON body has more than {limit:,} values.")


class JSONNotFinite(JSONRefused):
    """NaN, Infinity, or a number too large for a float (1e400): not JSON (RFC 8259), and
    nothing downstream takes it (PostgreSQL's JSON columns refuse it, so does Meta)."""

    def __init__(self, text):
        super().__init__(f"The JSON body has a number that is not finite ({text[:20]}).")


def _refuse_constant(text):
    raise JSONNotFinite(text)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to inf
        raise JSONNotFinite(text)
    return value


def parse_json(text, *, max_depth=MAX_JSON_DEPTH, max_values=MAX_JSON_VALUES, **kwargs):
    """json.loads that refuses deep nesting, more than `max_values` values (None: any
    number) and non-finite numbers with a ValueError: never a RecursionError, never a
    float that is NaN or infinite."""
    kwargs.setdefault("parse_constant", _refuse_constant)
    kwargs.setdefault("parse_float", _finite_float)
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep(max_depth) from None
    _check_shape(value, max_depth, max_values)
    return value


def _check_shape(value, max_depth, max_values):
    # Iterative, so that checking a deep document cannot itself recurse too deep; one
    # iterator per open container, so that wide documents cost nothing more.
    if not isinstance(value, (dict, list)):
        return
    stack, count = [_children(value)], 1
    while stack:
        for child in stack[-1]:
            count += 1
            if max_values is not None and count > max_values:
                raise JSONTooManyValues(max_values)
            if isinstance(child, (dict, list)):
                if len(stack) >= max_depth:
                    raise JSONTooDeep(max_depth)
                stack.append(_children(child))
                break
        else:
            stack.pop()


def _children(container):
    return iter(container.values() if isinstance(container, dict) else container)


def unstorable_text(value, path=(), limit=MAX_REPORTED_ERRORS):
    """[(path, reason)] of the first `limit` strings (or keys) that cannot be stored or
    sent, in document order.

    A lone surrogate (JSON allows "\\ud800") cannot be encoded as UTF-8, so neither the
    database nor Meta can take it; PostgreSQL refuses NUL in text. `path` is a tuple of
    keys and indexes, as pydantic reports locations.
    """
    found = []
    for problem in _text_problems(value, tuple(path)):
        found.append(problem)
        if len(found) >= limit:
            break
    return found


def _text_problems(value, path):
    # Depth-first with one iterator per open container: memory grows with the nesting,
    # not with the number of items (a path for each of a million items took hundreds of MB).
    if not isinstance(value, (dict, list)):
        reason = _text_problem(value) if isinstance(value, str) else None
        if reason:
            yield path, reason
        return
    stack = [(path, _entries(value))]
    while stack:
        where, entries = stack[-1]
        for key, child in entries:
            if isinstance(key, str) and (reason := _text_problem(key)):
                # Reported at the key's own path, as an unknown field would be.
                yield where + (key,), reason
            if isinstance(child, str) and (reason := _text_problem(child)):
                yield where + (key,), reason
            elif isinstance(child, (dict, list)):
                stack.append((where + (key,), _entries(child)))
                break
        else:
            stack.pop()


def _entries(container):
    return iter(container.items() if isinstance(container, dict) else enumerate(container))


def _text_problem(text):
    if "\x00" in text:
        return "a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (an invalid \\ud800-\\udfff escape)"
    return None


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with request bodies parsed by parse_json (depth-limited), and
    times written in ISO 8601 (Flask's own default writes an HTTP date)."""

    def loads(self, s, **kwargs):
        return parse_json(s, **kwargs)

    @staticmethod
    def default(o):
        if isinstance(o, datetime):
            # The platform's times are UTC; a naive one is UTC too.
            aware = o if o.tzinfo else o.replace(tzinfo=timezone.utc)
            return aware.isoformat().replace("+00:00", "Z")
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def body_limit(limit):
    """Mark a view whose body may be larger than MAX_JSON_BODY_BYTES: `limit()` gives this
    request's limit in bytes, None for the JSON cap, math.inf for MAX_CONTENT_LENGTH only.
    MAX_CONTENT_LENGTH caps every body. See takes_files."""
    def mark(view):
        view.body_limit = limit
        return view
    return mark


def takes_files():
    """A body_limit: multipart/form-data uploads up to MAX_CONTENT_LENGTH, other bodies the
    JSON cap (a JSON body to an upload route is parsed whole too)."""
    return math.inf if request.mimetype == MULTIPART else None


def cap_request_body():
    """before_request: cap what this request may send before anything reads it (the rate
    limiter's key functions parse login bodies). Above the cap: 413 payload_too_large."""
    view = current_app.view_functions.get(request.endpoint)
    chosen = getattr(view, "body_limit", None)
    limit = chosen() if chosen is not None else None
    overall = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None:
        limit = current_app.config.get("MAX_JSON_BODY_BYTES") or DEFAULT_MAX_JSON_BODY_BYTES
    limit = min(limit, overall or math.inf)
    request.max_content_length = None if limit == math.inf else int(limit)


def request_body():
    """The request's body as bytes, whole, under this request's cap.

    A body sent without Content-Length (chunked) is read through werkzeug's limited stream,
    which stops at the cap without saying so: a longer one would be cut and then read as
    invalid JSON or a bad signature. Raises RequestEntityTooLarge (413 payload_too_large)
    when more follows the cap."""
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        if request.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()
    return data


def init_app(app):
    """Install the body cap ahead of the rate limiter (call before limiter.init_app)."""
    app.before_request(cap_request_body)
