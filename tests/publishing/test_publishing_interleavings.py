"""Publishing tells the truth in the interleavings review found: Meta lagging after a publish,
answers without ids, tokens refused mid-publish, waits between containers, passing
processing errors, throttles at publish time, lost parent answers, and a status that stays
true. Checked against the sandbox's own record, as in test_publishing_truth.py."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.models import utcnow
from backend.services.instagram.core.runtime import runtime
from tests.publishing.settle import settle
from tests.publishing.test_publishing_truth import make_truth

pytestmark = pytest.mark.e2e


@pytest.fixture
def pub(live, live_user, connect_account, sandbox):
    return make_truth(live, live_user, connect_account, sandbox)


def test_a_container_meta_lags_on_after_publishing_never_fails_the_post(pub, app):
    """100/33 on the read-back proves nothing either way: never processing, never the
    processing deadline (the post is live)."""
    response = pub.post("/reels", {"video_url": pub.video(4), "caption": "lag"})
    post_id = response.json()["post"]["id"]
    pub.fault(path="media_publish$", method="POST", drop_connection=True, phase="after")
    pub.fault(path=r"^/1789\d+$", method="GET", code=100, subcode=33, times=60, nth=2)
    minutes = runtime(app).settings.INSTAGRAM_PUBLISH_DEADLINE_MINUTES
    with time_machine.travel(utcnow() + timedelta(minutes=minutes - 1)):
        settle(app, within=timedelta(minutes=5))
    settle(app, within=timedelta(hours=3))
    waiting = pub.status(post_id)
    assert waiting["status"] == "publishing"  # hours past the processing deadline
    assert waiting["progress"]["waiting_for"] == "reconciling"
    requests.delete(f"{pub.sandbox.url}/_sandbox/faults")  # Meta shows it at last
    settle(app, within=timedelta(hours=8))  # the clock starts from the real now again
    pub.assert_truth(app, post_id)


def test_a_publish_answer_without_an_id_is_read_back(pub, app):
    pub.fault(path="media_publish$", method="POST", phase="after", respond={})
    response = pub.post("/posts", {"image_url": pub.image(), "caption": "no id"})
    settle(app)
    pub.assert_truth(app, response.json()["post"]["id"])


def test_a_token_refused_while_publishing_marks_the_account_and_says_so(pub, app):
    response = pub.post("/reels", {"video_url": pub.video(4)})
    pub.fault(path="media_publish$", method="POST", code=190, subcode=460)
    pub.fault(path=r"^/1789\d+$", method="GET", code=190, subcode=460, nth=2, times=None)
    settle(app, within=timedelta(hours=1))
    post = pub.status(response.json()["post"]["id"])
    assert post["status"] == "publishing", post
    assert post["progress"]["waiting_for"] == "account_needs_reauth"
    assert "connected again" in post["progress"]["message"]
    status = pub.live.http.get(pub.live.api(f"/accounts/{pub.account['id']}/status"),
                               headers=pub.headers).json()
    assert status["status"] == "needs_reauth"
    assert post["progress"]["status_reads"] <= 2  # no hammering with a dead token


def test_waits_between_containers_do_not_count_as_processing(pub, app):
    pub.fault(path="/media$", method="POST", code=4, nth=2, usage_exhausted=30)
    items = [{"image_url": pub.image(1080, 1080, seed=i)} for i in range(3)]
    response = pub.post("/posts", {"items": items, "caption": "throttled between"})
    settle(app, within=timedelta(hours=2))
    pub.assert_truth(app, response.json()["post"]["id"])


@pytest.mark.parametrize("subcode", [2207032, 2207053])
def test_meta_failing_to_create_a_container_makes_a_new_one(pub, app, subcode):
    pub.fault(path="/media$", method="POST", code=-1, subcode=subcode)
    response = pub.post("/posts", {"image_url": pub.image(), "caption": f"create {subcode}"})
    assert response.status_code in (201, 202), response.text
    settle(app)
    pub.assert_truth(app, response.json()["post"]["id"])


@pytest.mark.parametrize("subcode", [2207001, 2207003, 2207052])
def test_passing_processing_errors_get_a_new_container(pub, app, subcode):
    pub.fault(path=r"^/1789\d+$", method="GET", respond={
        "status_code": "ERROR", "status": f"Error: Media upload has failed with error code "
        f"{subcode}"})
    response = pub.post("/reels", {"video_url": pub.video(4), "caption": f"pass {subcode}"})
    settle(app, within=timedelta(hours=1))
    post = pub.status(response.json()["post"]["id"])
    assert post["status"] == "published", post
    assert post["progress"]["containers_created"] == 2


def test_a_throttle_at_publish_time_says_throttled(pub, app):
    pub.fault(path="media_publish$", method="POST", code=4, usage_exhausted=15)
    response = pub.post("/posts", {"image_url": pub.image(), "caption": "throttled"})
    post = pub.status(response.json()["post"]["id"])
    assert post["progress"]["waiting_for"] == "throttled", post
    settle(app, within=timedelta(hours=1))
    pub.assert_truth(app, post["id"])


def test_lost_answers_on_the_carousel_parent_are_bounded(pub, app):
    pub.fault(path="/media$", method="POST", params={"media_type": "CAROUSEL"},
              drop_connection=True, phase="after", times=None)
    items = [{"image_url": pub.image(1080, 1080, seed=i)} for i in range(2)]
    response = pub.post("/posts", {"items": items})
    settle(app, within=timedelta(hours=8), max_passes=400)
    done = pub.status(response.json()["post"]["id"])
    limit = runtime(app).settings.INSTAGRAM_CONTAINER_RETRIES
    assert done["status"] == "failed" and done["error"]["code"] == "container_not_confirmed"
    assert len(pub.containers()) == 2 + limit + 1


def test_what_the_status_says_stays_true(pub, app):
    single = pub.post("/posts", {"image_url": pub.image()}).json()["post"]
    assert single["items"][0]["status"] == "PUBLISHED"
    assert single["progress"]["processing_deadline_at"] is None
    pub.fault(path="media_publish$", method="POST", drop_connection=True, phase="after",
              times=2)
    pub.fault(path=r"^/1789\d+$", method="GET", code=2, times=6)
    runtime(app).settings.INSTAGRAM_SYNC_PUBLISH_TIMEOUT = 0
    ids = [pub.post("/posts", {"image_url": pub.image(seed=n), "caption": "twin"}).json()
           ["post"]["id"] for n in range(2)]
    hours = runtime(app).settings.INSTAGRAM_RECONCILE_HOURS
    settle(app, within=timedelta(hours=hours + 1), max_passes=400)
    post = pub.status(ids[0])
    assert post["status"] == "needs_reconcile"
    assert post["items"][0]["status"] == "PUBLISHED"
    assert post["progress"]["next_check_at"] is None
    assert post["progress"]["message"] is None
    assert "stopped looking" in post["error"]["message"]
