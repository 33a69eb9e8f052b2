"""HTTP core of the Instagram client: auth, retries, breaker, usage throttling, logs, metrics."""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from typing import Any, Mapping

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from .body import DEFAULT_MAX_RESPONSE_BYTES, BodyBroken, BodyTimeout, BodyTooLarge, read_body
from .breaker import OPEN, CircuitBreaker, counts_as_failure
from .error_codes import DEFAULT_RATE_LIMIT_WAIT, error_from_response, meta_error_fields
from .errors import (CircuitOpenError, DeadlineExceededError, InstagramAPIError, NetworkError,
                     NotFoundError, RateLimitError, ResponseTooLargeError, TransientError)
from .redaction import protect_third_party_logs
from .usage import APP_ACCOUNT, Usage, UsageTracker, parse_usage, usage_key
from .watchdog import deadline_guard, guarded_session
from .wire import SLOW_ANSWER, CallRecord, GraphRequest, form, network_error

LOGGER_NAME = "backend.services.instagram.graph.client"
log = logging.getLogger(LOGGER_NAME)

DEFAULT_RETRY_WAIT = wait_random_exponential(multiplier=0.5, max=8)
"""Capped, jittered backoff between attempts; clients (and tests) may pass their own."""
LOGIN_TYPES = ("instagram", "facebook")
# Throttles that Meta applies to the whole app rather than to one account.
_APP_LEVEL_CODES = {4, 341}


class _RetryBudget:
    """Decides per failure whether another attempt is allowed (tenacity's retry predicate)."""

    def __init__(self, idempotent: bool, transient: int, not_found: int):
        self.idempotent, self.transient, self.not_found = idempotent, transient, not_found

    def __call__(self, exc: BaseException) -> bool:
        if isinstance(exc, NotFoundError) and self.not_found > 0:
            self.not_found -= 1
            return True
        if not isinstance(exc, TransientError) or isinstance(exc, (
                CircuitOpenError, DeadlineExceededError, ResponseTooLargeError)):
            return False
        # A request that never left may always be resent; others only when repeating is safe.
        unsent = isinstance(exc, NetworkError) and not exc.ambiguous
        if not (unsent or self.idempotent) or self.transient <= 0:
            return False
        self.transient -= 1
        return True


class GraphTransport:
    """Sends requests to Meta's hosts; InstagramAPI adds the endpoints on top.

    One requests.Session per client unless one is passed in (the app shares a pooled one;
    mount a watchdog.DeadlineAdapter on it, as guarded_session() does, or only the body of
    an answer is bounded by the attempt's deadline, its headers by the read timeout alone).
    `usage` and `breaker` should be shared between clients too; without them each client
    keeps its own. `retry_wait` replaces the backoff (tests pass tenacity's wait_none()).
    `account_id` names the account for usage tracking when calls do not say it.
    `deadline` (a `clock()` value, time.monotonic by default) is the caller's time budget:
    each attempt's timeouts are cut to what is left, backoff never sleeps past it, and no
    attempt starts after it (DeadlineExceededError). Each attempt also has a wall-clock
    deadline, the time left and at most connect + read timeout seconds, enforced in every
    phase (connecting, sending, status line and headers, body: see watchdog.py); past it
    the attempt fails as a read timeout does (NetworkError, ambiguous). An answer over
    `max_response_bytes` (4 MiB by default) is dropped unread: ResponseTooLargeError,
    never retried.
    """

    def __init__(self, access_token: str | None = None, *, login_type: str = "instagram",
                 app_id: str | None = None, app_secret: str | None = None,
                 graph_url: str = "https://graph.instagram.com",
                 facebook_graph_url: str = "https://graph.facebook.com",
                 oauth_url: str = "https://api.instagram.com",
                 rupload_url: str = "https://rupload.facebook.com",
                 graph_version: str = "v25.0", timeout: Any = (3.05, 20), max_retries: int = 3,
                 session: requests.Session | None = None, usage: UsageTracker | None = None,
                 breaker: CircuitBreaker | None = None, observer: Any = None,
                 appsecret_proof: bool = True, retry_wait: Any = None,
                 account_id: str | None = None, deadline: float | None = None,
                 clock: Any = time.monotonic,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES):
        if login_type not in LOGIN_TYPES:
            raise ValueError(f"login_type must be one of {LOGIN_TYPES}, not {login_type!r}")
        self.login_type = login_type
        self._access_token, self.app_id, self._app_secret = access_token, app_id, app_secret
        self.graph_url = graph_url.rstrip("/")
        self.facebook_graph_url = facebook_graph_url.rstrip("/")
        self.oauth_url, self.rupload_url = oauth_url.rstrip("/"), rupload_url.rstrip("/")
        self.graph_version, self.timeout = graph_version, timeout
        self.max_retries = max(1, int(max_retries))
        self.session = session if session is not None else guarded_session()
        self._owns_session = session is None
        self.usage = usage if usage is not None else UsageTracker()
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self.observer, self.appsecret_proof = observer, appsecret_proof
        self.retry_wait = retry_wait if retry_wait is not None else DEFAULT_RETRY_WAIT
        self.account_id = account_id
        self.deadline, self.clock = deadline, clock
        self.max_response_bytes = max_response_bytes
        self._calls, self._calls_lock = 0, threading.Lock()
        protect_third_party_logs()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(login_type={self.login_type!r}, host={self.api_base!r})"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self.session.close()

    @property
    def access_token(self) -> str | None:
        return self._access_token

    @property
    def calls_made(self) -> int:
        """HTTP requests this client has sent (every attempt counts)."""
        with self._calls_lock:
            return self._calls

    @property
    def api_base(self) -> str:
        """The Graph host of this login type."""
        return self.graph_url if self.login_type == "instagram" else self.facebook_graph_url

    def versioned(self, base: str, path: str) -> str:
        return f"{base}/{self.graph_version}/{path.lstrip('/')}"

    def usage_key(self, account: str | None = None) -> str:
        """UsageTracker key of `account` (default: this client's) on this client's Graph host."""
        host = GraphRequest("GET", self.api_base, self.api_base).host
        return usage_key(host, account or self._default_account())

    def usage_for(self, account: str | None = None) -> Usage | None:
        """The latest usage Meta reported for an account on this client's Graph host."""
        return self.usage.usage_for(self.usage_key(account))

    def should_defer(self, account: str | None = None, share: float = 1.0) -> bool:
        """True when a job limited to `share` of the budget should not call Meta now."""
        return self.usage.should_defer(self.usage_key(account), share)

    def circuit_open(self) -> bool:
        """True while the circuit breaker refuses every call to this client's Graph host."""
        host = GraphRequest("GET", self.api_base, self.api_base).host
        return self.breaker.state(host) == OPEN

    def _default_account(self) -> str:
        if self.account_id:
            return str(self.account_id)
        if self._access_token:
            # A stable, non-reversible name for "the token's account" before its id is known.
            return "token:" + hashlib.sha256(self._access_token.encode()).hexdigest()[:12]
        return APP_ACCOUNT

    def _require_token(self) -> str:
        if not self._access_token:
            raise ValueError("this call needs a client created with an access token")
        return self._access_token

    def _require_app(self) -> tuple[str, str]:
        if not (self.app_id and self._app_secret):
            raise ValueError("this call needs the client's app_id and app_secret")
        return str(self.app_id), self._app_secret

    def _proof(self, token: str, base: str) -> str | None:
        """appsecret_proof for graph.facebook.com calls when the app secret is known."""
        if base != self.facebook_graph_url or not (self.appsecret_proof and self._app_secret):
            return None
        return hmac.new(self._app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()

    def _graph(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
               data: Mapping[str, Any] | None = None, account: str | None = None,
               idempotent: bool | None = None, retry_not_found: int = 0) -> dict[str, Any]:
        """Call this login type's Graph host as the token's user (Bearer header, proof)."""
        token, base = self._require_token(), self.api_base
        params, data = form(params), (form(data) if data is not None or method != "GET" else None)
        proof = self._proof(token, base)
        if proof:
            (params if data is None else data)["appsecret_proof"] = proof
        request = GraphRequest(
            method, base, self.versioned(base, path), params, data,
            {"Authorization": f"Bearer {token}"}, self._secrets(token, proof),
            method == "GET" if idempotent is None else idempotent,
            str(account) if account else self._default_account())
        return self._send(request, retry_not_found)

    def _secrets(self, *extra: str | None) -> tuple[str, ...]:
        candidates = (self._access_token, self._app_secret, *extra)
        return tuple(s for s in candidates if s)

    def _send(self, request: GraphRequest, retry_not_found: int = 0) -> dict[str, Any]:
        """Send with retries for what is safe to repeat; raise an InstagramAPIError."""
        budget = _RetryBudget(request.idempotent, self.max_retries - 1, retry_not_found)
        retrying = Retrying(stop=stop_after_attempt(self.max_retries + retry_not_found)
                            | self._past_deadline, wait=self.retry_wait,
                            retry=retry_if_exception(budget), reraise=True)
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(request, attempt.retry_state.attempt_number)
        except TransientError as exc:
            escalated = exc.after_retries() if request.idempotent else exc
            if escalated is exc:
                raise
        raise escalated  # e.g. 24/2207008 that outlived its retries: the container is gone

    def _remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def _past_deadline(self, retry_state: Any) -> bool:
        """tenacity stop: no retry whose backoff would end at or past the deadline."""
        remaining = self._remaining()
        return remaining is not None and remaining <= retry_state.upcoming_sleep

    def _timeout_within_deadline(self, request: GraphRequest) -> Any:
        """The attempt's (connect, read) timeouts, cut to the time left; raise if none is."""
        timeout = request.timeout or self.timeout
        remaining = self._remaining()
        if remaining is None:
            return timeout
        if remaining <= 0:
            raise DeadlineExceededError(
                f"Time budget spent before {request.method} {request.host}{request.endpoint}",
                reason="deadline",
                user_message="Instagram did not answer in time. Please try again shortly.")
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        return (min(connect, remaining), min(read, remaining))

    def _attempt(self, request: GraphRequest, attempt: int) -> dict[str, Any]:
        self._refuse_if_blocked(request)
        timeout = self._timeout_within_deadline(request)
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        # The whole attempt, body included: requests' read timeout is per socket read.
        attempt_deadline = self.clock() + connect + read
        if self.deadline is not None:
            attempt_deadline = min(attempt_deadline, self.deadline)
        self.breaker.before_call(request.host)
        started = time.perf_counter()
        # The watchdog ends the attempt at its deadline in any phase: connecting, sending,
        # waiting for the status line and headers (bounded by nothing else), reading the body.
        with deadline_guard(attempt_deadline - self.clock()) as watch:
            try:
                response = self.session.request(
                    request.method, request.url, params=request.params, data=request.data,
                    headers=request.headers, timeout=timeout, stream=True)
            except requests.RequestException as exc:
                failure = self._cut_short(request, None) if watch.interrupted \
                    else network_error(exc, request)
            else:
                failure = self._read_body(request, response, attempt_deadline)
                if watch.interrupted and not isinstance(failure, ResponseTooLargeError):
                    response.close()
                    failure = self._cut_short(
                        request, response.status_code if watch.headers_arrived else None)
        if failure is None:
            return self._handle(request, attempt, started, response)
        # Raised outside the except block so the original (whose text has the URL) is not
        # chained as __context__.
        self.breaker.record_failure(request.host)
        self._report(request, attempt, time.perf_counter() - started, None, failure, None)
        raise failure

    def _read_body(self, request: GraphRequest, response: requests.Response,
                   deadline: float) -> NetworkError | None:
        """Read the body within `deadline` and the size cap; the failure, else None."""
        where = f"{request.method} {request.host}{request.endpoint}"
        try:
            read_body(response, deadline=deadline, max_bytes=self.max_response_bytes,
                      clock=self.clock)
        except BodyTooLarge as exc:
            return ResponseTooLargeError(
                f"Answer to {where} (HTTP {response.status_code}) is larger than "
                f"{exc.limit:,} bytes; dropped unread", http_status=response.status_code,
                reason="response_too_large",
                user_message="Instagram sent an answer too large to process.")
        except BodyTimeout:
            return self._cut_short(request, response.status_code)
        except BodyBroken as exc:
            return NetworkError(f"{exc} while reading the answer to {where}", ambiguous=True,
                                reason="sent_no_response",
                                user_message="Instagram could not be reached. Please try "
                                             "again shortly.")
        return None

    @staticmethod
    def _cut_short(request: GraphRequest, status: int | None) -> NetworkError:
        """The attempt's deadline passed with the answer incomplete: as a read timeout, the
        request may have been acted on (ambiguous)."""
        where = f"{request.method} {request.host}{request.endpoint}"
        state = "status line and headers not yet whole" if status is None \
            else f"HTTP {status}, body still arriving"
        return NetworkError(f"Answer to {where} did not arrive in time ({state})",
                            ambiguous=True, reason="slow_response", user_message=SLOW_ANSWER)

    def _handle(self, request: GraphRequest, attempt: int, started: float,
                response: requests.Response) -> dict[str, Any]:
        duration = time.perf_counter() - started
        usage = parse_usage(response.headers)
        self._track_usage(request, usage)
        try:
            body = response.json()
        except (ValueError, RecursionError):  # not JSON, or nested past the parser
            body = None
        if response.ok and isinstance(body, dict) and not _is_error_body(body):
            self.breaker.record_success(request.host)
            self._report(request, attempt, duration, response.status_code, None, usage,
                         response.headers.get("x-fb-trace-id"))
            return body
        error = error_from_response(response, request.secrets)
        if counts_as_failure(error):
            self.breaker.record_failure(request.host)
        else:
            self.breaker.record_success(request.host)
        if isinstance(error, RateLimitError):
            app_wide = error.code in _APP_LEVEL_CODES
            self.usage.block(usage_key(request.host, APP_ACCOUNT if app_wide else request.account),
                             error.retry_after or DEFAULT_RATE_LIMIT_WAIT)
        self._report(request, attempt, duration, response.status_code, error, usage)
        raise error

    def _refuse_if_blocked(self, request: GraphRequest) -> None:
        """Meta extends a throttle on every further call, so wait it out without calling."""
        wait = self.usage.blocked_for_any([usage_key(request.host, account)
                                           for account in (request.account, APP_ACCOUNT)])
        if wait > 0:
            log.info("%s %s%s refused locally: rate limited for %.0f s more",
                     request.method, request.host, request.endpoint, wait)
            raise RateLimitError(
                f"Rate limited by Instagram; not calling {request.host} for {wait:.0f} s",
                retry_after=wait, reason="blocked_locally",
                user_message="Instagram asked us to slow down. Calls resume automatically "
                             "shortly.")

    def _track_usage(self, request: GraphRequest, usage: Usage | None) -> None:
        if usage is None:
            return
        self.usage.record(usage_key(request.host, request.account), usage)
        if usage.app:
            self.usage.record(usage_key(request.host, APP_ACCOUNT), usage.app_only())
        for account_id in usage.accounts:
            if account_id != request.account:
                self.usage.record(usage_key(request.host, account_id),
                                  usage.for_account(account_id))

    def _report(self, request: GraphRequest, attempt: int, duration: float,
                status: int | None, error: InstagramAPIError | None,
                usage: Usage | None, fbtrace_id: str | None = None) -> None:
        """One log line and one observer record per attempt that was sent."""
        with self._calls_lock:
            self._calls += 1
        suffix = "" if error is None else (
            f" {error.category} code={error.code} subcode={error.subcode}"
            f" fbtrace_id={error.fbtrace_id}")
        # The endpoint has ids as {id} and no query string: no token can be in it.
        log.info("%s %s%s -> %s in %.3fs (attempt %d)%s", request.method, request.host,
                 request.endpoint, status if status is not None else "no response", duration,
                 attempt, suffix, extra={
                     "graph_method": request.method, "graph_host": request.host,
                     "graph_endpoint": request.endpoint, "graph_status": status,
                     "duration_ms": round(duration * 1000, 2), "attempt": attempt,
                     "code": getattr(error, "code", None),
                     "subcode": getattr(error, "subcode", None),
                     "category": getattr(error, "category", None),
                     "fbtrace_id": getattr(error, "fbtrace_id", None) or fbtrace_id,
                     "usage_percent": None if usage is None else usage.max_percent})
        if self.observer is None:
            return
        record = CallRecord(request.method, request.host, request.endpoint, status, duration,
                            attempt, getattr(error, "code", None),
                            getattr(error, "subcode", None), getattr(error, "category", None),
                            usage)
        try:
            self.observer.on_call(record)
        except Exception:  # metrics must never break a Graph call
            log.warning("call observer failed", exc_info=True)


def _is_error_body(body: dict[str, Any]) -> bool:
    """A 2xx that still reports failure (an error envelope, or rupload's success:false)."""
    return meta_error_fields(body) is not None or body.get("success") is False
