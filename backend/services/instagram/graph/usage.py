"""Meta's usage headers: parsing, and a shared tracker that backs off before Meta blocks us."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping

from .shared_state import LocalStore

log = logging.getLogger("backend.services.instagram.graph.client")

APP_ACCOUNT = "app"
"""Account part of the tracker key for app-wide usage (X-App-Usage, app-level throttles)."""

THROTTLE_THRESHOLD = 95.0
# Meta's figures cover a rolling hour: a reading this old no longer says much about now.
USAGE_MAX_AGE = 600.0
_PERCENT_FIELDS = ("call_count", "total_cputime", "total_time")


@dataclass(frozen=True)
class Usage:
    """Usage reported by one response; percentages are 0-100 of Meta's budget.

    `app` holds the X-App-Usage values, `accounts` the X-Business-Use-Case-Usage entries per id
    as `{"percent": .., "regain_minutes": ..}`. `max_percent` and `regain_minutes` are the
    highest values over both headers.
    """

    max_percent: float = 0.0
    regain_minutes: float = 0.0
    app: dict[str, float] = field(default_factory=dict)
    accounts: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def retry_after(self) -> float | None:
        """Seconds until Meta says access returns, or None when it does not say."""
        return self.regain_minutes * 60 if self.regain_minutes > 0 else None

    def for_account(self, account_id: str) -> Usage:
        """The part of this usage that concerns one business-use-case id."""
        entry = self.accounts.get(account_id, {})
        return Usage(
            max_percent=entry.get("percent", 0.0),
            regain_minutes=entry.get("regain_minutes", 0.0),
            accounts={account_id: entry} if entry else {},
        )

    def app_only(self) -> Usage:
        """The app-wide part of this usage."""
        percent = max(self.app.values(), default=0.0)
        return Usage(max_percent=percent, app=dict(self.app))


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _header_json(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if raw is None:
        # Plain dicts (tests, other HTTP libraries) are not case-insensitive.
        raw = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        log.debug("ignoring unparsable %s header", name)
        return None


def _buc_entry(entries: Any) -> dict[str, float] | None:
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return None
    rows = [e for e in entries if isinstance(e, dict)]
    if not rows:
        return None
    percent = max(_number(r.get(f)) for r in rows for f in _PERCENT_FIELDS)
    regain = max(_number(r.get("estimated_time_to_regain_access")) for r in rows)
    return {"percent": percent, "regain_minutes": regain}


def parse_usage(headers: Mapping[str, str]) -> Usage | None:
    """Usage from X-App-Usage and X-Business-Use-Case-Usage; None when neither is usable."""
    app_raw = _header_json(headers, "X-App-Usage")
    buc_raw = _header_json(headers, "X-Business-Use-Case-Usage")
    app = {}
    if isinstance(app_raw, dict):
        app = {f: _number(app_raw[f]) for f in _PERCENT_FIELDS if f in app_raw}
    accounts = {}
    if isinstance(buc_raw, dict):
        for account_id, entries in buc_raw.items():
            entry = _buc_entry(entries)
            if entry is not None:
                accounts[str(account_id)] = entry
    if not app and not accounts:
        return None
    percents = list(app.values()) + [e["percent"] for e in accounts.values()]
    regain = max((e["regain_minutes"] for e in accounts.values()), default=0.0)
    return Usage(max_percent=max(percents), regain_minutes=regain, app=app, accounts=accounts)


def usage_key(host: str, account: str) -> str:
    """Tracker key of one account (or APP_ACCOUNT) on one Graph host."""
    return f"{host}|{account}"


class UsageTracker:
    """Latest usage and "blocked until" time per host+account, shared between clients.

    Thread-safe. Meta extends a throttle when it keeps receiving calls, so clients ask
    `blocked_for` before every call and refuse locally while it is positive. The records
    live in `store` (graph/shared_state.py): this process's memory by default, Redis when
    every worker must honour one worker's block; with Redis, pass a wall clock.
    """

    def __init__(self, throttle_threshold: float = THROTTLE_THRESHOLD,
                 clock: Callable[[], float] = time.monotonic,
                 max_age: float = USAGE_MAX_AGE, store: Any = None):
        self.throttle_threshold = throttle_threshold
        self.max_age = max_age
        self._clock = clock
        self.store = store if store is not None else LocalStore()

    def record(self, key: str, usage: Usage) -> None:
        """Remember `usage` as the latest for `key`; block it while Meta says to wait."""
        entry = {"usage": asdict(usage), "seen_at": self._clock()}
        # Kept a little past max_age: usage_for still answers, should_defer ignores it.
        self.store.update("usage:" + key, lambda _old: (entry, None), ttl=self.max_age * 6)
        if usage.retry_after:
            self.block(key, usage.retry_after)

    def block(self, key: str, seconds: float) -> None:
        """Refuse calls for `key` for `seconds` (an existing longer block is kept)."""
        until = self._clock() + max(0.0, seconds)

        def longer(old):
            kept = max(until, (old or {}).get("until", 0.0))
            return {"until": kept}, None
        self.store.update("block:" + key, longer, ttl=max(1.0, seconds) + 60)

    def blocked_for(self, key: str) -> float:
        """Seconds left in the block of `key`; 0 when calls are allowed."""
        return self.blocked_for_any([key])

    def blocked_for_any(self, keys: list[str]) -> float:
        """The longest block left among `keys` (one round trip to the store)."""
        now = self._clock()
        entries = self.store.get_many(["block:" + k for k in keys])
        return max([0.0] + [e["until"] - now for e in entries if e])

    def usage_for(self, key: str) -> Usage | None:
        """The latest usage seen for `key`, or None."""
        entry = self.store.get("usage:" + key)
        return None if entry is None else Usage(**entry["usage"])

    def fresh(self) -> dict[str, Usage]:
        """The readings not older than `max_age`, by key: the ones the guards still act on."""
        now = self._clock()
        return {key[len("usage:"):]: Usage(**entry["usage"])
                for key, entry in self.store.scan("usage:").items()
                if now - entry["seen_at"] <= self.max_age}

    def should_defer(self, key: str, share: float = 1.0) -> bool:
        """True when a job allowed `share` (0-1] of the budget should not call Meta now.

        Interactive calls use the default share and only stop at the throttle threshold;
        background jobs pass a smaller share so they leave room for users. A reading older
        than `max_age` is ignored: the next call is the probe that tells the usage again.
        """
        block, entry = self.store.get_many(["block:" + key, "usage:" + key])
        now = self._clock()
        if block and block["until"] > now:
            return True
        if entry is None or now - entry["seen_at"] > self.max_age:
            return False
        limit = min(self.throttle_threshold, max(0.0, share) * 100)
        return entry["usage"]["max_percent"] >= limit
