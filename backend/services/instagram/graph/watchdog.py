"""Ending an HTTP attempt at its deadline, whatever phase it is in.

requests' timeouts bound each socket operation, not an attempt: a server that sends its
status line and headers a byte at a time keeps an attempt alive however long that takes
(body.py bounds the body only). Here one timer thread, shared by every attempt of the
process, shuts the attempt's socket down at its deadline; a blocked send or read then
returns at once and the attempt fails, which the transport reports as a read timeout.

The socket is known through the connections of DeadlineAdapter (mount it on the session):
a connection registers itself with the calling thread's `deadline_guard` when it connects
and when it sends, and is let go when urllib3 puts it back in its pool. Both happen under
one lock with the timer's shutdown, so the timer never touches a connection that another
attempt has taken from the pool, and a connection it shut down is closed, never pooled.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError
from urllib3.poolmanager import pool_classes_by_scheme as DEFAULT_POOL_CLASSES

log = logging.getLogger(__name__)

# Guards every Watch and each connection's `_deadline_watch`: claims, releases and the timer.
_lock = threading.Lock()
_local = threading.local()


class Watch:
    """One attempt's guard: whether its deadline passed, and the connection it is using."""

    __slots__ = ("active", "fired", "interrupted", "headers_arrived", "conn", "deadline")

    def __init__(self, deadline: float = float("inf")) -> None:
        self.deadline = deadline  # time.monotonic() at which it fires
        self.active, self.fired, self.interrupted = True, False, False
        # The status line and headers arrived whole, before any interruption.
        self.headers_arrived = False
        self.conn: Any = None

    def _fire(self) -> None:
        with _lock:
            if not self.active:
                return
            self.fired = True
            conn = self.conn
            sock = getattr(conn, "sock", None)
            if conn is None or conn._deadline_watch is not self or sock is None:
                return  # no connection yet, or still connecting: _claim refuses it
            self.interrupted = True
            conn._deadline_shut = True
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by its thread
                pass


@contextmanager
def deadline_guard(seconds: float) -> Iterator[Watch]:
    """Within the block, the calling thread's HTTP attempt (through a DeadlineAdapter) ends
    `seconds` from now: its connection is shut down. The Watch says afterwards whether that
    happened (`interrupted`): then whatever the attempt read is not the whole answer."""
    previous = getattr(_local, "watch", None)
    deadline = time.monotonic() + seconds
    if previous is not None and previous.active:
        # Nested: the connection is the inner guard's, so it keeps the outer deadline too.
        deadline = min(deadline, previous.deadline)
    watch = Watch(deadline)
    _local.watch = watch
    entry = TIMER.call_at(deadline, watch._fire)
    try:
        yield watch
    finally:
        with _lock:
            watch.active = False
            conn, watch.conn = watch.conn, None
            if conn is not None and conn._deadline_watch is watch:
                conn._deadline_watch = None
        TIMER.cancel(entry)
        _local.watch = previous


def _claim(conn: Any) -> None:
    """`conn` is about to be used by this thread's attempt; refuse if its deadline passed
    (nothing is sent on it then: urllib3 and requests report a connect timeout)."""
    watch = getattr(_local, "watch", None)
    if watch is None:
        return
    with _lock:
        if not watch.active:
            return
        if watch.fired:
            raise ConnectTimeoutError(conn, "The attempt's deadline passed before sending")
        watch.conn = conn
        conn._deadline_watch = watch


def _release(conn: Any) -> None:
    """`conn` goes back to its pool: no attempt's timer may touch it any more, and if a
    timer shut it down it is closed first (the pool reconnects it when next used)."""
    with _lock:
        watch, conn._deadline_watch = conn._deadline_watch, None
        if watch is not None and watch.conn is conn:
            watch.conn = None
        shut, conn._deadline_shut = conn._deadline_shut, False
    if shut:
        conn.close()


class _WatchedConnection:
    _deadline_watch: Any = None
    _deadline_shut = False

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _claim(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _claim(self)
        super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self) -> Any:
        response = super().getresponse()  # type: ignore[misc]
        # Headers cut short by a shutdown parse as complete ones: only trust them if the
        # timer had not fired by now.
        with _lock:
            watch = self._deadline_watch
            if watch is not None and not watch.interrupted:
                watch.headers_arrived = True
        return response


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedPool:
    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            _release(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _WatchedHTTPPool(_WatchedPool, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_WatchedPool, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOL_CLASSES = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections a `deadline_guard` can end in any phase.

    Direct connections and HTTP(S) proxies; a SOCKS proxy keeps its own pools (its attempts
    are then bounded per socket operation only, as with a plain HTTPAdapter).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        _watch_pools(manager)
        return manager


def _watch_pools(manager: Any) -> None:
    if getattr(manager, "pool_classes_by_scheme", None) is DEFAULT_POOL_CLASSES:
        manager.pool_classes_by_scheme = _POOL_CLASSES


# What requests reads from the environment on every call while `trust_env` is on: proxies
# (and NO_PROXY, matched against each URL) and CA bundles; and ~/.netrc, looked up per call.
ENVIRONMENT_SETTINGS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
                        "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def guarded_session(pool_maxsize: int = 10, pool_connections: int = 10) -> requests.Session:
    """A requests.Session whose http and https attempts a `deadline_guard` can end.

    When the environment names no proxy and no CA bundle, the session does not read it on
    every call (`trust_env` off): those lookups were about a third of a Graph call's own CPU
    in the token refresh job. Graph calls authenticate with their token, never ~/.netrc.
    With any of ENVIRONMENT_SETTINGS set, requests reads them as usual."""
    session = requests.Session()
    adapter = DeadlineAdapter(pool_connections=pool_connections, pool_maxsize=pool_maxsize)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if not any(os.environ.get(name) or os.environ.get(name.lower())
               for name in ENVIRONMENT_SETTINGS):
        session.trust_env = False
    return session


class _Timer:
    """One daemon thread running callbacks at their time.monotonic() times.

    Cancelled entries stay in the heap until their time (a few seconds) unless they are
    most of it, so a cancel costs no search."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[list[Any]] = []
        self._cancelled = 0
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def call_at(self, when: float, callback: Callable[[], None]) -> list[Any]:
        entry = [when, next(self._seq), callback]
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="graph-deadlines",
                                                daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._cond.notify()
        return entry

    def cancel(self, entry: list[Any]) -> None:
        with self._cond:
            if entry[2] is None:
                return
            entry[2] = None
            self._cancelled += 1
            if self._cancelled > 256 and self._cancelled * 2 > len(self._heap):
                self._heap = [e for e in self._heap if e[2] is not None]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def pending(self) -> int:
        """Callbacks still to run (for tests)."""
        with self._cond:
            return sum(1 for e in self._heap if e[2] is not None)

    def _run(self) -> None:
        while True:
            with self._cond:
                callback = self._next()
            try:
                callback()
            except Exception:  # a guard must never kill the thread every guard relies on
                log.exception("deadline callback failed")

    def _next(self) -> Callable[[], None]:
        while True:
            while self._heap and self._heap[0][2] is None:
                heapq.heappop(self._heap)
                self._cancelled -= 1
            if not self._heap:
                self._cond.wait()
                continue
            delay = self._heap[0][0] - time.monotonic()
            if delay > 0:
                self._cond.wait(delay)
                continue
            entry = heapq.heappop(self._heap)
            callback, entry[2] = entry[2], None
            return callback


TIMER = _Timer()


def _after_fork() -> None:
    """A forked worker (gunicorn --preload) has no timer thread, and its copies of the locks
    may have been held by a thread that does not exist there."""
    global _lock
    _lock = threading.Lock()
    TIMER._reset()


os.register_at_fork(after_in_child=_after_fork)
