"""A user of the live platform with a connected account, and the sandbox's follower controls."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.extensions import db
from backend.models import utcnow
from backend.services.instagram.comments.poll import poll_comments


class Desk:
    """Alice at her social-media desk: her JWT, one connected account, the sandbox beside."""

    def __init__(self, live, sandbox, headers, account):
        self.live, self.sandbox, self.headers, self.account = live, sandbox, headers, account
        self.bodies = []

    @property
    def username(self):
        return self.account["username"]

    def call(self, method, path, headers=None, **kwargs):
        url = path if path.startswith("http") else self.live.api(path)
        response = self.live.http.request(method, url, timeout=30,
                                          headers=self.headers if headers is None else headers,
                                          **kwargs)
        self.bodies.append(response.text)
        return response

    def get(self, path, headers=None, **params):
        return self.call("GET", path, headers, params=params or None)

    def control(self, method, path, **kwargs):
        response = requests.request(method, f"{self.sandbox.url}/_sandbox{path}", timeout=120,
                                    **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def followers_comment(self, account=None, **body):
        """Followers comment on the account's media (the newest post unless media_id)."""
        return self.control("POST", f"/accounts/{account or self.username}/comments",
                            json=body)

    def comments_at_meta(self, username=None):
        return self.control("GET", f"/accounts/{username or self.username}/comments")["data"]

    def media_at_meta(self, username=None):
        return self.control("GET", f"/accounts/{username or self.username}/media")["data"]

    def subscribe_callback(self, **body):
        """Point the sandbox's App Dashboard webhook at this platform (verified now)."""
        return self.control("POST", "/webhooks",
                            json={"callback_url": self.live.api("/webhooks"), **body})

    def assert_no_token_leaked(self):
        tokens = [t["access_token"] for t in requests.get(
            f"{self.sandbox.url}/_sandbox/tokens", timeout=10).json()["data"]]
        for body in self.bodies:
            assert "access_token" not in body
            for token in tokens:
                assert token not in body


def error_of(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


def run_in(app, job, *args):
    """Run a scheduler job once, as the scheduler would (in an app context)."""
    with app.app_context():
        try:
            return job(app, *args)
        finally:
            db.session.remove()


class Poller:
    """Runs the poll job as the scheduler would, each run some minutes after the last."""

    def __init__(self, app):
        self.app, self.start, self.minutes = app, utcnow(), 0

    def __call__(self, app=None, minutes=11):
        self.minutes += minutes
        with time_machine.travel(self.start + timedelta(minutes=self.minutes), tick=True):
            return run_in(self.app, poll_comments)


@pytest.fixture
def open_desk(live, live_user, connect_account, sandbox):
    """Factory: a Desk for a new user (email) connecting a persona through a login type."""
    desks = []

    def make(email="alice@example.com", login="instagram", persona="business", username=None):
        headers = live_user(email)
        desk = Desk(live, sandbox, headers,
                    connect_account(headers, login=login, persona=persona, username=username))
        desks.append(desk)
        return desk
    yield make
    for desk in desks:
        desk.assert_no_token_leaked()


@pytest.fixture
def desk(open_desk):
    return open_desk()
