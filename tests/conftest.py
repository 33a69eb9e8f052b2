"""Shared fixtures: the sandbox on loopback, an app per test, users, connected accounts."""
import os
import threading
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from backend.app import create_app
from backend.extensions import db
from backend.sandbox.core.server import start_sandbox
from tests.browser import chromium  # noqa: F401 (the headless Chromium fixture, for every test)

TOKEN_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes():
    """Tests create hundreds of users: hash their passwords with 1,000 PBKDF2 rounds instead
    of scrypt's 0.15 s each (the platform's own default is untouched; the login code reads
    the method from the stored hash, so both work)."""
    from backend import models
    real = models.generate_password_hash
    models.generate_password_hash = lambda password: real(password, "pbkdf2:sha256:1000")
    yield
    models.generate_password_hash = real


@pytest.fixture(scope="session")
def sandbox():
    """One Graph API sandbox for the session; reset before each test that uses it."""
    server = start_sandbox(host="127.0.0.1", port=0)
    yield server
    server.shutdown()


@pytest.fixture
def fresh_sandbox(sandbox):
    sandbox.state.reset()
    return sandbox


def make_app(tmp_path, sandbox_url, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "INSTAGRAM_SANDBOX": True,
        "INSTAGRAM_SANDBOX_URL": sandbox_url,
        "INSTAGRAM_TOKEN_KEYS": TOKEN_KEY,
        "INSTAGRAM_RETRY_WAIT_MAX": 0,
        "INSTAGRAM_RATE_LIMIT": "1000/minute",
        "SCHEDULER_ENABLED": False,
        # Tests travel in time by days; logins must outlive that.
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(days=400),
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path, fresh_sandbox):
    app = make_app(tmp_path, fresh_sandbox.url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Live:
    """The platform served over real HTTP on loopback, as a user's deployment would be."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.http = requests.Session()

    def api(self, path):
        return f"{self.url}/api/sns/instagram{path}"

    def stop(self):
        self.server.shutdown()
        self.http.close()


@pytest.fixture
def live(app):
    server = Live(app)
    yield server
    server.stop()


def register_and_login(http, base, email, password="correct horse battery"):
    http.post(f"{base}/api/auth/register", json={"email": email, "password": password})
    response = http.post(f"{base}/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def auth_headers(client):
    """Factory: headers for a (new) user of the test-client app."""
    def make(email="alice@example.com"):
        client.post("/api/auth/register", json={"email": email,
                                                "password": "correct horse battery"})
        response = client.post("/api/auth/login", json={"email": email,
                                                        "password": "correct horse battery"})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    return make


@pytest.fixture
def live_user(live):
    """Factory: JWT headers for a user of the live platform."""
    return lambda email="alice@example.com": register_and_login(live.http, live.url, email)


def authorize(live, headers, login="instagram", **sandbox_params):
    """POST /oauth/authorize, open the connect link in live.http (the user's "browser", which
    keeps its cookie) and follow Meta's (the sandbox's) dialog without redirects.

    Returns (callback_url, state): the URL the user's browser would be sent to.
    """
    response = live.http.post(live.api("/oauth/authorize"), json={"login": login},
                              headers=headers)
    assert response.status_code == 200, response.text
    started = live.http.get(response.json()["start_url"], allow_redirects=False)
    assert started.status_code == 302, started.text
    dialog = requests.get(started.headers["Location"], params=sandbox_params,
                          allow_redirects=False, headers={"Accept": "*/*"})
    assert dialog.status_code in (302, 303), dialog.text
    callback = dialog.headers["Location"]
    return callback, query_of(callback)["state"]


def connect_with_test_client(client, headers, login="instagram", **sandbox_params):
    """Connect an account with Flask's test client as the browser (it keeps the connect
    link's cookie); the sandbox's dialog is reached over HTTP. Returns the callback's JSON."""
    start_url = client.post("/api/sns/instagram/oauth/authorize", json={"login": login},
                            headers=headers).get_json()["start_url"]
    dialog = client.get(start_url).headers["Location"]
    callback = requests.get(dialog, params=sandbox_params,
                            allow_redirects=False).headers["Location"]
    path = "/" + callback.split("://", 1)[1].split("/", 1)[1]
    return client.get(path, headers={"Accept": "application/json"}).get_json()


@pytest.fixture
def connect_account(live):
    """Factory: connect an account through the real redirect flow; returns the account JSON."""
    def connect(headers, login="instagram", persona="business", username=None):
        params = {"sandbox_persona": persona}
        if username:
            params["sandbox_username"] = username
        callback, _state = authorize(live, headers, login, **params)
        response = live.http.get(callback, headers={"Accept": "application/json"})
        assert response.status_code == 201, response.text
        return response.json()["account"]
    return connect


def query_of(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


REDIS_URL_TEST = os.environ.get("REDIS_URL_TEST")


@pytest.fixture
def redis_url():
    """A Redis server for tests of the shared guards (.ci/run starts one); skip without."""
    if not REDIS_URL_TEST:
        pytest.skip("set REDIS_URL_TEST=redis://127.0.0.1:6390/0 (.ci/run starts Redis)")
    return REDIS_URL_TEST


@pytest.fixture
def redis_prefix():
    """A key prefix of its own, so tests (and xdist workers) never share records."""
    return f"test:{uuid.uuid4().hex[:12]}:"
