"""memory:// is limits' in-memory storage swept once a second (core/memory_storage.py): the
same counts and answers, without a timer thread started every 10 ms under traffic."""
import threading
import time

import pytest

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import (FixedWindowRateLimiter, MovingWindowRateLimiter,
                               SlidingWindowCounterRateLimiter)

from backend.extensions import limiter as host_limiter
from backend.services.instagram.core.limits import limiter as integration_limiter
from backend.services.instagram.core.memory_storage import SweptMemoryStorage


def test_memory_scheme_builds_the_swept_storage_for_both_limiters(app):
    assert type(storage_from_string("memory://")) is SweptMemoryStorage
    with app.app_context():
        for limiter in (host_limiter, integration_limiter):
            assert isinstance(limiter.storage, SweptMemoryStorage)
            assert isinstance(limiter.storage, MemoryStorage)  # limits' own, subclassed


def test_the_library_still_schedules_its_sweep_through_the_overridden_method(monkeypatch):
    """If limits renamed its private scheduler, the 10 ms thread would be back silently."""
    storage = SweptMemoryStorage("memory://")
    calls = []
    monkeypatch.setattr(SweptMemoryStorage, "_MemoryStorage__schedule_expiry",
                        lambda self: calls.append("scheduled"))
    storage.incr("key", 60)
    FixedWindowRateLimiter(storage).hit(parse("5/minute"), "user:1")
    MovingWindowRateLimiter(storage).hit(parse("5/minute"), "user:2")
    assert len(calls) >= 3


def test_steady_hits_start_one_sweep_thread_a_second_not_one_per_10_ms():
    storage = SweptMemoryStorage("memory://")
    started = []
    real_start = threading.Timer.start

    class Counting(threading.Timer):
        def start(self):
            started.append(self)
            real_start(self)

    original, threading.Timer = threading.Timer, Counting
    try:
        strategy, item = FixedWindowRateLimiter(storage), parse("1000/minute")
        deadline = time.monotonic() + 0.5
        hits = 0
        while time.monotonic() < deadline:  # 0.5 s of hits every 5 ms
            strategy.hit(item, "user:1")
            hits += 1
            time.sleep(0.005)
    finally:
        threading.Timer = original
    assert hits >= 50
    assert len(started) <= 1  # limits' own storage starts about 50 here
    assert all(timer.daemon for timer in started)


def test_counts_are_exact_and_expired_keys_are_swept():
    storage = SweptMemoryStorage("memory://")
    storage.SWEEP_SECONDS = 0.05
    for strategy in (FixedWindowRateLimiter, MovingWindowRateLimiter,
                     SlidingWindowCounterRateLimiter):
        limiter, item = strategy(storage), parse("3/second")
        answers = [limiter.hit(item, strategy.__name__) for _ in range(5)]
        assert answers == [True, True, True, False, False], strategy.__name__
    fixed, item = FixedWindowRateLimiter(storage), parse("1/second")
    for user in range(200):
        fixed.hit(item, f"user:{user}")
    assert len(storage.storage) >= 200
    time.sleep(1.1)  # every window above is over
    assert fixed.hit(item, "user:0")  # an expired key is dropped on read: a fresh window
    time.sleep(0.2)  # the sweep this hit scheduled has run
    users = [key for key in storage.storage if "/user:" in key]
    assert users == ["LIMITER/user:0/1/1/second"]  # the 199 expired windows are gone


def test_a_key_expired_by_a_request_during_the_sweep_is_no_traceback(monkeypatch):
    """limits' sweep lists the keys, then reads each: a request thread's read that expires
    one in between made the timer thread die with a KeyError on stderr."""
    storage = SweptMemoryStorage("memory://")
    time.sleep(0.05)  # the library's first sweep, 10 ms after the storage is made, is over
    storage.incr("stays", 60)
    storage.incr("gone", 0.001)
    time.sleep(0.01)
    real_time, calls = time.time, []

    def racing_time():  # at the sweep's first test ("stays"), a request expires "gone"
        if not calls:
            calls.append(1)
            storage.get("gone")
        return real_time()

    failures = []
    monkeypatch.setattr(threading, "excepthook", failures.append)
    monkeypatch.setattr("limits.storage.memory.time.time", racing_time)
    with pytest.raises(KeyError):
        storage._MemoryStorage__expire_events()  # the library's own sweep raises
    calls.clear()
    storage.incr("gone", 0.001)
    time.sleep(0.01)
    storage._sweep()  # ours finishes without raising
    assert storage.get("stays") == 1
    assert not failures
