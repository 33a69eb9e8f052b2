from tests.review_sched.common import *  # noqa
import time_machine
from backend.models import utcnow
from tests.publishing.settle import settle


def test_ready_reel_rescheduled(pub, app):
    T = pub.at(2 * HOUR)
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(T)}).json()["post"]
    with time_machine.travel(T - timedelta(minutes=30), tick=False):
        settle(app, within=timedelta(minutes=10))
        s = pub.status(post["id"])
        print("\nbefore move", s["status"], s["progress"]["waiting_for"], s["container_id"])
        moved = pub.call("PATCH", f"/posts/{post['id']}/schedule",
                         json={"publish_at": iso(T + 2 * HOUR)})
        print("moved", moved.status_code, moved.json()["post"]["status"])
    settle(app, within=5 * HOUR)
    s = pub.status(post["id"])
    print("after", s["status"], s["error"], s["published_at"])
    assert s["status"] == "published"


def test_reel_queued_at_limit_shortly_before_window_frees(pub, app):
    pub.sandbox_settings(publish_quota=1)
    assert pub.post("/posts", {"image_url": pub.image(seed=1)}).status_code == 201
    second = pub.at(timedelta(hours=23, minutes=30))
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(second),
                               "when_limited": "queue"}).json()["post"]
    settle(app, within=timedelta(hours=24))
    s = pub.status(post["id"])
    print("\nat its time", s["status"], s["schedule_kind"], s["publish_at"], s["error"])
    settle(app, within=timedelta(hours=26))
    s = pub.status(post["id"])
    print("after", s["status"], s["error"])
    assert s["status"] == "published"
