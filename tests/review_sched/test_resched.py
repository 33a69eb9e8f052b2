from tests.review_sched.common import *  # noqa
import time_machine
from backend.models import utcnow
from tests.publishing.settle import settle


def test_reel_rescheduled_after_its_containers_exist(pub, app):
    T = pub.at(2 * HOUR)
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(T)}).json()["post"]
    with time_machine.travel(T - timedelta(minutes=30), tick=False):
        settle(app, within=timedelta(seconds=1))
        s = pub.status(post["id"])
        print("\nbefore move", s["status"], s["progress"]["waiting_for"], s["container_id"],
              s["progress"]["processing_started_at"])
        moved = pub.call("PATCH", f"/posts/{post['id']}/schedule",
                         json={"publish_at": iso(T + 2 * HOUR)})
        print("moved", moved.status_code, moved.json()["post"]["status"])
    settle(app, within=5 * HOUR)
    s = pub.status(post["id"])
    print("after", s["status"], s["error"], s["published_at"])
    assert s["status"] == "published"


def test_image_rescheduled_beyond_24h(pub, app):
    T = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(T)}).json()["post"]
    with time_machine.travel(T - timedelta(minutes=5), tick=False):
        settle(app, within=timedelta(seconds=1))
        s = pub.status(post["id"])
        print("\nbefore move", s["status"], s["container_id"])
        moved = pub.call("PATCH", f"/posts/{post['id']}/schedule",
                         json={"publish_at": iso(T + timedelta(hours=30))})
        print("moved", moved.status_code, moved.json()["post"]["status"],
              moved.json()["post"]["container_id"])
    settle(app, within=timedelta(hours=32))
    s = pub.status(post["id"])
    print("after", s["status"], s["error"], s["published_at"], s["graph_calls"],
          s["progress"]["containers_created"])
    assert s["status"] == "published"


def test_reel_queued_at_limit_at_its_time(pub, app):
    pub.sandbox_settings(publish_quota=1)
    first, second = pub.at(HOUR), pub.at(2 * HOUR)
    pub.post("/posts", {"image_url": pub.image(seed=1), "publish_at": iso(first)})
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(second),
                               "when_limited": "queue"}).json()["post"]
    settle(app, within=3 * HOUR)
    s = pub.status(post["id"])
    print("\nat its time", s["status"], s["schedule_kind"], s["publish_at"],
          s["progress"]["processing_started_at"])
    settle(app, within=timedelta(hours=30))
    s = pub.status(post["id"])
    print("after", s["status"], s["error"])
    assert s["status"] == "published"
