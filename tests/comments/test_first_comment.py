"""First comments end to end: posted once after the media is live, whatever Meta answers."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.comments.first_comment import check_one, process_first_comments
from backend.services.instagram.comments.models import SNSFirstComment
from tests.comments.helpers import error_of, run_in
from tests.publishing.test_publish_e2e import Publisher

pytestmark = pytest.mark.e2e
TAGS = "#autumn #menu #soup"


@pytest.fixture
def publisher(desk):
    return Publisher(desk.live, desk.sandbox, desk.headers, desk.account)


def fault(sandbox, **spec):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json=spec, timeout=10)
    assert response.status_code == 201, response.text


def first_comments_at_meta(desk, media_id):
    return [c for c in desk.comments_at_meta()
            if c["media_id"] == media_id and c["username"] == desk.username]


def publish(publisher, path="/posts", **body):
    media = {"video_url": publisher.video()} if path == "/reels" else {
        "image_url": publisher.image()}
    body = {**media, "caption": "Autumn menu", "first_comment": TAGS, **body}
    response = publisher.post(path, body)
    assert response.status_code in (201, 202), response.text
    return response.json()["post"]


def later(seconds):
    return time_machine.travel(utcnow() + timedelta(seconds=seconds), tick=True)


def test_posted_once_right_after_the_media_is_live(desk, publisher, app):
    post = publish(publisher)
    assert post["status"] == "published"
    assert post["first_comment"]["status"] == "waiting"
    assert post["first_comment"]["message"] == TAGS and post["caption"] == "Autumn menu"
    run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "posted" and block["attempts"] == 1 and block["error"] is None
    made = first_comments_at_meta(desk, post["media_id"])
    assert [(c["id"], c["text"]) for c in made] == [(block["comment_id"], TAGS)]
    for _ in range(2):  # the job again, and the timer the signal asked for: nothing more
        run_in(app, process_first_comments)
        run_in(app, check_one, _row_id(app, post["id"]))
    assert len(first_comments_at_meta(desk, post["media_id"])) == 1
    assert publisher.status(post["id"])["first_comment"] == block
    listed = desk.get("/posts").json()["posts"][0]
    assert listed["first_comment"]["comment_id"] == block["comment_id"]


def _row_id(app, post_id):
    with app.app_context():
        return db.session.execute(db.select(SNSFirstComment.id).filter_by(post_id=post_id)) \
            .scalar_one()


@pytest.mark.parametrize("path", ["/posts", "/reels"])
def test_posted_once_when_the_publish_was_recovered_after_a_lost_answer(desk, publisher, app,
                                                                        path):
    fault(desk.sandbox, path="media_publish$", method="POST", drop_connection=True,
          phase="after")
    post = publish(publisher, path)
    publisher.finish_in_background(app, 600)
    post = publisher.status(post["id"])
    assert post["status"] == "published" and post["attempts"] == 1, post
    assert post["first_comment"]["status"] == "waiting"
    run_in(app, process_first_comments)
    post = publisher.status(post["id"])
    assert post["first_comment"]["status"] == "posted"
    assert len(first_comments_at_meta(desk, post["media_id"])) == 1
    assert len([m for m in desk.media_at_meta() if m["caption"] == "Autumn menu"]) == 1


@pytest.mark.parametrize("lost", [{"drop_connection": True}, {"code": 2, "http_status": 500}])
def test_a_lost_or_failed_answer_is_looked_up_before_posting_again(desk, publisher, app, lost):
    post = publish(publisher)
    fault(desk.sandbox, path=r"^/\d+/comments$", method="POST", phase="after", **lost)
    run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "posting" and block["attempts"] == 1 and block["comment_id"] is None
    made = first_comments_at_meta(desk, post["media_id"])
    assert len(made) == 1  # Meta did create it
    run_in(app, process_first_comments)  # not yet due: Meta may not list it yet
    assert publisher.status(post["id"])["first_comment"]["attempts"] == 1
    with later(61):
        run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "posted" and block["comment_id"] == made[0]["id"]
    assert block["attempts"] == 1 and len(first_comments_at_meta(desk, post["media_id"])) == 1


def test_an_answer_lost_before_meta_made_it_posts_once_after_looking(desk, publisher, app):
    post = publish(publisher)
    fault(desk.sandbox, path=r"^/\d+/comments$", method="POST", phase="before", code=2,
          http_status=500)
    run_in(app, process_first_comments)
    assert publisher.status(post["id"])["first_comment"]["status"] == "posting"
    assert first_comments_at_meta(desk, post["media_id"]) == []
    with later(61):
        run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "posted" and block["attempts"] == 2
    assert len(first_comments_at_meta(desk, post["media_id"])) == 1


def test_a_throttled_first_comment_waits_then_is_posted(desk, publisher, app):
    throttled = publish(publisher)
    fault(desk.sandbox, path=r"^/\d+/comments$", method="POST", code=4, times=1)
    run_in(app, process_first_comments)
    block = publisher.status(throttled["id"])["first_comment"]
    assert block["status"] == "waiting" and block["error"]["code"] == "4"
    assert block["next_attempt_at"] is not None
    with later(400):
        run_in(app, process_first_comments)
    assert publisher.status(throttled["id"])["first_comment"]["status"] == "posted"


def test_a_refused_first_comment_fails_without_failing_the_post(desk, publisher, app):
    refused = publish(publisher)
    fault(desk.sandbox, path=r"^/\d+/comments$", method="POST", code=100,
          message="(#100) Comments are turned off for this media")
    run_in(app, process_first_comments)
    post = publisher.status(refused["id"])
    assert post["status"] == "published" and post["error"] is None
    block = post["first_comment"]
    assert block["status"] == "failed" and block["error"]["code"] == "100"
    assert block["next_attempt_at"] is None and "turned off" in block["error"]["message"]
    assert first_comments_at_meta(desk, refused["media_id"]) == []


def test_attempts_are_bounded(desk, publisher, app):
    post = publish(publisher)
    fault(desk.sandbox, path=r"^/\d+/comments$", method="POST", code=4, times=None)
    for hours in range(1, 8):
        with later(hours * 3600):
            run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "failed" and block["attempts"] == 5
    assert publisher.status(post["id"])["status"] == "published"


def test_a_post_that_fails_skips_its_first_comment(desk, publisher, app):
    fault(desk.sandbox, path="/media$", method="POST", code=36003, subcode=2207009)
    response = publisher.post("/posts", {"image_url": publisher.image(),
                                         "first_comment": TAGS})
    assert response.status_code == 422, response.text
    post_id = response.json()["error"]["details"]["post"]["id"]
    run_in(app, process_first_comments)
    assert publisher.status(post_id)["first_comment"]["status"] == "skipped"


def test_stories_and_overlong_first_comments_are_refused_before_publishing(desk, publisher):
    story = publisher.post("/stories", {"image_url": publisher.image(w=1080, h=1920),
                                        "first_comment": "hello"})
    error = error_of(story, 422, "validation_failed")
    assert error["details"]["errors"][0]["code"] == "first_comment_not_allowed"
    tags = " ".join(f"#tag{n}" for n in range(31))
    for body, code in (({"first_comment": tags}, "too_many_hashtags"),
                       ({"first_comment": "x" * 2201}, "comment_too_long"),
                       ({"first_comment": "   "}, "comment_empty")):
        refused = publisher.post("/posts", {"image_url": publisher.image(), **body})
        error = error_of(refused, 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in error["details"]["errors"]] == [
            ("first_comment", code)]
        preview = publisher.post("/preview", {"type": "feed", "image_url": publisher.image(),
                                              **body}).json()
        assert preview["valid"] is False and preview["errors"][0]["field"] == "first_comment"
    assert publisher.post("/preview", {"type": "feed", "image_url": publisher.image(),
                                       "first_comment": TAGS}).json()["warnings"] == []
    assert desk.get("/posts").json()["posts"] == []


def test_an_account_without_the_comments_permission_is_told_before_publishing(
        live, live_user, sandbox, app):
    from tests.conftest import authorize
    headers = live_user()
    scopes = "instagram_business_basic,instagram_business_content_publish"
    callback, _ = authorize(live, headers, sandbox_scopes=scopes)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    publisher = Publisher(live, sandbox, headers, account)
    refused = publisher.post("/posts", {"image_url": publisher.image(), "first_comment": TAGS})
    error = error_of(refused, 403, "instagram_permission_missing")
    assert error["details"]["missing"] == ["instagram_business_manage_comments"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SNSPost.id))) == 0


def test_a_comment_from_an_earlier_lost_attempt_is_found_minutes_later(desk, publisher, app):
    """The lookup covers every attempt since the post went live, not only the last one."""
    post = publish(publisher)
    comments_path = r"^/\d+/comments$"
    fault(desk.sandbox, path=comments_path, method="POST", phase="after", drop_connection=True)
    run_in(app, process_first_comments)  # attempt 1: created at Meta, the answer lost
    made = first_comments_at_meta(desk, post["media_id"])
    assert len(made) == 1
    fault(desk.sandbox, path=comments_path, method="GET", respond={"data": []})  # Meta lags
    fault(desk.sandbox, path=comments_path, method="POST", code=2, http_status=500)
    with later(200):
        run_in(app, process_first_comments)  # not listed yet; attempt 2 refused by a 5xx
    assert publisher.status(post["id"])["first_comment"]["attempts"] == 2
    with later(400):
        run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "posted" and block["comment_id"] == made[0]["id"]
    assert len(first_comments_at_meta(desk, post["media_id"])) == 1


def test_a_scheduled_post_that_was_missed_skips_its_first_comment(desk, publisher, app):
    from backend.services.instagram.core.runtime import runtime
    from backend.services.instagram.publishing.jobs import process_due_posts
    when = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    post = publish(publisher, publish_at=when.isoformat())
    grace = runtime(app).settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES
    with time_machine.travel(when + timedelta(minutes=grace + 5), tick=False):
        run_in(app, process_due_posts)  # the platform was down past the grace period
        run_in(app, process_first_comments)
    post = publisher.status(post["id"])
    assert post["status"] == "missed"
    assert post["first_comment"]["status"] == "skipped"


def test_a_post_no_longer_reconciled_ends_its_first_comment(desk, publisher, app):
    """Live or not, its media is unknown for good: the first comment ends, saying why."""
    from backend.services.instagram.core.runtime import runtime
    from tests.publishing.settle import settle
    fault(desk.sandbox, path="media_publish$", method="POST", drop_connection=True,
          phase="after")
    fault(desk.sandbox, path=r"^/1789\d+$", method="GET", code=2, times=None)
    settings = runtime(app).settings
    settings.INSTAGRAM_SYNC_PUBLISH_TIMEOUT = 0
    post = publish(publisher)
    settle(app, within=timedelta(hours=settings.INSTAGRAM_RECONCILE_HOURS + 1),
           max_passes=400)
    post = publisher.status(post["id"])
    assert post["status"] == "needs_reconcile" and post["progress"]["next_check_at"] is None
    run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "failed" and block["error"]["code"] == "post_not_identified"
    assert "not posted" in block["error"]["message"] and block["next_attempt_at"] is None


@pytest.mark.parametrize("lookup", [{"code": 100, "subcode": 33}, {"code": 2, "http_status": 500}])
def test_lookups_that_keep_failing_are_bounded(desk, publisher, app, lookup):
    """Each failed lookup counts as an attempt; the comment is never posted again unchecked."""
    post = publish(publisher)
    comments_path = r"^/\d+/comments$"
    fault(desk.sandbox, path=comments_path, method="POST", phase="after", drop_connection=True)
    fault(desk.sandbox, path=comments_path, method="GET", times=None, **lookup)
    run_in(app, process_first_comments)  # attempt 1: created at Meta, the answer lost
    for hours in range(1, 10):
        with later(hours * 3600):
            run_in(app, process_first_comments)
    block = publisher.status(post["id"])["first_comment"]
    assert block["status"] == "failed" and block["attempts"] == 5
    assert block["next_attempt_at"] is None
    assert "could not check whether it was posted" in block["error"]["message"]
    assert len(first_comments_at_meta(desk, post["media_id"])) == 1
