"""Regressions: posts survive dead requests and network failures; preview probes its own media;
Facebook tokens must belong to this app."""
from datetime import timedelta

import pytest

from backend.extensions import db
from backend.models import SNSAccount, SNSPost, User, utcnow
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.client import InstagramAPI
from backend.services.instagram.preflight.validator import item_plan, media_sources
from backend.services.instagram.publishing.jobs import due_posts
from backend.services.instagram.publishing.waits import on_error
from tests.conftest import authorize


def _post(status="pending", **fields):
    user = User(email=f"{status}-{utcnow().timestamp()}@b.co", password_hash="x")
    db.session.add(user)
    db.session.flush()
    account = SNSAccount(user_id=user.id, platform_user_id="1", connected_at=utcnow())
    db.session.add(account)
    db.session.flush()
    post = SNSPost(user_id=user.id, account_id=account.id, post_type="feed", status=status,
                   deadline_at=utcnow() + timedelta(minutes=20), **fields)
    db.session.add(post)
    db.session.commit()
    return post


def test_a_post_left_by_a_dead_request_is_taken_over_by_the_job(app):
    with app.app_context():
        orphan = _post("pending")
        leased = _post("pending", lease_owner="w", lease_until=utcnow() + timedelta(minutes=5))
        later = _post("processing", next_check_at=utcnow() + timedelta(minutes=5))
        done = _post("published")
        due = due_posts(utcnow(), 50)
        assert orphan.id in due
        assert not {leased.id, later.id, done.id} & set(due)
        # Leases run on the database clock: the lease lapses there, not by the app's clock.
        leased.lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert leased.id in due_posts(utcnow(), 50)


def test_network_failure_while_publishing_waits_instead_of_failing(app):
    """Nothing reached Meta (connection refused): safe to try again, never a failed post."""
    with app.app_context():
        post = _post("publishing")
        on_error(post, graph.NetworkError("connection refused", ambiguous=False),
                 runtime().settings)
        assert post.status == "publishing" and post.next_check_at is not None


@pytest.mark.parametrize("post_type", ["reel", "story"])
def test_stray_items_do_not_replace_a_posts_own_media(post_type):
    payload = {"video_url": "https://cdn.example.com/v.mp4",
               "items": [{"image_url": "https://cdn.example.com/a.jpg"}]}
    assert [s[0] for s in media_sources(post_type, payload)] == ["video_url"]
    report = {"media": [{"field": "video_url", "kind": "video", "url": payload["video_url"]}]}
    assert item_plan(post_type, payload, report)[0]["options"] == {}


@pytest.mark.e2e
def test_facebook_token_of_another_app_connects_nothing(live, live_user, monkeypatch):
    headers = live_user()
    monkeypatch.setattr(InstagramAPI, "debug_token",
                        lambda self, token=None: {"is_valid": True, "app_id": "999"})
    callback, _ = authorize(live, headers, login="facebook")
    response = live.http.get(callback)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "token_not_for_this_app"
    assert live.http.get(live.api("/accounts"), headers=headers).json()["accounts"] == []
