"""Small keyed records shared by the guards: in this process, or in Redis for every worker.

The usage tracker, the circuit breaker and the rejected-metric memory keep their state here
as JSON-able dicts. `LocalStore` is one process's memory; `RedisStore` puts the same records
in Redis so every worker and host sees one throttle, one breaker and one memory. Each record
is read with `get` and changed with `update(key, change, ttl)`, where `change(old)` returns
`(new, result)` and runs atomically (a lock here; WATCH/MULTI in Redis, retried on conflict).

A Redis outage must not take the API down: `RedisStore` then serves from a process-local
store, says so in the log once when the outage starts and once when it ends (not at each
retry), tells `on_error` of every failed call, and tries Redis again every `retry_after`
seconds. While degraded each process guards on its own, as without Redis.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

Change = Callable[[Any], "tuple[Any, Any]"]
_GLOB = re.compile(r"([*?\[\]\\])")  # characters with a meaning in a Redis MATCH pattern


class LocalStore:
    """Records in this process's memory (thread-safe); `ttl` seconds on the monotonic clock."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, tuple[Any, float | None]] = {}

    def _read(self, key: str) -> Any:
        value, expires = self._data.get(key, (None, None))
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return value

    def get(self, key: str) -> Any:
        with self._lock:
            return self._read(key)

    def get_many(self, keys: list[str]) -> list[Any]:
        with self._lock:
            return [self._read(k) for k in keys]

    def update(self, key: str, change: Change, ttl: float | None = None) -> Any:
        with self._lock:
            new, result = change(self._read(key))
            if new is None:
                self._data.pop(key, None)
            else:
                self._data[key] = (new, None if ttl is None else self._clock() + ttl)
            return result

    def scan(self, prefix: str) -> dict[str, Any]:
        """Every live record whose key starts with `prefix` (scrapes read these)."""
        with self._lock:
            return {k: v for k in list(self._data) if k.startswith(prefix)
                    for v in [self._read(k)] if v is not None}

    def ping(self) -> bool:
        return True


class RedisStore:
    """Records as JSON strings under `prefix` in Redis, with a process-local fallback."""

    shared = True

    def __init__(self, client: Any, prefix: str = "instagram:", *, retry_after: float = 5.0,
                 on_error: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        import redis  # only deployments that configure Redis need the package loaded
        self._errors = (redis.RedisError, OSError)
        self._watch_error = redis.WatchError
        self.client, self.prefix = client, prefix
        self.retry_after, self.on_error, self._clock = retry_after, on_error, clock
        self.fallback = LocalStore()
        self._down_until = 0.0
        self._outage_since = None  # set while an outage lasts: it is said once, not per retry
        self._state_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, prefix: str = "instagram:", **options: Any) -> RedisStore:
        import redis
        # Short timeouts: a Redis that hangs must cost a request milliseconds, not seconds.
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                      health_check_interval=30)
        return cls(client, prefix, **options)

    @property
    def degraded(self) -> bool:
        """True while Redis failed lately and this process guards on its own."""
        return self._clock() < self._down_until

    def _failed(self, exc: BaseException) -> None:
        with self._state_lock:
            now = self._clock()
            first = self._outage_since is None
            if first:
                self._outage_since = now
            self._down_until = now + self.retry_after
        if first:
            log.warning("shared state: Redis unavailable (%s); this process guards on its own "
                        "until it is back (tried again every %g s; said once)",
                        type(exc).__name__, self.retry_after)
        if self.on_error is not None:
            self.on_error(type(exc).__name__)

    def _recovered(self) -> None:
        if self._outage_since is None:
            return
        with self._state_lock:
            since, self._outage_since, self._down_until = self._outage_since, None, 0.0
        if since is not None:
            log.warning("shared state: Redis is back after %.0f s; workers share their guards "
                        "again", self._clock() - since)

    def get(self, key: str) -> Any:
        return self.get_many([key])[0]

    def get_many(self, keys: list[str]) -> list[Any]:
        if self.degraded:
            return self.fallback.get_many(keys)
        try:
            raw = self.client.mget([self.prefix + k for k in keys])
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.get_many(keys)
        self._recovered()
        return [None if r is None else json.loads(r) for r in raw]

    def update(self, key: str, change: Change, ttl: float | None = None) -> Any:
        if self.degraded:
            return self.fallback.update(key, change, ttl)
        name = self.prefix + key
        outcome = []

        def transaction(pipe):
            raw = pipe.get(name)
            new, result = change(None if raw is None else json.loads(raw))
            pipe.multi()
            if new is None:
                pipe.delete(name)
            elif ttl is None:
                pipe.set(name, json.dumps(new))
            else:
                pipe.set(name, json.dumps(new), px=max(1, int(ttl * 1000)))
            outcome[:] = [result]

        try:
            self.client.transaction(transaction, name)
        except self._errors as exc:
            if isinstance(exc, self._watch_error):  # pragma: no cover - retried by redis-py
                raise
            self._failed(exc)
            return self.fallback.update(key, change, ttl)
        self._recovered()
        return outcome[0]

    def scan(self, prefix: str, batch: int = 500) -> dict[str, Any]:
        """Every record whose key starts with `prefix`: SCAN, then MGET in batches."""
        if self.degraded:
            return self.fallback.scan(prefix)
        pattern = _GLOB.sub(r"\\\1", self.prefix + prefix) + "*"
        found: dict[str, Any] = {}
        try:
            names = list(self.client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(names), batch):
                chunk = names[start:start + batch]
                for name, raw in zip(chunk, self.client.mget(chunk)):
                    if raw is not None:
                        found[name.decode()[len(self.prefix):]] = json.loads(raw)
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.scan(prefix)
        self._recovered()
        return found

    def ping(self) -> bool:
        """True when Redis answers now (readiness asks this)."""
        try:
            self.client.ping()
        except self._errors as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True
