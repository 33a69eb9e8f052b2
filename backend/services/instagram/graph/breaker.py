"""Per-host circuit breaker: stop calling a failing Graph host for a while, then probe it."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from .errors import CircuitOpenError, InstagramAPIError, NetworkError

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


@dataclass
class _HostState:
    state: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    trial_started: float | None = None


class CircuitBreaker:
    """Thread-safe breaker keyed by host; share one instance between clients.

    Closed: calls pass; `failure_threshold` consecutive failures open it. Open: calls are
    refused with CircuitOpenError for `cooldown` seconds. Half-open: one trial call passes;
    its success closes the breaker, its failure opens it again. A trial that never reports
    back (its caller crashed) is replaced after another cooldown.
    """

    def __init__(self, failure_threshold: int = 5, cooldown: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._hosts: dict[str, _HostState] = {}

    def _host(self, host: str) -> _HostState:
        return self._hosts.setdefault(host, _HostState())

    def state(self, host: str) -> str:
        """closed, open or half_open (an open breaker past its cooldown reads half_open)."""
        with self._lock:
            st = self._host(host)
            if st.state == OPEN and self._clock() - st.opened_at >= self.cooldown:
                return HALF_OPEN
            return st.state

    def before_call(self, host: str) -> None:
        """Raise CircuitOpenError unless a call to `host` may go out now."""
        with self._lock:
            st = self._host(host)
            now = self._clock()
            if st.state == CLOSED:
                return
            if st.state == OPEN:
                wait = self.cooldown - (now - st.opened_at)
                if wait > 0:
                    raise self._refusal(host, wait)
                st.state = HALF_OPEN
            elif st.trial_started is not None and now - st.trial_started < self.cooldown:
                raise self._refusal(host, self.cooldown - (now - st.trial_started))
            st.trial_started = now

    def record_success(self, host: str) -> None:
        """The host answered (even with a request error): close the breaker."""
        with self._lock:
            self._hosts[host] = _HostState()

    def record_failure(self, host: str) -> None:
        """One more consecutive failure; open the breaker at the threshold or after a trial."""
        with self._lock:
            st = self._host(host)
            st.failures += 1
            if st.state == HALF_OPEN or st.failures >= self.failure_threshold:
                st.state, st.opened_at, st.trial_started = OPEN, self._clock(), None

    @staticmethod
    def _refusal(host: str, wait: float) -> CircuitOpenError:
        seconds = max(1, round(wait))
        return CircuitOpenError(
            f"Calls to {host} are paused for {seconds} s after repeated failures",
            retry_after=float(seconds), reason="circuit_open",
            user_message="Instagram is not responding right now. Please try again shortly.")
