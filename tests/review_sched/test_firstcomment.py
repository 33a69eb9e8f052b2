from tests.review_sched.common import *  # noqa
from tests.publishing.settle import settle


def test_draft_first_comment(pub, app):
    d = pub.draft(image_url=pub.image(), caption="x", first_comment="#hello #world").json()["draft"]
    print("\ndraft fc", d["first_comment"], d["validation"]["valid"])
    r = pub.call("POST", f"/drafts/{d['id']}/publish", json={})
    print("published", r.status_code, r.json()["post"]["status"], r.json()["post"]["first_comment"])
    settle(app, within=timedelta(minutes=5))
    print("after", pub.status(d["id"])["first_comment"])


def test_cancelled_then_edited_first_comment(pub, app):
    p = pub.post("/posts", {"image_url": pub.image(seed=3), "first_comment": "old comment",
                            "publish_at": iso(pub.at(HOUR))}).json()["post"]
    pub.call("POST", f"/posts/{p['id']}/cancel")
    e = pub.call("PATCH", f"/drafts/{p['id']}", json={"first_comment": "new comment"})
    print("\nedited", e.status_code, e.json()["draft"]["first_comment"])
    r = pub.call("POST", f"/drafts/{p['id']}/publish", json={})
    settle(app, within=timedelta(minutes=5))
    from backend.services.instagram.comments.first_comment import process_first_comments
    with app.app_context():
        process_first_comments(app)
    print("after", pub.status(p["id"])["first_comment"])
    e = pub.call("PATCH", f"/drafts/{p['id']}", json={"first_comment": None})
