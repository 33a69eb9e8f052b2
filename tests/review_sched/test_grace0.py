from tests.review_sched.common import *  # noqa
from backend.services.instagram.core.runtime import runtime
from tests.publishing.settle import settle


def test_grace_zero(pub, app):
    runtime(app).settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES = 0
    T = pub.at(HOUR)
    p = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(T)}).json()["post"]
    settle(app, within=2 * HOUR)
    s = pub.status(p["id"])
    print("\ngrace0", s["status"], (s["error"] or {}).get("code"))


def test_spacing_zero_next_slot(pub):
    pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"min_spacing_minutes": 0})
    got = [pub.post("/posts", {"image_url": pub.image(seed=n), "publish_at": "next_slot"}).json()["post"]["publish_at"] for n in range(3)]
    print("\nspacing0", got)
