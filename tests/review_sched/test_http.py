from tests.review_sched.common import *  # noqa
import io
from PIL import Image


def test_statuses(pub, live_user):
    buf = io.BytesIO(); Image.new("RGB", (1080, 1080)).save(buf, "JPEG")
    r = pub.live.http.post(pub.live.api("/posts"), headers=pub.headers,
                           data={"account_id": str(pub.account["id"]), "publish_at": iso(pub.at(HOUR)),
                                 "when_limited": "queue"},
                           files={"file": ("a.jpg", buf.getvalue(), "image/jpeg")})
    print("\nmultipart", r.status_code, r.json().get("post", {}).get("status"), r.json().get("error"))
    for body in ({"publish_at": 12345}, {"publish_at": "later"}, {"when_limited": "later"},
                 {"publish_at": None}, {"publish_at": "next_slot", "when_limited": "queue"}):
        r = pub.post("/posts", {"image_url": pub.image(seed=7), **body})
        print("body", body, r.status_code, r.json().get("error", {}).get("code"),
              r.json().get("post", {}).get("status"))
    p = pub.post("/posts", {"image_url": pub.image(seed=8), "publish_at": iso(pub.at(HOUR))}).json()["post"]
    for path, method, body in ((f"/posts/{p['id']}/schedule", "PATCH", {"publish_at": "now"}),
                               (f"/posts/{p['id']}/schedule", "PATCH", {}),
                               (f"/posts/{p['id']}/schedule", "PATCH", {"publish_at": None}),
                               (f"/posts/{p['id']}/schedule", "PATCH", {"publish_at": "2020-01-01T00:00:00Z"}),
                               (f"/posts/{p['id']}/schedule", "PATCH", {"publish_at": "best"}),
                               (f"/posts/{p['id']}/schedule", "PATCH", {"publish_at": "0001-01-01T00:00:00+05:45"}),
                               (f"/posts/{p['id']}/schedule", "POST", {"publish_at": "best"}),
                               (f"/posts/999/schedule", "PATCH", {"publish_at": "best"}),
                               (f"/posts/999/cancel", "POST", None),
                               (f"/drafts/{p['id']}", "GET", None),
                               (f"/drafts/{p['id']}/publish", "POST", {}),
                               ):
        r = pub.call(method, path, json=body)
        print(method, path, body, r.status_code, r.json().get("error", {}).get("code") if r.content else "")
    mallory = live_user("mallory@example.com")
    for method, path, body in (("PATCH", f"/posts/{p['id']}/schedule", {"publish_at": "best"}),
                               ("POST", f"/posts/{p['id']}/cancel", None),
                               ("GET", f"/accounts/{pub.account['id']}/schedule", None),
                               ("PUT", f"/accounts/{pub.account['id']}/schedule", {"timezone": "UTC"}),
                               ("GET", f"/accounts/{pub.account['id']}/best-times", None)):
        r = pub.live.http.request(method, pub.live.api(path), json=body, headers=mallory)
        print("mallory", method, path, r.status_code, r.json().get("error", {}).get("code"))
    r = pub.call("GET", f"/accounts/{pub.account['id']}/best-times?count=0")
    print("count=0", r.status_code, r.json().get("error", {}).get("code"))
    r = pub.call("GET", f"/accounts/{pub.account['id']}/best-times?count=21")
    print("count=21", r.status_code)
    r = pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"min_spacing_minutes": -1})
    print("spacing -1", r.status_code)
    r = pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"min_spacing_minutes": None, "timezone": None, "slots": None})
    print("all null", r.status_code, r.json())
