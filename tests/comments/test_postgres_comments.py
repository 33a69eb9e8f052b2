"""Comments, the inbox and mentions on PostgreSQL: what its columns cannot hold is a 422, never a
500, and what Meta sends is kept."""
import base64

import pytest

from backend.services.instagram.core.runtime import runtime
from tests.comments.helpers import Desk, Poller, error_of
from tests.conftest import authorize, register_and_login
# The PostgreSQL fixtures of the platform's own test, used by name.
from tests.test_postgres import URL, pg_app, pg_url  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not URL, reason="set DATABASE_URL_TEST=postgresql+psycopg://... (.ci/run does)")]


def cursor(text):
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.fixture
def pg_desk(pg_app, fresh_sandbox):  # noqa: F811
    app, live = pg_app
    headers = register_and_login(live.http, live.url, "pg-comments@example.com")
    callback, _ = authorize(live, headers)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    return app, Desk(live, fresh_sandbox, headers, account)


def test_text_postgresql_cannot_hold_is_422_and_nothing_is_posted(pg_desk):
    app, desk = pg_desk
    own = desk.account["id"]
    media_id = next(m["id"] for m in desk.media_at_meta() if m["media_product_type"] != "STORY")
    asked = desk.followers_comment(media_id=media_id)["data"][0]
    before = len(desk.comments_at_meta())
    for message in ("a\u0000b", "\u0000", "\ud800"):
        for path in (f"/comments/{asked['id']}/replies", f"/media/{media_id}/comments"):
            error_of(desk.call("POST", path, json={"account_id": own, "message": message}),
                     422, "validation_error")
    assert len(desk.comments_at_meta()) == before


def test_the_poll_keeps_comments_whose_text_postgresql_cannot_hold(pg_desk):
    """Meta's text may carry a NUL or an unpaired surrogate: the comment is kept without."""
    app, desk = pg_desk
    runtime(app).settings.INSTAGRAM_WEBHOOKS = False  # every account is polled
    poll = Poller(app)
    poll(app, 0)
    made = desk.followers_comment(text="nul \u0000 and \ud800 lone")["data"][0]
    assert poll(app) == {"polled": 1}
    page = desk.get("/comments", status="unread").json()
    assert [(c["comment_id"], c["text"]) for c in page["comments"]] == [
        (made["id"], "nul  and  lone")]


def test_cursors_and_ids_past_postgresqls_range_are_422_or_404(pg_desk):
    app, desk = pg_desk
    asked = desk.followers_comment()["data"][0]
    for text in ("9999-12-31T23:59:59-14:00|5", "0001-01-01T00:00:00+14:00|5",
                 "2026-01-01T00:00:00+00:00|2147483648", "2026-01-01T00:00:00+00:00|" + "9" * 30):
        error = error_of(desk.get("/comments", before=cursor(text)), 422, "validation_error")
        assert error["details"]["errors"][0]["code"] == "invalid_cursor"
    for body in ({"comment_ids": ["a\u0000"]}, {"all": True, "media_id": "1\u0000"}):
        error_of(desk.call("POST", "/comments/read", json=body), 422, "validation_error")
    error_of(desk.get("/mentions", before=2 ** 31), 422, "validation_error")
    error_of(desk.call("POST", "/mentions/read", json={"mention_ids": [2 ** 31]}), 422,
             "validation_error")
    error_of(desk.call("POST", f"/mentions/{2 ** 31}/replies", json={"message": "x"}), 404,
             "mention_not_found")
    assert desk.call("POST", "/comments/read", json={"comment_ids": [asked["id"]]}).ok
