from tests.review_sched.common import *  # noqa
import threading
import time_machine
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.publishing.settle import settle


@pytest.mark.parametrize("action", ["cancel", "move"])
def test_race(pub, app, action):
    results = []
    for n in range(6):
        T = pub.at(HOUR)
        post = pub.post("/posts", {"image_url": pub.image(seed=n), "caption": f"r{n}",
                                   "publish_at": iso(T)}).json()["post"]
        with time_machine.travel(T - timedelta(minutes=5), tick=False):
            settle(app, within=timedelta(seconds=1))
        out = {}
        with time_machine.travel(T + timedelta(seconds=n), tick=False):
            def job():
                with app.app_context():
                    process_due_posts(app)
            def user():
                if action == "cancel":
                    out["r"] = pub.call("POST", f"/posts/{post['id']}/cancel")
                else:
                    out["r"] = pub.call("PATCH", f"/posts/{post['id']}/schedule",
                                        json={"publish_at": iso(T + 2 * HOUR)})
            ts_ = [threading.Thread(target=job), threading.Thread(target=user)]
            [t.start() for t in ts_]
            [t.join() for t in ts_]
        s = pub.status(post["id"])
        r = out["r"]
        results.append((r.status_code, r.json().get("error", {}).get("code"), s["status"]))
        settle(app, within=timedelta(seconds=1))
    print("\n", action, results, "media", len(pub.live_media()))
    settle(app, within=4 * HOUR)
    print(" final media", len(pub.live_media()))
