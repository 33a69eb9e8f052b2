from tests.review_sched.common import *  # noqa
import time_machine
from tests.publishing.settle import settle


def test_idempotency_scheduled(pub, app):
    T = iso(pub.at(HOUR))
    body = {"image_url": pub.image(), "publish_at": T}
    a = pub.post("/posts", body, **{"Idempotency-Key": "k1"})
    b = pub.post("/posts", body, **{"Idempotency-Key": "k1"})
    print("\nfirst", a.status_code, a.json()["post"]["id"], "replay", b.status_code,
          b.json()["post"]["id"], b.headers.get("Location"))
    c = pub.post("/posts", {**body, "publish_at": iso(pub.at(2 * HOUR))},
                 **{"Idempotency-Key": "k1"})
    print("other time", c.status_code, c.json().get("error", {}).get("code"))
    n1 = pub.post("/posts", {"image_url": pub.image(seed=2), "publish_at": "next_slot"},
                  **{"Idempotency-Key": "k2"})
    n2 = pub.post("/posts", {"image_url": pub.image(seed=2), "publish_at": "next_slot"},
                  **{"Idempotency-Key": "k2"})
    print("next_slot", n1.json()["post"]["id"], n2.json()["post"]["id"],
          n1.json()["post"]["publish_at"], n2.json()["post"]["publish_at"])
    # reschedule, then replay: what comes back?
    pub.call("PATCH", f"/posts/{a.json()['post']['id']}/schedule",
             json={"publish_at": iso(pub.at(3 * HOUR))})
    d = pub.post("/posts", body, **{"Idempotency-Key": "k1"})
    print("replay after move", d.status_code, d.json()["post"]["publish_at"])
    pub.call("POST", f"/posts/{a.json()['post']['id']}/cancel")
    e = pub.post("/posts", body, **{"Idempotency-Key": "k1"})
    print("replay after cancel", e.status_code, e.json()["post"]["status"])
    settle(app, within=5 * HOUR)
    print("media", len(pub.live_media()))


def test_idempotency_now_vs_limit_queue(pub, app):
    pub.sandbox_settings(publish_quota=1)
    assert pub.post("/posts", {"image_url": pub.image(seed=1)}).status_code == 201
    body = {"image_url": pub.image(seed=2), "when_limited": "queue"}
    a = pub.post("/posts", body, **{"Idempotency-Key": "q"})
    b = pub.post("/posts", body, **{"Idempotency-Key": "q"})
    print("\nqueued", a.status_code, a.json()["post"]["publish_at"], a.headers.get("Retry-After"),
          "replay", b.status_code, b.json()["post"]["id"] == a.json()["post"]["id"])
    r = pub.post("/posts", {"image_url": pub.image(seed=3)})
    print("refused", r.status_code, r.headers.get("Retry-After"), r.json()["error"]["code"],
          r.json()["error"]["details"])
    r = pub.post("/reels", {"video_url": pub.video(5), "when_limited": "queue"})
    print("reel queued", r.status_code, r.json()["post"]["status"], r.json()["post"]["publish_at"])
    r = pub.post("/posts", {"image_url": pub.image(seed=4), "publish_at": "next_slot",
                            "when_limited": "refuse"})
    print("next_slot at limit", r.status_code, r.json()["post"]["status"])
