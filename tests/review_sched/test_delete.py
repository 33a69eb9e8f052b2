from tests.review_sched.common import *  # noqa


def test_delete_cancelled_with_first_comment(pub, app):
    p = pub.post("/posts", {"image_url": pub.image(seed=3), "first_comment": "old comment",
                            "publish_at": iso(pub.at(HOUR))}).json()["post"]
    print("\ncancel", pub.call("POST", f"/posts/{p['id']}/cancel").status_code)
    r = pub.call("DELETE", f"/drafts/{p['id']}")
    print("delete", r.status_code, r.text[:300])
    from backend.extensions import db
    from sqlalchemy import text
    with app.app_context():
        print("fc rows", db.session.execute(text("select id, post_id, status from sns_first_comments")).all())


def test_orphan_comment_reused(pub, app):
    p = pub.post("/posts", {"image_url": pub.image(seed=3), "first_comment": "old comment",
                            "publish_at": iso(pub.at(HOUR))}).json()["post"]
    pub.call("POST", f"/posts/{p['id']}/cancel")
    pub.call("DELETE", f"/drafts/{p['id']}")
    n = pub.post("/posts", {"image_url": pub.image(seed=9), "caption": "no comment asked"})
    post = n.json()["post"]
    print("\nnew post", n.status_code, post["id"], post["first_comment"])
    from backend.services.instagram.comments.first_comment import process_first_comments
    with app.app_context():
        process_first_comments(app)
    print("after", pub.status(post["id"])["first_comment"])
