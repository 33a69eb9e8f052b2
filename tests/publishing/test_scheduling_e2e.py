"""Scheduling end to end over real HTTP: drafts, publish later, the queue, the limit, best
times, the calendar, and exactly once whatever happens (time travelled, not slept)."""
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
import time_machine

from backend.extensions import db
from backend.models import SNSAnalytics, SNSPost, utcnow
from backend.services.instagram.core import signals
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.conftest import make_app
from tests.publishing.settle import settle
from tests.publishing.test_publish_e2e import Publisher, sandbox_publishes

pytestmark = pytest.mark.e2e
HOUR = timedelta(hours=1)


def make_scheduler(live, live_user, connect_account, sandbox):
    if not sandbox_publishes(sandbox):
        pytest.skip("the sandbox does not publish yet")
    headers = live_user()
    return Scheduler(live, sandbox, headers, connect_account(headers))


@pytest.fixture
def pub(live, live_user, connect_account, sandbox):
    return make_scheduler(live, live_user, connect_account, sandbox)


class Scheduler(Publisher):
    def call(self, method, path, **kwargs):
        return self.live.http.request(method, self.live.api(path), headers=self.headers,
                                      **kwargs)

    def draft(self, **body):
        body = {"account_id": self.account["id"], "type": "feed", **body}
        return self.call("POST", "/drafts", json=body)

    def live_media(self):
        return [m for m in self.sandbox_media() if not m.get("seeded")]

    def at(self, delta):
        return (utcnow() + delta).replace(microsecond=0)


def iso(moment):
    return moment.isoformat()


# 1. Drafts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body,kind", [
    ({"type": "feed", "image_url": "IMG"}, "feed"),
    ({"type": "feed", "items": [{"image_url": "IMG"}, {"video_url": "VID"}]}, "carousel"),
    ({"type": "story", "video_url": "VID"}, "story"),
    ({"type": "reel", "video_url": "VID", "caption": "a reel"}, "reel"),
])
def test_a_draft_of_every_kind_is_saved_checked_and_never_published(pub, body, kind):
    def fill(value):
        return {"IMG": pub.image(), "VID": pub.video(5)}.get(value, value)
    body = {k: ([{kk: fill(vv) for kk, vv in i.items()} for i in v] if k == "items"
                else fill(v)) for k, v in body.items()}
    response = pub.draft(**body)
    assert response.status_code == 201, response.text
    draft = response.json()["draft"]
    assert draft["status"] == "draft" and draft["type"] == kind
    assert draft["validation"]["valid"] is True
    assert pub.call("GET", f"/drafts/{draft['id']}").json()["draft"]["id"] == draft["id"]
    assert [d["id"] for d in pub.call("GET", "/drafts").json()["drafts"]] == [draft["id"]]
    assert pub.live_media() == [] and pub.containers_made() == 0


def test_an_invalid_draft_is_kept_with_its_problems_and_fixed_by_an_edit(pub):
    draft = pub.draft(image_url=pub.image(1080, 300), caption="x").json()["draft"]
    assert draft["validation"]["valid"] is False
    assert draft["validation"]["errors"][0]["code"] == "aspect_ratio_out_of_range"
    refused = pub.call("POST", f"/drafts/{draft['id']}/publish", json={})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_failed"
    edited = pub.call("PATCH", f"/drafts/{draft['id']}",
                      json={"image_url": pub.image(), "caption": None})
    assert edited.status_code == 200, edited.text
    assert edited.json()["draft"]["validation"]["valid"] is True
    assert edited.json()["draft"]["caption"] is None
    published = pub.call("POST", f"/drafts/{draft['id']}/publish", json={})
    assert published.status_code == 201, published.text
    assert published.json()["post"]["status"] == "published"
    assert pub.call("GET", f"/drafts/{draft['id']}").status_code == 404


def test_drafts_are_private_and_can_be_deleted(pub, live_user):
    draft = pub.draft(image_url=pub.image()).json()["draft"]
    other = {"Authorization": live_user("mallory@example.com")["Authorization"]}
    for method, path, body in (("GET", f"/drafts/{draft['id']}", None),
                               ("PATCH", f"/drafts/{draft['id']}", {"caption": "hi"}),
                               ("DELETE", f"/drafts/{draft['id']}", None),
                               ("POST", f"/drafts/{draft['id']}/publish", {})):
        answer = pub.live.http.request(method, pub.live.api(path), json=body, headers=other)
        assert answer.status_code == 404, (method, path, answer.text)
    assert pub.call("DELETE", f"/drafts/{draft['id']}").status_code == 204
    assert pub.call("GET", "/drafts").json()["drafts"] == []


# 2. Publish later ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,code", [
    ("2030-01-01T09:00:00", "publish_at_without_offset"),
    ("2020-01-01T09:00:00+00:00", "publish_at_in_past"),
    ("tomorrow", "invalid_publish_at"),
    ("2099-01-01T09:00:00+00:00", "publish_at_too_far"),
])
def test_publish_at_must_be_a_future_time_with_an_offset(pub, value, code):
    response = pub.post("/posts", {"image_url": pub.image(), "publish_at": value})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert pub.live_media() == []


@pytest.mark.parametrize("path,body", [
    ("/posts", {"caption": "later"}),
    ("/stories", {}),
])
def test_a_post_scheduled_for_t_goes_out_once_at_t_not_before(pub, app, path, body):
    when = pub.at(HOUR)
    media = {"image_url": pub.image(1080, 1920 if path == "/stories" else 1350)}
    response = pub.post(path, {**body, **media, "publish_at": iso(when)})
    assert response.status_code == 202, response.text
    post = response.json()["post"]
    assert post["status"] == "scheduled" and post["publish_at"] == iso(when).replace(
        "+00:00", "Z")
    with time_machine.travel(when - timedelta(seconds=5), tick=False):
        settle(app, within=timedelta(seconds=1))
    assert pub.live_media() == []
    settle(app, within=2 * HOUR)
    done = pub.status(post["id"])
    assert done["status"] == "published"
    assert len(pub.live_media()) == 1
    published = datetime.fromisoformat(done["published_at"].replace("Z", "+00:00"))
    assert when <= published <= when + timedelta(seconds=3)


def test_a_reel_goes_live_at_its_time_although_processing_takes_minutes(pub, app):
    pub.sandbox_settings(video_processing_seconds=240)
    when = pub.at(2 * HOUR)
    response = pub.post("/reels", {"video_url": pub.video(20), "publish_at": iso(when)})
    assert response.status_code == 202, response.text
    settle(app, within=3 * HOUR)
    done = pub.status(response.json()["post"]["id"])
    assert done["status"] == "published", done
    started = datetime.fromisoformat(done["progress"]["processing_started_at"]
                                     .replace("Z", "+00:00"))
    published = datetime.fromisoformat(done["published_at"].replace("Z", "+00:00"))
    assert started < when - timedelta(seconds=240)  # containers made ahead of time
    assert when <= published <= when + timedelta(seconds=3)


def test_reschedule_and_cancel_until_publishing_starts(pub, app):
    first = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(first)}) \
        .json()["post"]
    later = pub.at(3 * HOUR)
    moved = pub.call("PATCH", f"/posts/{post['id']}/schedule", json={"publish_at": iso(later)})
    assert moved.status_code == 200, moved.text
    assert moved.json()["post"]["publish_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    settle(app, within=2 * HOUR)
    assert pub.live_media() == []  # nothing at the first time
    cancelled = pub.call("POST", f"/posts/{post['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["post"]["status"] == "draft"
    settle(app, within=5 * HOUR)
    assert pub.live_media() == []
    again = pub.call("POST", f"/drafts/{post['id']}/publish", json={})
    assert again.status_code == 201
    late = pub.call("POST", f"/posts/{post['id']}/cancel")
    assert late.status_code == 409 and late.json()["error"]["code"] == "post_not_movable"


# 3. The queue ------------------------------------------------------------------------------

def test_next_slot_takes_the_accounts_free_slots_and_keeps_the_spacing(pub):
    schedule = {"timezone": "Europe/Paris", "min_spacing_minutes": 30,
                "slots": {d: ["09:00", "09:20", "18:00"]
                          for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    answer = pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json=schedule)
    assert answer.status_code == 200, answer.text
    assert answer.json()["custom"] is True
    paris = ZoneInfo("Europe/Paris")
    times = []
    for n in range(3):
        response = pub.post("/posts", {"image_url": pub.image(seed=n), "publish_at": "next_slot"})
        assert response.status_code == 202, response.text
        post = response.json()["post"]
        assert post["schedule_kind"] == "next_slot"
        times.append(datetime.fromisoformat(post["publish_at"].replace("Z", "+00:00")))
    local = [t.astimezone(paris).strftime("%H:%M") for t in times]
    # 09:20 is 20 minutes after 09:00: within the 30-minute spacing, so it is skipped.
    assert "09:20" not in local and set(local) <= {"09:00", "18:00"}
    assert times == sorted(times) and len(set(times)) == 3
    assert all(b - a >= timedelta(minutes=30) for a, b in zip(times, times[1:]))


def test_unknown_time_zones_and_bad_slots_are_refused(pub):
    path = f"/accounts/{pub.account['id']}/schedule"
    assert pub.call("PUT", path, json={"timezone": "Mars/Olympus"}).json()["error"]["code"] \
        == "unknown_timezone"
    assert pub.call("PUT", path, json={"slots": {"mon": ["25:00"]}}).json()["error"]["code"] \
        == "invalid_slot"
    assert pub.call("PUT", path, json={"slots": {"moon": ["09:00"]}}).status_code == 422


# 4. Quota-aware ----------------------------------------------------------------------------

def test_at_the_limit_a_post_is_refused_or_queued_for_when_the_window_frees(pub, app):
    pub.sandbox_settings(publish_quota=2)
    for n in range(2):
        assert pub.post("/posts", {"image_url": pub.image(seed=n)}).status_code == 201
    refused = pub.post("/posts", {"image_url": pub.image(seed=3)})
    assert refused.status_code == 429
    queued = pub.post("/posts", {"image_url": pub.image(seed=4), "when_limited": "queue"})
    assert queued.status_code == 202, queued.text
    post = queued.json()["post"]
    assert post["status"] == "scheduled" and post["schedule_kind"] == "publishing_limit"
    when = datetime.fromisoformat(post["publish_at"].replace("Z", "+00:00"))
    assert utcnow() + timedelta(hours=23) < when < utcnow() + timedelta(hours=25)
    settle(app, within=timedelta(hours=26))
    assert pub.status(post["id"])["status"] == "published"
    assert len(pub.live_media()) == 3


# 5. Best times -----------------------------------------------------------------------------

def test_best_times_fall_back_to_the_slots_without_data(pub):
    answer = pub.call("GET", f"/accounts/{pub.account['id']}/best-times").json()
    assert answer["source"] == "fallback" and answer["fallback_reason"]
    assert len(answer["times"]) == 5


def test_best_times_come_from_the_accounts_insights(pub, app):
    account_id = pub.account["id"]
    la = ZoneInfo("America/Los_Angeles")
    with app.app_context():
        today = utcnow().astimezone(la).date()
        for back in range(1, 8):
            day = today - timedelta(days=back)
            end = datetime(day.year, day.month, day.day, tzinfo=la) + timedelta(days=1)
            values = {str(h): (500 if h == 17 else 50) for h in range(24)}
            db.session.add(SNSAnalytics(account_id=account_id, metric="online_followers",
                                        period="lifetime", end_time=end.astimezone(timezone.utc),
                                        breakdown={"dimensions": ["key"], "values": values},
                                        fetched_at=utcnow()))
        db.session.commit()
    answer = pub.call("GET", f"/accounts/{account_id}/best-times?count=3").json()
    assert answer["source"] == "insights", answer
    assert answer["data"]["online_followers_days"] == 7
    # 17:00 in Los Angeles is 01:00 UTC (the account's default zone).
    assert answer["times"][0]["time"] == datetime(2026, 1, 1, 17, tzinfo=la) \
        .astimezone(timezone.utc).strftime("%H:%M")
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": "best"}).json()["post"]
    assert post["schedule_kind"] == "best"
    assert post["publish_at"] == answer["times"][0]["next_at"]


# 6. Calendar -------------------------------------------------------------------------------

def test_the_calendar_lists_posts_by_time_and_state(pub, app, live_user, connect_account):
    draft = pub.draft(image_url=pub.image()).json()["draft"]
    scheduled = pub.post("/posts", {"image_url": pub.image(seed=1),
                                    "publish_at": iso(pub.at(HOUR))}).json()["post"]
    published = pub.post("/posts", {"image_url": pub.image(seed=2)}).json()["post"]
    start, end = iso(utcnow() - HOUR), iso(utcnow() + 2 * HOUR)
    entries = pub.call("GET", "/calendar", params={"from": start, "to": end}).json()["entries"]
    assert {e["post"]["id"]: e["state"] for e in entries} == {
        draft["id"]: "draft", scheduled["id"]: "scheduled", published["id"]: "published"}
    only = pub.call("GET", "/calendar", params={"from": start, "to": end,
                                                "state": "scheduled,published"}).json()
    assert {e["post"]["id"] for e in only["entries"]} == {scheduled["id"], published["id"]}
    assert pub.call("GET", "/calendar", params={"from": start, "to": end,
                                                "state": "bogus"}).status_code == 422
    assert pub.call("GET", "/calendar", params={"from": "2026-01-01T00:00:00",
                                                "to": end}).status_code == 422
    far = pub.call("GET", "/calendar", params={"from": start,
                                               "to": iso(utcnow() + timedelta(days=100))})
    assert far.status_code == 422
    mallory = live_user("mallory@example.com")
    theirs = pub.live.http.get(pub.live.api("/calendar"), headers=mallory,
                               params={"from": start, "to": end}).json()
    assert theirs["entries"] == []


# 7. Exactly once, whatever happens ---------------------------------------------------------

def test_a_post_missed_while_the_platform_was_down_is_not_published_late(pub, app):
    failed = []
    signals.post_failed.connect(lambda sender, post, **kw: failed.append(post.id), weak=False)
    when = pub.at(HOUR)
    grace = runtime(app).settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES
    late = pub.post("/posts", {"image_url": pub.image(seed=1),
                               "publish_at": iso(when)}).json()["post"]
    soon = pub.post("/posts", {"image_url": pub.image(seed=2), "publish_at": iso(
        when + timedelta(minutes=grace))}).json()["post"]
    # The platform is down from before `when` until grace + 5 minutes after it.
    with time_machine.travel(when + timedelta(minutes=grace + 5), tick=False):
        with app.app_context():
            process_due_posts(app)
    missed = pub.status(late["id"])
    assert missed["status"] == "missed" and missed["error"]["code"] == "missed"
    assert late["id"] in failed
    assert pub.status(soon["id"])["status"] == "published"  # 5 minutes late, within grace
    assert len(pub.live_media()) == 1


def test_two_workers_publish_each_scheduled_post_once(pub, app, tmp_path):
    when = pub.at(HOUR)
    ids = [pub.post("/posts", {"image_url": pub.image(seed=n), "caption": f"w{n}",
                               "publish_at": iso(when)}).json()["post"]["id"] for n in range(6)]
    runtime(app).settings.INSTAGRAM_MIN_POST_SPACING_MINUTES = 0
    other = make_app(tmp_path / "worker2", pub.sandbox.url,
                     SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     INSTAGRAM_MIN_POST_SPACING_MINUTES=0)
    with time_machine.travel(when + timedelta(seconds=1), tick=False):
        for _ in range(3):
            workers = [threading.Thread(target=lambda a=a: a.app_context().push() or
                                        process_due_posts(a)) for a in (app, other)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
    settle(app, within=HOUR)
    media = pub.live_media()
    assert len(media) == 6
    with app.app_context():
        posts = [db.session.get(SNSPost, i) for i in ids]
        assert {p.status for p in posts} == {"published"}
        assert len({p.platform_post_id for p in posts}) == 6


def test_scheduled_posts_survive_a_restart(pub, app, tmp_path):
    when = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(when)}).json()["post"]
    restarted = make_app(tmp_path / "restart", pub.sandbox.url,
                         SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    settle(restarted, within=2 * HOUR)
    assert pub.status(post["id"])["status"] == "published"
    assert len(pub.live_media()) == 1


def containers_made(self):
    url = f"{self.sandbox.url}/_sandbox/accounts/sandbox_business/containers"
    return len(requests.get(url).json()["data"])


Scheduler.containers_made = containers_made


@pytest.mark.parametrize("when_limited", ["queue", "refuse"])
def test_a_scheduled_post_at_the_limit_at_its_time(pub, app, when_limited):
    pub.sandbox_settings(publish_quota=1)
    first, second = pub.at(HOUR), pub.at(2 * HOUR)
    pub.post("/posts", {"image_url": pub.image(seed=1), "publish_at": iso(first)})
    post = pub.post("/posts", {"image_url": pub.image(seed=2), "publish_at": iso(second),
                               "when_limited": when_limited}).json()["post"]
    settle(app, within=3 * HOUR)
    later = pub.status(post["id"])
    if when_limited == "refuse":
        assert later["status"] == "failed"
        assert later["error"]["code"] == "publishing_limit_reached"
        return
    assert later["status"] == "scheduled" and later["schedule_kind"] == "publishing_limit"
    requeued = datetime.fromisoformat(later["publish_at"].replace("Z", "+00:00"))
    assert first + timedelta(hours=24) <= requeued <= first + timedelta(hours=24, minutes=5)
    settle(app, within=timedelta(hours=30))
    assert pub.status(post["id"])["status"] == "published"
    assert len(pub.live_media()) == 2


def test_a_draft_moved_to_another_account_is_published_there(pub, connect_account):
    other = connect_account(pub.headers, username="second_shop")
    draft = pub.draft(image_url=pub.image()).json()["draft"]
    moved = pub.call("PATCH", f"/drafts/{draft['id']}", json={"account_id": other["id"]})
    assert moved.json()["draft"]["account_id"] == other["id"]
    published = pub.call("POST", f"/drafts/{draft['id']}/publish", json={}).json()["post"]
    assert published["account_id"] == other["id"]
    theirs = requests.get(f"{pub.sandbox.url}/_sandbox/accounts/second_shop/media").json()
    assert [m["id"] for m in theirs["data"] if not m.get("seeded")] == [published["media_id"]]
