"""Limits on what a request may carry: id range, JSON nesting, and text that can be stored."""
import json
from datetime import date, datetime, timezone

from flask.json.provider import DefaultJSONProvider

# Ids are Integer columns: PostgreSQL's integer is 32-bit (SQLite's is wider), so larger
# numbers can never name a row, and binding them makes the driver raise.
MAX_ID = 2**31 - 1
# No request of this platform needs more; the default recursion limit (about 1,000 levels)
# would otherwise end a deeper body in a RecursionError, i.e. a 500.
MAX_JSON_DEPTH = 64


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than MAX_JSON_DEPTH (a ValueError, as bad JSON is)."""

    def __init__(self):
        super().__init__(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")


def parse_json(text, **kwargs):
    """json.loads that refuses deep nesting with a ValueError instead of a RecursionError."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep() from None
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise JSONTooDeep()
    return value


def _deeper_than(value, limit):
    # Iterative, so that checking a deep document cannot itself recurse too deep.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def unstorable_text(value, path=()):
    """[(path, reason)] of every string (or key) that cannot be stored or sent.

    A lone surrogate (JSON allows "\\ud800") cannot be encoded as UTF-8, so neither the
    database nor Meta can take it; PostgreSQL refuses NUL in text. `path` is a tuple of
    keys and indexes, as pydantic reports locations.
    """
    found, stack = [], [(value, tuple(path))]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            reason = _text_problem(item)
            if reason:
                found.append((where, reason))
        elif isinstance(item, dict):
            for key, child in item.items():
                reason = _text_problem(key) if isinstance(key, str) else None
                if reason:  # reported at the key's own path, as an unknown field would be
                    found.append((where + (key,), reason))
                stack.append((child, where + (key,)))
        elif isinstance(item, list):
            stack.extend((child, where + (i,)) for i, child in enumerate(item))
    return sorted(found, key=lambda f: [str(p) for p in f[0]])


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
