from tests.review_sched.common import *  # noqa
from backend.services.instagram.core.runtime import runtime
from tests.publishing.settle import settle


@pytest.mark.parametrize("seconds", [70 * 60, 130 * 60])
def test_slow_reel_long_deadline(pub, app, seconds):
    runtime(app).settings.INSTAGRAM_PUBLISH_DEADLINE_MINUTES = 300
    pub.sandbox_settings(video_processing_seconds=seconds)
    T = pub.at(3 * HOUR)
    post = pub.post("/reels", {"video_url": pub.video(10), "publish_at": iso(T)}).json()["post"]
    settle(app, within=6 * HOUR, max_passes=3000)
    s = pub.status(post["id"])
    print("\nprocessing", seconds, s["status"], s["error"], "published", s["published_at"], "T", iso(T))
