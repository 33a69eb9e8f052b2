from tests.review_sched.common import *  # noqa
import threading
import time_machine
from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.conftest import make_app
from tests.publishing.settle import settle


def test_many_posts_same_time_spacing_vs_grace(pub, app):
    T = pub.at(HOUR)
    ids = [pub.post("/posts", {"image_url": pub.image(seed=n), "caption": f"p{n}",
                               "publish_at": iso(T)}).json()["post"]["id"] for n in range(8)]
    settle(app, within=4 * HOUR)
    for i in ids:
        s = pub.status(i)
        print("\n", i, s["status"], s["published_at"], (s["error"] or {}).get("code"), end="")
    print()


def test_spacing_two_app_instances(pub, app, tmp_path):
    T = pub.at(HOUR)
    ids = [pub.post("/posts", {"image_url": pub.image(seed=n), "caption": f"w{n}",
                               "publish_at": iso(T)}).json()["post"]["id"] for n in range(3)]
    other = make_app(tmp_path / "worker2", pub.sandbox.url,
                     SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with time_machine.travel(T - timedelta(minutes=10), tick=False):
        with app.app_context():
            process_due_posts(app)
    with time_machine.travel(T + timedelta(seconds=1), tick=False):
        for _ in range(3):
            workers = [threading.Thread(target=lambda a=a: a.app_context().push() or
                                        process_due_posts(a)) for a in (app, other)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
    settle(app, within=2 * HOUR)
    times = []
    for i in ids:
        s = pub.status(i)
        print("\n", i, s["status"], s["published_at"], s["progress"]["publish_started_at"], end="")
        times.append(ts(s["published_at"]))
    times.sort()
    print()
    assert all(b - a >= timedelta(minutes=10) for a, b in zip(times, times[1:]))
    assert len(pub.live_media()) == 3
