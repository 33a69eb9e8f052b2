"""Per-host circuit breaker: stop calling a failing Graph host for a while, then probe it."""
from __future__ import annotations

import time
from typing import Any, Callable

from .errors import CircuitOpenError, InstagramAPIError, NetworkError
from .shared_state import LocalStore

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
# Meta codes that mean its servers, not the request, failed.
_SERVER_CODES = {1, 2}
_SERVER_CODE_SUBCODES = {(-1, 2207001)}


def counts_as_failure(error: InstagramAPIError) -> bool:
    """True for outages (network errors, 5xx, Meta server errors), not for request errors."""
    if isinstance(error, CircuitOpenError):
        return False
    if isinstance(error, NetworkError) or (error.http_status or 0) >= 500:
        return True
    return error.code in _SERVER_CODES or (error.code, error.subcode) in _SERVER_CODE_SUBCODES


def _closed() -> dict:
    return {"state": CLOSED, "failures": 0, "opened_at": 0.0, "trial_started": None}


class CircuitBreaker:
    """Thread-safe breaker keyed by host; share one instance between clients.

    Closed: calls pass; `failure_threshold` consecutive failures open it. Open: calls are
    refused with CircuitOpenError for `cooldown` seconds. Half-open: one trial call passes;
    its success closes the breaker, its failure opens it again. A trial that never reports
    back (its caller crashed) is replaced after another cooldown.

    The per-host records live in `store` (graph/shared_state.py): this process's memory by
    default, Redis when every worker must see one breaker (then pass a wall clock). A
    closed breaker with no failures is read, never written, so healthy calls stay cheap.
    """

    def __init__(self, failure_threshold: int = 5, cooldown: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, store: Any = None):
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown = cooldown
        self._clock = clock
        self.store = store if store is not None else LocalStore()

    def _key(self, host: str) -> str:
        return "breaker:" + host

    def state(self, host: str) -> str:
        """closed, open or half_open (an open breaker past its cooldown reads half_open)."""
        st = self.store.get(self._key(host)) or _closed()
        if st["state"] == OPEN and self._clock() - st["opened_at"] >= self.cooldown:
            return HALF_OPEN
        return st["state"]

    def before_call(self, host: str) -> None:
        """Raise CircuitOpenError unless a call to `host` may go out now."""
        st = self.store.get(self._key(host))
        if st is None or st["state"] == CLOSED:
            return

        def admit(st):
            st = st or _closed()
            now = self._clock()
            if st["state"] == CLOSED:
                return st, None
            if st["state"] == OPEN:
                wait = self.cooldown - (now - st["opened_at"])
                if wait > 0:
                    return st, wait
                st["state"] = HALF_OPEN
            elif st["trial_started"] is not None and now - st["trial_started"] < self.cooldown:
                return st, self.cooldown - (now - st["trial_started"])
            st["trial_started"] = now
            return st, None
        wait = self.store.update(self._key(host), admit, ttl=self._ttl())
        if wait is not None:
            raise self._refusal(host, wait)

    def record_success(self, host: str) -> None:
        """The host answered (even with a request error): close the breaker."""
        st = self.store.get(self._key(host))
        if st is not None:
            self.store.update(self._key(host), lambda _old: (None, None))

    def record_failure(self, host: str) -> None:
        """One more consecutive failure; open the breaker at the threshold or after a trial."""
        def fail(st):
            st = st or _closed()
            st["failures"] += 1
            if st["state"] == HALF_OPEN or st["failures"] >= self.failure_threshold:
                st.update(state=OPEN, opened_at=self._clock(), trial_started=None)
            return st, None
        self.store.update(self._key(host), fail, ttl=self._ttl())

    def _ttl(self) -> float:
        # Failures older than this are forgotten even if no success ever closed the record.
        return max(3600.0, self.cooldown * 10)

    @staticmethod
    def _refusal(host: str, wait: float) -> CircuitOpenError:
        seconds = max(1, round(wait))
        return CircuitOpenError(
            f"Calls to {host} are paused for {seconds} s after repeated failures",
            retry_after=float(seconds), reason="circuit_open",
            user_message="Instagram is not responding right now. Please try again shortly.")
