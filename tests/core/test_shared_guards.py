"""Several workers, one Redis: one per-user limit, one throttle, one breaker, one memory of
rejected metrics; and a Redis outage that degrades instead of failing requests.

Each "worker" is an app of its own (own process state) on the same database and Redis, as
gunicorn's workers are; tests/multiworker runs the real thing under gunicorn.
"""
import logging

import pytest
from limits.storage import RedisStorage

from backend.extensions import db, limiter
from backend.services.instagram.core.limits import limiter as integration_limiter
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.breaker import OPEN
from backend.services.instagram.graph.shared_state import LocalStore, RedisStore
from tests.conftest import make_app
from tests.prom import total

HOST = "graph.instagram.com"


@pytest.fixture
def workers(tmp_path, fresh_sandbox, redis_url, redis_prefix):
    """Two apps sharing a database and a Redis prefix, with a small per-user limit."""
    apps = [make_app(tmp_path, fresh_sandbox.url, REDIS_URL=redis_url,
                     INSTAGRAM_REDIS_PREFIX=redis_prefix, RATELIMIT_KEY_PREFIX=redis_prefix,
                     INSTAGRAM_RATE_LIMIT="5/minute",
                     INSTAGRAM_CIRCUIT_FAILURES=3, INSTANCE_PATH=str(tmp_path / f"i{n}"))
            for n in range(2)]
    yield apps
    store = runtime(apps[0]).store
    for key in store.client.scan_iter(f"*{redis_prefix}*"):
        store.client.delete(key)
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_the_guards_are_redis_backed_when_redis_is_configured(workers):
    first, second = (runtime(app) for app in workers)
    assert isinstance(first.store, RedisStore) and first.store.shared
    first.usage.block("graph.instagram.com|17841400000000001", 120)
    assert 119 < second.usage.blocked_for("graph.instagram.com|17841400000000001") <= 120
    for _ in range(3):
        first.breaker.record_failure(HOST)
    assert second.breaker.state(HOST) == OPEN
    first.rejected_metrics.add("v25.0", "REELS", "plays")
    assert second.rejected_metrics.contains("v25.0", "REELS", "plays")
    assert not second.rejected_metrics.contains("v25.0", "FEED", "plays")


def test_the_per_user_limit_holds_across_workers(workers):
    clients = [app.test_client() for app in workers]
    clients[0].post("/api/auth/register", json={"email": "a@example.com",
                                                "password": "correct horse battery"})
    token = clients[1].post("/api/auth/login", json={
        "email": "a@example.com", "password": "correct horse battery"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    statuses = [clients[n % 2].get("/api/sns/instagram/accounts", headers=headers).status_code
                for n in range(9)]
    assert statuses.count(200) == 5 and statuses.count(429) == 4
    # The counters are Redis's (gunicorn workers share nothing else; tests/multiworker).
    assert isinstance(limiter.storage, RedisStorage)


def test_without_redis_each_process_keeps_its_own(app):
    assert isinstance(runtime(app).store, LocalStore)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_redis_outage_degrades_and_says_so(tmp_path, fresh_sandbox, caplog, auth_headers,
                                             monkeypatch):
    # The integration's limiter lives as long as the process: an outage an earlier test
    # caused (test_redis_outage.py) left it on its fallback, and it says so only once.
    monkeypatch.setattr(integration_limiter, "_storage_dead", False)
    # Nothing listens on port 1: every Redis call fails at once.
    app = make_app(tmp_path, fresh_sandbox.url, REDIS_URL="redis://127.0.0.1:1/0",
                   INSTAGRAM_RATE_LIMIT="3/minute")
    client = app.test_client()
    errors_before = total("instagram_shared_state_errors_total")
    with caplog.at_level(logging.WARNING):
        client.post("/api/auth/register", json={"email": "b@example.com",
                                                "password": "correct horse battery"})
        login = client.post("/api/auth/login", json={"email": "b@example.com",
                                                     "password": "correct horse battery"})
        headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
        statuses = [client.get("/api/sns/instagram/accounts", headers=headers).status_code
                    for _ in range(5)]
        rt = runtime(app)
        with app.app_context():
            rt.breaker.record_failure(HOST)
            rt.usage.block("k", 30)
            assert rt.usage.blocked_for("k") > 29  # guarded in this process meanwhile
        ready = client.get("/health/ready").get_json()
    # The API answers, and the per-user limit still holds, per process.
    assert statuses == [200, 200, 200, 429, 429]
    assert rt.store.degraded
    assert total("instagram_shared_state_errors_total") > errors_before
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records)
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    assert ready["checks"]["redis"] == "unavailable"
    with app.app_context():
        db.engine.dispose()
