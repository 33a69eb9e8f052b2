"""gunicorn with 3 workers on PostgreSQL and Redis, against the sandbox: the platform as it
is run in production. Each test gets its own server, database and Redis key prefix."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, text

from backend.app import create_app, upgrade_database
from backend.extensions import db
from tests.conftest import REDIS_URL_TEST, TOKEN_KEY, authorize, register_and_login

ROOT = Path(__file__).resolve().parent.parent.parent
PG_URL = os.environ.get("DATABASE_URL_TEST")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A running gunicorn; `.http` is a session, `.api(path)` an integration URL."""

    def __init__(self, tmp_path, sandbox, database_url, workers=3, preload=False, args=(),
                 **env):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.prefix = f"mw:{uuid.uuid4().hex[:10]}:"
        self.log_path = tmp_path / "gunicorn.log"
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL_TEST,
                    "INSTAGRAM_REDIS_PREFIX": self.prefix, "RATELIMIT_KEY_PREFIX": self.prefix,
                    "INSTAGRAM_SANDBOX": "true",
                    "INSTAGRAM_SANDBOX_URL": sandbox.url, "INSTAGRAM_TOKEN_KEYS": TOKEN_KEY,
                    "SECRET_KEY": "multiworker-secret-key-long-enough-for-hs256",
                    "INSTANCE_PATH": str(tmp_path / "instance"), "INSTAGRAM_RETRY_WAIT_MAX": "0",
                    "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
                    "PUBLIC_BASE_URL": self.url, "LOG_FORMAT": "json", **env}
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                   "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", "5"] + (["--preload"] if preload else []) \
            + list(args) + ["backend.wsgi:app"]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.http = requests.Session()
        self.redis = redis.Redis.from_url(REDIS_URL_TEST)
        self.pids = self.wait_ready(workers)

    def api(self, path):
        return f"{self.url}/api/sns/instagram{path}"

    def wait_ready(self, workers, timeout=60):
        """Ask /health/ready until every worker (by pid) has answered 200."""
        seen, deadline = set(), time.monotonic() + timeout
        while len(seen) < workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not get ready:\n" + self.log_path.read_text())
            try:
                answer = requests.get(f"{self.url}/health/ready", timeout=2)
                if answer.status_code == 200:
                    seen.add(answer.json()["pid"])
                    continue
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return seen

    def user(self, email):
        return register_and_login(self.http, self.url, email)

    def connect(self, headers, username):
        callback, _state = authorize(self, headers, sandbox_persona="business",
                                     sandbox_username=username)
        response = self.http.get(callback, headers={"Accept": "application/json"})
        assert response.status_code == 201, response.text
        return response.json()["account"]

    def sql(self, statement, **params):
        engine = create_engine(self.database_url)
        with engine.begin() as connection:
            rows = connection.execute(text(statement), params)
            result = rows.all() if rows.returns_rows else None
        engine.dispose()
        return result

    def stop(self):
        self.http.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        for key in self.redis.scan_iter(f"*{self.prefix}*"):
            self.redis.delete(key)
        self.redis.close()


def migrated_database(server_url, tmp_path, sandbox_url):
    """A new database on the PostgreSQL server of `server_url`, migrated to head (what
    `flask db upgrade` does per deploy); returns (url, drop)."""
    name = f"mw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path / "m"),
                      "SECRET_KEY": "m" * 40, "INSTAGRAM_SANDBOX_URL": sandbox_url})
    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


@pytest.fixture
def pg_database(tmp_path, sandbox):
    if not (PG_URL and REDIS_URL_TEST):
        pytest.skip("needs DATABASE_URL_TEST (PostgreSQL) and REDIS_URL_TEST (.ci/run starts "
                    "both)")
    url, drop = migrated_database(PG_URL, tmp_path, sandbox.url)
    yield url
    drop()


@pytest.fixture
def start_cluster(tmp_path, fresh_sandbox, pg_database):
    """Factory: start gunicorn (3 workers unless told) with extra environment variables."""
    # Many calls in a short test: keep the sandbox's hourly app budget out of the way.
    fresh_sandbox.state.update_settings({"usage_calls_per_hour": 1_000_000})
    started = []

    def start(**options):
        cluster = Cluster(tmp_path, fresh_sandbox, pg_database, **options)
        started.append(cluster)
        return cluster

    yield start
    for cluster in started:
        cluster.stop()


def sandbox_counter(sandbox, path):
    """Count the sandbox's requests to `path` (a regex) from now on: a zero-latency fault
    whose remaining count goes down by one per matching request."""
    big = 1_000_000
    with sandbox.state.lock:
        fault = sandbox.state.faults.add({"path": path, "latency_ms": 0, "times": big})
    return lambda: big - (fault.times if fault in sandbox.state.faults.faults else 0)
