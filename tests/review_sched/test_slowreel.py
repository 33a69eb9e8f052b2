from tests.review_sched.common import *  # noqa
from tests.publishing.settle import settle


@pytest.mark.parametrize("seconds", [25 * 60, 70 * 60])
def test_slow_reel(pub, app, seconds):
    pub.sandbox_settings(video_processing_seconds=seconds)
    T = pub.at(3 * HOUR)
    post = pub.post("/reels", {"video_url": pub.video(10), "publish_at": iso(T)}).json()["post"]
    settle(app, within=6 * HOUR)
    s = pub.status(post["id"])
    print("\nprocessing", seconds, s["status"], s["error"], "published", s["published_at"], "T", iso(T),
          "started", s["progress"]["processing_started_at"])
