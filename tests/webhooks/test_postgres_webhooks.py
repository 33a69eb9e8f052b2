"""Webhooks, the inbox and first comments on a migrated PostgreSQL database."""
import pytest
import requests

from backend.extensions import db
from backend.services.instagram.comments.first_comment import process_first_comments
from backend.services.instagram.comments.models import SNSComment
from backend.services.instagram.webhooks.models import SNSWebhookEvent
from backend.services.instagram.webhooks.processing import process_events
from tests.comments.helpers import run_in
from tests.conftest import authorize, register_and_login
# The PostgreSQL fixtures of the platform's own test, used by name.
from tests.test_postgres import URL, pg_app, pg_url  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not URL, reason="set DATABASE_URL_TEST=postgresql+psycopg://... (.ci/run does)")]


def test_deliveries_are_stored_once_and_processed_on_postgresql(
        pg_app, fresh_sandbox):  # noqa: F811
    app, live = pg_app
    headers = register_and_login(live.http, live.url, "pg-hooks@example.com")
    callback, _ = authorize(live, headers)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    control = f"{fresh_sandbox.url}/_sandbox"
    requests.post(f"{control}/webhooks", json={"callback_url": live.api("/webhooks")},
                  timeout=10).raise_for_status()
    comments = f"{control}/accounts/sandbox_business/comments"
    statuses = [requests.post(comments, json=body, timeout=60).json()["delivery"]["statuses"]
                for body in ({"delivery": {"repeat": 2}}, {"delivery": {"signature": "wrong"}},
                             {"count": 50, "delivery": {"concurrency": 4}},
                             {"text": "nul \u0000 and \ud83d\ude00"})]
    assert statuses == [{"200": 2}, {"403": 1}, {"200": 50}, {"200": 1}]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SNSWebhookEvent.id))) == 52
    run_in(app, process_events)
    inbox = live.http.get(live.api("/comments"), params={"limit": 100}, headers=headers).json()
    assert inbox["unread"] == 52 and len(inbox["comments"]) == 52
    assert "\x00" not in inbox["comments"][0]["text"]
    post = live.http.post(live.api("/posts"), headers=headers, json={
        "account_id": account["id"], "caption": "pg", "first_comment": "#pg",
        "image_url": f"{control}/samples/image.jpg?w=1080&h=1350"}).json()["post"]
    run_in(app, process_first_comments)
    status = live.http.get(live.api(f"/posts/{post['id']}/status"), headers=headers).json()
    assert status["post"]["first_comment"]["status"] == "posted"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SNSComment.id))) == 52
