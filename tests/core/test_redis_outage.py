"""A Redis outage as an operator lives it: said once when it starts and once when it ends per
process (not at every retry), and a Redis that hangs costs requests a bounded time."""
import logging
import socket
import threading
import time

import pytest
import redis

from backend.extensions import db
from backend.services.instagram.graph.shared_state import RedisStore
from tests.conftest import make_app

LOGGER = "backend.services.instagram.graph.shared_state"


class FlakyRedis:
    """A stand-in Redis client that is down until `up` is set."""

    def __init__(self):
        self.up, self.calls = False, 0

    def mget(self, names):
        self.calls += 1
        if not self.up:
            raise redis.ConnectionError("Error 111 connecting to redis:6379. Connection refused.")
        return [None for _ in names]

    def ping(self):
        return self.mget(["ping"])


def test_an_outage_is_said_once_when_it_starts_and_once_when_it_ends(caplog):
    now = [1000.0]
    client, errors = FlakyRedis(), []
    store = RedisStore(client, "t:", retry_after=5.0, on_error=errors.append,
                       clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in range(24):  # two minutes of calls, every 5 s a retry reaches "Redis"
            store.get("breaker:h")
            now[0] += 5.0
        client.up = True
        store.get("breaker:h")
        store.get("breaker:h")
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(lines) == 2, lines
    assert lines[0].startswith("shared state: Redis unavailable (ConnectionError)")
    assert lines[1] == ("shared state: Redis is back after 120 s; workers share their guards "
                        "again")
    assert client.calls == 24 + 2 and len(errors) == 24  # counted each time, said once


@pytest.fixture
def hung_redis():
    """A server that accepts connections and never answers, as a hung Redis does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return
    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()
    for connection in held:
        connection.close()


@pytest.mark.e2e
def test_a_hung_redis_costs_requests_a_bounded_time(tmp_path, fresh_sandbox, hung_redis):
    app = make_app(tmp_path, fresh_sandbox.url, REDIS_URL=hung_redis,
                   INSTAGRAM_RATE_LIMIT="100/minute")
    client = app.test_client()
    timings = []

    def timed(call):
        started = time.monotonic()
        answer = call()
        timings.append(time.monotonic() - started)
        assert answer.status_code in (200, 201), answer.get_json()
        return answer.get_json()
    credentials = {"email": "h@example.com", "password": "correct horse battery"}
    timed(lambda: client.post("/api/auth/register", json=credentials))
    token = timed(lambda: client.post("/api/auth/login", json=credentials))["access_token"]
    for _ in range(10):
        timed(lambda: client.get("/api/sns/instagram/accounts",
                                 headers={"Authorization": f"Bearer {token}"}))
    # 0.5 s socket timeouts: about 1 s for the first request (the limiter, then the guards),
    # then now and then 0.5 s for a request that probes Redis again; never stuck.
    assert max(timings) < 2.0 and sum(timings) < 6.0, timings
    with app.app_context():
        db.engine.dispose()
