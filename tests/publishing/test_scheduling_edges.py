"""Scheduling at its edges (found by review): uploads kept, containers made early, first
comments of drafts, spacing without missing, odd time zones and DST, never a 500."""
import io
from datetime import datetime, timedelta, timezone
from itertools import islice

import pytest
import requests
import time_machine
from PIL import Image

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.comments.first_comment import process_first_comments
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing.scheduling import local_slots
from backend.services.instagram.publishing.upload_purge import purge_old_uploads
from tests.publishing.settle import settle
from tests.publishing.test_scheduling_e2e import HOUR, iso, make_scheduler

pytestmark = pytest.mark.e2e


@pytest.fixture
def pub(live, live_user, connect_account, sandbox):
    return make_scheduler(live, live_user, connect_account, sandbox)


def at_of(post):
    return datetime.fromisoformat(post["publish_at"].replace("Z", "+00:00"))


def test_the_upload_of_a_post_scheduled_days_ahead_is_kept_until_its_time(pub, app):
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1350), "teal").save(buffer, "PNG")
    when = pub.at(timedelta(days=3))
    response = pub.live.http.post(pub.live.api("/posts"), headers=pub.headers, files={
        "file": ("photo.png", buffer.getvalue(), "image/png")}, data={
        "account_id": str(pub.account["id"]), "publish_at": iso(when)})
    assert response.status_code == 202, response.text
    post = response.json()["post"]
    with time_machine.travel(utcnow() + timedelta(days=2)), app.app_context():
        purge_old_uploads(app)
    assert requests.get(post["items"][0]["url"]).status_code == 200
    settle(app, within=timedelta(days=4), max_passes=400)
    assert pub.status(post["id"])["status"] == "published"


def test_a_reel_moved_after_its_containers_were_made_still_goes_out(pub, app):
    when = pub.at(2 * HOUR)
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(when)}) \
        .json()["post"]
    with time_machine.travel(when - timedelta(minutes=30)):
        settle(app, within=timedelta(minutes=1))
        assert pub.status(post["id"])["progress"]["ready_at"]
        later = when + 2 * HOUR
        moved = pub.call("PATCH", f"/posts/{post['id']}/schedule",
                         json={"publish_at": iso(later)})
        assert moved.status_code == 200, moved.text
    settle(app, within=5 * HOUR)
    done = pub.status(post["id"])
    assert done["status"] == "published", done
    assert done["progress"]["containers_created"] == 1


def test_a_scheduled_reel_may_process_until_its_time(pub, app):
    pub.sandbox_settings(video_processing_seconds=1500)  # 25 minutes, within the lead
    when = pub.at(3 * HOUR)
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(when)}) \
        .json()["post"]
    settle(app, within=4 * HOUR)
    done = pub.status(post["id"])
    assert done["status"] == "published", done
    published = datetime.fromisoformat(done["published_at"].replace("Z", "+00:00"))
    assert when <= published <= when + timedelta(seconds=3)


def test_first_comments_follow_the_draft(pub, app):
    draft = pub.draft(image_url=pub.image(), first_comment="#first").json()["draft"]
    posted = pub.call("POST", f"/drafts/{draft['id']}/publish", json={}).json()["post"]
    settle(app, within=HOUR)
    assert pub.status(posted["id"])["first_comment"]["message"] == "#first"
    later = pub.post("/posts", {"image_url": pub.image(seed=2), "first_comment": "#old",
                                "publish_at": iso(pub.at(HOUR))}).json()["post"]
    pub.call("POST", f"/posts/{later['id']}/cancel")
    edited = pub.call("PATCH", f"/drafts/{later['id']}", json={"first_comment": "#new"})
    assert edited.status_code == 200
    pub.call("POST", f"/drafts/{later['id']}/publish", json={})
    settle(app, within=HOUR)
    with time_machine.travel(utcnow() + 2 * HOUR), app.app_context():
        process_first_comments(app)  # what post_published's timer does in production
    block = pub.status(later["id"])["first_comment"]
    assert block["message"] == "#new" and block["status"] == "posted"
    gone = pub.post("/posts", {"image_url": pub.image(seed=3), "first_comment": "#never",
                               "publish_at": iso(pub.at(HOUR))}).json()["post"]
    pub.call("POST", f"/posts/{gone['id']}/cancel")
    assert pub.call("DELETE", f"/drafts/{gone['id']}").status_code == 204
    fresh = pub.post("/posts", {"image_url": pub.image(seed=4)}).json()["post"]
    assert pub.status(fresh["id"])["first_comment"] is None


def test_posts_due_together_go_out_in_order_and_none_is_missed(pub, app):
    when = pub.at(HOUR)
    ids = [pub.post("/posts", {"image_url": pub.image(seed=n), "caption": f"same {n}",
                               "publish_at": iso(when)}).json()["post"]["id"] for n in range(8)]
    settle(app, within=4 * HOUR, max_passes=400)
    posts = [pub.status(i) for i in ids]
    assert [p["status"] for p in posts] == ["published"] * 8
    times = [datetime.fromisoformat(p["published_at"].replace("Z", "+00:00")) for p in posts]
    assert times == sorted(times)  # in the order they were asked for
    spacing = runtime(app).settings.INSTAGRAM_MIN_POST_SPACING_MINUTES
    assert all(b - a >= timedelta(minutes=spacing) for a, b in zip(times, times[1:]))


@pytest.mark.parametrize("body", [
    {"publish_at": "0001-01-01T00:00:00+05:45"},
    {"publish_at": "9999-12-31T23:59:59-05:00"},
])
def test_times_out_of_range_are_422(pub, body):
    response = pub.post("/posts", {"image_url": pub.image(), **body})
    assert response.status_code == 422 and response.json()["error"]["code"] == \
        "invalid_publish_at"
    calendar = pub.call("GET", "/calendar", params={"from": body["publish_at"],
                                                    "to": "2026-12-31T00:00:00+00:00"})
    assert calendar.status_code == 422


def test_odd_schedules_are_refused_not_500(pub):
    path = f"/accounts/{pub.account['id']}/schedule"
    assert pub.call("PUT", path, json={"timezone": "America"}).json()["error"]["code"] \
        == "unknown_timezone"
    assert pub.call("PUT", path, json={"slots": {}}).status_code == 200
    best = pub.post("/posts", {"image_url": pub.image(), "publish_at": "best"})
    assert best.status_code == 422 and best.json()["error"]["code"] == "no_free_slot"


def test_next_slot_never_gives_one_slot_twice_even_without_spacing(pub):
    pub.call("PUT", f"/accounts/{pub.account['id']}/schedule",
             json={"min_spacing_minutes": 0, "slots": {d: ["18:00"] for d in (
                 "mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
    times = [at_of(pub.post("/posts", {"image_url": pub.image(seed=n),
                                       "publish_at": "next_slot"}).json()["post"])
             for n in range(3)]
    assert len(set(times)) == 3


def test_with_no_grace_an_on_time_post_is_not_missed(pub, app):
    runtime(app).settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES = 0
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(pub.at(HOUR))}) \
        .json()["post"]
    settle(app, within=2 * HOUR)
    assert pub.status(post["id"])["status"] == "published"


def test_a_missed_post_can_be_scheduled_again_and_says_so(pub, app):
    when = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(when)}) \
        .json()["post"]
    grace = runtime(app).settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES
    with time_machine.travel(when + timedelta(minutes=grace + 10), tick=False):
        settle(app, within=timedelta(seconds=1))
        assert pub.status(post["id"])["status"] == "missed"
        notes = pub.live.http.get(pub.live.url + "/api/notifications",
                                  headers=pub.headers).json()["notifications"]
        assert notes[0]["title"] == "A scheduled post missed its time"
        again = pub.call("PATCH", f"/posts/{post['id']}/schedule",
                         json={"publish_at": iso(utcnow() + HOUR)})
        assert again.status_code == 200, again.text
        assert again.json()["post"]["status"] == "scheduled"
        assert again.json()["post"]["error"] is None
    settle(app, within=5 * HOUR)
    assert pub.status(post["id"])["status"] == "published"


def test_best_times_fall_on_the_half_and_quarter_hours_of_such_zones(pub, app):
    from zoneinfo import ZoneInfo

    from backend.models import SNSAnalytics
    la = ZoneInfo("America/Los_Angeles")
    pub.call("PUT", f"/accounts/{pub.account['id']}/schedule",
             json={"timezone": "Asia/Kathmandu"})
    with app.app_context():
        today = utcnow().astimezone(la).date()
        for back in range(1, 5):
            day = today - timedelta(days=back)
            end = datetime(day.year, day.month, day.day, tzinfo=la) + timedelta(days=1)
            db.session.add(SNSAnalytics(
                account_id=pub.account["id"], metric="online_followers", period="lifetime",
                end_time=end.astimezone(timezone.utc), fetched_at=utcnow(),
                breakdown={"dimensions": ["key"],
                           "values": {str(h): (900 if h == 17 else 10) for h in range(24)}}))
        db.session.commit()
    best = pub.call("GET", f"/accounts/{pub.account['id']}/best-times?count=1").json()
    first = best["times"][0]
    local = datetime.fromisoformat(first["next_at"].replace("Z", "+00:00")) \
        .astimezone(ZoneInfo("Asia/Kathmandu"))
    assert first["time"] == local.strftime("%H:%M") and first["time"].endswith(":45")
    assert local.astimezone(la).hour == 17


def test_slots_around_a_clock_change_stay_in_time_order(app):
    """02:30 does not exist on the Sunday Paris springs forward: 03:00 first, no 03:30."""
    account = SNSAccount(timezone="Europe/Paris", posting_slots={
        "sun": ["02:30", "03:00"], **{d: [] for d in ("mon", "tue", "wed", "thu", "fri",
                                                      "sat")}})
    with app.app_context():
        after = datetime(2027, 3, 27, 12, tzinfo=timezone.utc)
        times = list(islice(local_slots(account, after), 3))
    assert times == [datetime(2027, 3, 28, 1, tzinfo=timezone.utc),     # 03:00 CEST
                     datetime(2027, 4, 4, 0, 30, tzinfo=timezone.utc),   # 02:30 CEST
                     datetime(2027, 4, 4, 1, tzinfo=timezone.utc)]       # 03:00 CEST


def test_a_post_started_ahead_of_its_time_is_still_scheduled_in_the_calendar(pub, app):
    when = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(when)}) \
        .json()["post"]
    with time_machine.travel(when - timedelta(minutes=5), tick=False):
        settle(app, within=timedelta(seconds=1))
        assert pub.status(post["id"])["status"] == "container_created"
        entries = pub.call("GET", "/calendar", params={
            "from": iso(when - HOUR), "to": iso(when + HOUR), "state": "scheduled"}) \
            .json()["entries"]
    assert [e["post"]["id"] for e in entries] == [post["id"]]
    assert entries[0]["state"] == "scheduled"
