from tests.review_sched.common import *  # noqa
import io
import time_machine
from PIL import Image
from backend.services.instagram.publishing.upload_purge import purge_old_uploads
from tests.publishing.settle import settle


def test_scheduled_upload_purged(pub, app):
    buf = io.BytesIO(); Image.new("RGB", (1080, 1080), (10, 200, 10)).save(buf, "JPEG")
    T = pub.at(timedelta(days=3))
    r = pub.live.http.post(pub.live.api("/posts"), headers=pub.headers,
                           data={"account_id": str(pub.account["id"]), "publish_at": iso(T)},
                           files={"file": ("a.jpg", buf.getvalue(), "image/jpeg")})
    post = r.json()["post"]
    print("\nscheduled", r.status_code, post["status"], post["items"][0]["url"])
    d = pub.live.http.post(pub.live.api("/drafts"), headers=pub.headers,
                           json={"type": "feed", "account_id": pub.account["id"],
                                 "image_url": post["items"][0]["url"]})
    with time_machine.travel(utcnow_plus(days=2), tick=False):
        with app.app_context():
            print("purged", purge_old_uploads(app))
    import requests
    print("file now", requests.get(post["items"][0]["url"]).status_code)
    settle(app, within=timedelta(days=4), max_passes=500)
    s = pub.status(post["id"])
    print("after", s["status"], s["error"])


def utcnow_plus(**kw):
    from backend.models import utcnow
    return utcnow() + timedelta(**kw)
