"""`memory://` rate-limit storage swept once a second, not every 10 ms.

The `limits` library's in-memory storage (what Flask-Limiter uses for `memory://`, the
single-process default) starts a timer thread after each hit unless one is alive, and the
timer sweeps every key 10 ms later: under steady traffic, a new thread and a sweep of every
user's keys a hundred times a second, in the process that answers requests, holding the GIL
while it sweeps. The sweep only frees the memory of expired keys; every read already drops
an expired key itself (`get` checks the expiry), so how often it runs changes no count and no
answer. This subclass keeps the library's storage and its sweep, once a second, on a daemon
thread (the library's 10 ms thread is not one; a 1 s one would hold the interpreter's exit).

Importing this module registers it for the `memory` scheme in the process: every later
`storage_from_string("memory://")`, Flask-Limiter's included, builds this class. The host
imports it before it sets up its own limiter (backend/extensions.py), the integration before
its own (core/limits.py).
"""
import logging
import threading

from limits.storage import MemoryStorage

log = logging.getLogger(__name__)


class SweptMemoryStorage(MemoryStorage):
    """limits' MemoryStorage (fixed window, sliding window counter, moving window), its
    expired keys swept every SWEEP_SECONDS seconds while hits come in."""

    STORAGE_SCHEME = ["memory"]
    SWEEP_SECONDS = 1.0

    # limits schedules its sweep in this (name-mangled) method after every hit, in every
    # version since 3.x at least; tests/test_memory_storage.py fails if that changes.
    def _MemoryStorage__schedule_expiry(self) -> None:
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_SECONDS, self._sweep)
            self.timer.daemon = True
            self.timer.start()

    def _sweep(self) -> None:
        """The library's sweep, which races the request threads: it lists the keys, then
        reads each, and a read that expired a key meanwhile (`get`) makes it raise KeyError
        (a traceback on stderr from the timer thread). A key gone is a key swept: the next
        sweep finishes the work."""
        try:
            self._MemoryStorage__expire_events()
        except KeyError:
            log.debug("rate-limit storage: a key expired during the sweep; next sweep goes on")
