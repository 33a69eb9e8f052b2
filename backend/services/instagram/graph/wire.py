"""Wire level of the Instagram client: request and call records, Graph value encoding."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import NetworkError
from .redaction import redact
from .usage import APP_ACCOUNT, Usage

SLOW_ANSWER = "Instagram did not answer in time. Please try again shortly."
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
# What an Instagram object id looks like (media, comments): anything else is refused
# before it reaches Meta.
GRAPH_ID = re.compile(r"[0-9]{1,32}")


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, as handed to the observer.

    `status` is None for network errors; use `ok` (or `error_category`) rather than the
    status to tell failures apart. Calls refused locally (breaker open, throttle block)
    never reach Meta and are not recorded.
    """

    method: str
    host: str
    endpoint: str
    status: int | None
    duration_s: float
    attempt: int
    error_code: int | None = None
    error_subcode: int | None = None
    error_category: str | None = None
    usage: Usage | None = None

    @property
    def ok(self) -> bool:
        """True when Meta answered with success."""
        return self.error_category is None


@dataclass(frozen=True)
class GraphRequest:
    """A fully built request; `base` is the configured base URL it targets.

    Fields that may hold credentials stay out of the repr.
    """

    method: str
    base: str
    url: str = field(repr=False)
    params: Mapping[str, Any] | None = field(default=None, repr=False)
    data: Any = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    idempotent: bool = False
    account: str = APP_ACCOUNT
    timeout: Any = None

    @property
    def host(self) -> str:
        """The base URL without scheme: a Meta host, or a sandbox address plus host prefix."""
        parts = urlsplit(self.base)
        return f"{parts.netloc}{parts.path}".rstrip("/")

    @property
    def endpoint(self) -> str:
        """Path below the base with numeric ids as {id}; no query string, so no secrets."""
        path = urlsplit(self.url).path[len(urlsplit(self.base).path.rstrip("/")):]
        return _ID_SEGMENT.sub("/{id}", path) or "/"


def form_value(value: Any) -> Any:
    """Graph wire format: booleans as true/false, lists and objects as JSON, dates as unix."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return int(aware.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp())
    return value


def form(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Params in wire format, without the ones left as None."""
    return {k: form_value(v) for k, v in (params or {}).items() if v is not None}


def parse_graph_time(value: Any) -> datetime | None:
    """Meta's `2025-05-01T07:00:00+0000` (or any ISO 8601) as aware UTC; None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def as_int(value: Any) -> int | None:
    """Numbers Meta may send as strings; None when absent or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def comma_list(values: str | Iterable[str] | None) -> str | None:
    """`fields` and `metric` values: a string stays, a sequence is joined with commas."""
    if values is None or isinstance(values, str):
        return values
    return ",".join(values)


def _nothing_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before the request could reach the server."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def network_error(exc: requests.RequestException, request: GraphRequest) -> NetworkError:
    """A NetworkError for a failed send; its text is redacted and says if Meta may have it."""
    ambiguous = not _nothing_sent(exc)
    detail = redact(str(exc), request.secrets)[:300]
    slow = isinstance(exc, requests.exceptions.ReadTimeout)
    return NetworkError(
        f"{type(exc).__name__} on {request.method} {request.host}{request.endpoint}: {detail}",
        ambiguous=ambiguous,
        reason="slow_response" if slow else "sent_no_response" if ambiguous else "not_sent",
        user_message=SLOW_ANSWER if slow else "Instagram could not be reached. Please try "
                                              "again shortly.")
