from tests.review_sched.common import *  # noqa
import time_machine
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.publishing.settle import settle


def notes(pub):
    r = pub.live.http.get(pub.live.url + "/api/notifications", headers=pub.headers)
    return r.json()["notifications"]


def test_missed_notification(pub, app):
    T = pub.at(HOUR)
    post = pub.post("/reels", {"video_url": pub.video(5), "publish_at": iso(T)}).json()["post"]
    with time_machine.travel(T + timedelta(minutes=90), tick=False):
        with app.app_context():
            process_due_posts(app)
    s = pub.status(post["id"])
    print("\nmissed", s["status"], s["error"])
    for n in notes(pub):
        print("NOTE", n["kind"], n["title"], "|", n["message"], "|", n["action"], n["data"])
    r = pub.call("PATCH", f"/posts/{post['id']}/schedule", json={"publish_at": iso(pub.at(2 * HOUR))})
    print("reschedule missed", r.status_code, r.json().get("error", {}).get("code"))
    r = pub.call("POST", f"/posts/{post['id']}/cancel")
    print("cancel missed", r.status_code, r.json().get("error", {}).get("code"))
    r = pub.call("GET", "/calendar", params={"from": iso(T - HOUR), "to": iso(T + HOUR),
                                             "state": "missed"})
    print("calendar missed", r.status_code, [(e["state"], e["post"]["id"]) for e in r.json()["entries"]])


def test_missed_after_containers(pub, app):
    # started ahead (container made), then the platform is down past the grace
    T = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(T)}).json()["post"]
    with time_machine.travel(T - timedelta(minutes=5), tick=False):
        settle(app, within=timedelta(seconds=1))
    print("\nbefore", pub.status(post["id"])["status"])
    with time_machine.travel(T + timedelta(minutes=61), tick=False):
        with app.app_context():
            process_due_posts(app)
    print("after", pub.status(post["id"])["status"], len(pub.live_media()))


def test_disconnected_at_time(pub, app):
    T = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(T)}).json()["post"]
    r = pub.call("DELETE", f"/accounts/{pub.account['id']}")
    print("\ndisconnect", r.status_code, r.text[:200])
    print("status after disconnect", pub.status(post["id"])["status"])
    settle(app, within=2 * HOUR)
    s = pub.status(post["id"])
    print("at time", s["status"], s["error"])
    for n in notes(pub):
        print("NOTE", n["kind"], n["title"], "|", n["message"][:120])
    r = pub.call("GET", "/calendar", params={"from": iso(T - HOUR), "to": iso(T + HOUR),
                                             "account_id": pub.account["id"]})
    print("calendar disconnected acct", r.status_code, [(e["state"]) for e in r.json().get("entries", [])])


def test_needs_reauth_at_time(pub, app):
    T = pub.at(HOUR)
    post = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(T)}).json()["post"]
    import requests
    # revoke token at the sandbox
    r = requests.post(f"{pub.sandbox.url}/_sandbox/faults",
                      json={"code": 190, "times": None})
    print("\nfault", r.status_code)
    settle(app, within=2 * HOUR)
    s = pub.status(post["id"])
    print("at time", s["status"], s["error"])
    requests.delete(f"{pub.sandbox.url}/_sandbox/faults")
