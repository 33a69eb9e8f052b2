"""An attempt ends at its deadline in every phase, over real sockets: a Meta that trickles its
status line and headers (which requests' read timeout never ends), or never reads what is
sent; the connection it held is closed, never pooled, and other calls keep theirs."""
import socket
import threading
import time

import pytest
from tenacity import wait_none

from backend.services.instagram import InstagramAPI
from backend.services.instagram.graph import errors as e
from backend.services.instagram.graph.watchdog import (
    ENVIRONMENT_SETTINGS, _Timer, guarded_session)

SLACK = 0.5  # the client's own work, and a loaded test machine
OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      b'{"id":"1"}\n')


class RawMeta:
    """A socket server answering each connection with `behaviour(conn, number)` (threads)."""

    def __init__(self, behaviour):
        self.behaviour, self.connections = behaviour, 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn, self.connections),
                             daemon=True).start()

    def _handle(self, conn, number):
        with conn:
            try:
                self.behaviour(conn, number)
            except OSError:  # the client hung up: that is the point
                pass

    def close(self):
        self.server.close()


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    return True


def trickled_headers(conn, number=1):
    """The reviewer's Meta: a status line, then a header a byte every 0.3 s, forever."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-A: ")
    while True:
        conn.sendall(b"a")
        time.sleep(0.3)


def keep_alive(conn, number=1):
    while read_request(conn):
        conn.sendall(OK)


@pytest.fixture
def meta():
    servers = []

    def start(behaviour):
        servers.append(RawMeta(behaviour))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def client(url, budget=None, **options):
    deadline = None if budget is None else time.monotonic() + budget
    return InstagramAPI("tok", graph_url=url, deadline=deadline, retry_wait=wait_none(),
                        **options)


def timed(call):
    started = time.monotonic()
    try:
        call()
    except e.InstagramAPIError as exc:
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def test_trickled_headers_end_at_the_budget_as_a_read_timeout_does(meta):
    server = meta(trickled_headers)
    api = client(server.url, budget=1.5)
    error, took = timed(lambda: api._graph("GET", "me"))
    print(f"trickled headers, budget 1.5 s: {took:.2f} s")  # 67.9 s before
    assert isinstance(error, e.NetworkError) and error.ambiguous
    assert error.reason == "slow_response"
    assert "status line and headers not yet whole" in str(error)
    assert 1.5 - 0.05 < took < 1.5 + SLACK
    assert api.calls_made == 1  # no time left for another attempt


def test_each_attempt_is_bounded_and_retries_use_what_is_left(meta):
    # Attempts of connect + read = 1 s within a budget of 10 s: three attempts, for a read.
    server = meta(trickled_headers)
    api = client(server.url, budget=10, timeout=(0.5, 0.5), max_retries=3)
    error, took = timed(lambda: api._graph("GET", "me"))
    assert isinstance(error, e.NetworkError) and api.calls_made == 3
    assert 3 - 0.1 < took < 3 + SLACK
    # A POST that may have been acted on is not repeated.
    post = client(server.url, budget=10, timeout=(0.5, 0.5), max_retries=3)
    error, took = timed(lambda: post._graph("POST", "me/media", data={"caption": "x"}))
    assert isinstance(error, e.NetworkError) and error.ambiguous and post.calls_made == 1
    assert took < 1 + SLACK


def test_without_a_budget_the_attempt_ends_after_connect_and_read_timeouts(meta):
    server = meta(trickled_headers)
    api = client(server.url, timeout=(0.3, 0.7), max_retries=1)
    error, took = timed(lambda: api._graph("GET", "me"))
    assert isinstance(error, e.NetworkError) and 1 - 0.05 < took < 1 + SLACK


def test_a_meta_that_never_reads_what_is_sent_cannot_hold_the_send(meta):
    server = meta(lambda conn, number: time.sleep(30))
    api = client(server.url, budget=1.0)
    # Far more than the socket buffers take: sendall blocks until the watchdog ends it.
    error, took = timed(lambda: api._graph("POST", "me/media", data={"x": "a" * (64 << 20)}))
    assert isinstance(error, e.NetworkError) and error.ambiguous
    assert took < 1.0 + SLACK + 0.5  # encoding 64 MiB of form data takes a moment


def test_the_interrupted_connection_is_closed_and_the_next_call_connects_anew(meta):
    # One shared session, as the app has: the first connection trickles, later ones answer.
    server = meta(lambda conn, number: trickled_headers(conn) if number == 1
                  else keep_alive(conn))
    session = guarded_session()
    error, _took = timed(lambda: client(server.url, budget=1.0, session=session)
                         ._graph("GET", "me"))
    assert isinstance(error, e.NetworkError)
    pool = session.get_adapter(server.url).poolmanager.connection_from_url(server.url)
    pooled = [conn for conn in list(pool.pool.queue) if conn is not None]
    assert all(conn.sock is None for conn in pooled)  # closed (or dropped), not shut down
    assert client(server.url, budget=5, session=session)._graph("GET", "me") == {"id": "1"}
    assert server.connections == 2


def test_calls_in_time_keep_their_pooled_connection(meta):
    server = meta(keep_alive)
    session = guarded_session()
    for _ in range(20):
        assert client(server.url, budget=0.3, session=session)._graph("GET", "me") == {"id": "1"}
    assert server.connections == 1  # one keep-alive connection for every call
    time.sleep(0.4)  # past every call's deadline: a late timer would have shut it down
    assert client(server.url, budget=5, session=session)._graph("GET", "me") == {"id": "1"}
    assert server.connections == 1


def test_concurrent_calls_on_one_pool_end_each_at_its_own_deadline(meta):
    slow = meta(trickled_headers)
    fast = meta(keep_alive)
    session = guarded_session()
    results = {}

    def call(name, url, budget):
        results[name] = timed(lambda: client(url, budget=budget, session=session)
                              ._graph("GET", "me"))
    threads = [threading.Thread(target=call, args=(f"slow{i}", slow.url, 0.5 + i * 0.25))
               for i in range(4)]
    threads += [threading.Thread(target=call, args=(f"fast{i}", fast.url, 5))
                for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for i in range(4):
        error, took = results[f"slow{i}"]
        assert isinstance(error, e.NetworkError) and took < 0.5 + i * 0.25 + SLACK
    assert all(results[f"fast{i}"][0] is None for i in range(8))


def test_the_timer_runs_callbacks_in_deadline_order_and_skips_cancelled_ones():
    timer, ran, done = _Timer(), [], threading.Event()
    now = time.monotonic()
    timer.call_at(now + 0.2, lambda: (ran.append("late"), done.set()))
    cancelled = timer.call_at(now + 0.05, lambda: ran.append("cancelled"))
    timer.call_at(now + 0.1, lambda: ran.append("early"))
    timer.cancel(cancelled)
    assert timer.pending() == 2
    assert done.wait(5) and ran == ["early", "late"] and timer.pending() == 0


@pytest.mark.parametrize("name", ENVIRONMENT_SETTINGS + ("https_proxy", "no_proxy"))
def test_the_environment_is_read_per_call_only_when_it_says_something(monkeypatch, name):
    for setting in ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(setting, raising=False)
        monkeypatch.delenv(setting.lower(), raising=False)
    assert guarded_session().trust_env is False  # nothing to read: no lookups per call
    monkeypatch.setenv(name, "http://proxy.internal:3128")
    assert guarded_session().trust_env is True  # a proxy or CA bundle is honoured


def test_a_guard_inside_another_keeps_the_outer_deadline():
    from backend.services.instagram.graph.watchdog import deadline_guard
    with deadline_guard(0.2) as outer:
        with deadline_guard(30) as inner:
            assert inner.deadline == outer.deadline  # the sooner one holds
        with deadline_guard(0.05) as sooner:
            assert sooner.deadline < outer.deadline
