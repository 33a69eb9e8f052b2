from tests.review_sched.common import *  # noqa
from tests.publishing.settle import settle


def test_patch_account_id(pub, connect_account):
    other = connect_account(pub.headers, username="second_acct")
    print("\naccounts", pub.account["id"], other["id"])
    d = pub.draft(image_url=pub.image()).json()["draft"]
    r = pub.call("PATCH", f"/drafts/{d['id']}", json={"account_id": other["id"]})
    print("patch account", r.status_code, r.json()["draft"]["account_id"])
    r = pub.call("GET", f"/drafts?account_id={other['id']}")
    print("list other", [x["id"] for x in r.json()["drafts"]])
    r = pub.call("POST", f"/drafts/{d['id']}/publish", json={})
    print("published on", r.status_code, r.json()["post"]["account_id"])
    r = pub.call("PATCH", f"/drafts/{pub.draft(image_url=pub.image()).json()['draft']['id']}",
                 json={"account_id": None})
    print("patch account null", r.status_code, r.text[:200])


@pytest.mark.parametrize("kind", ["feed", "carousel", "story", "reel"])
def test_invalid_then_valid(pub, kind):
    bad = {"feed": {"type": "feed", "image_url": pub.image(1080, 300)},
           "carousel": {"type": "feed", "items": [{"image_url": pub.image()}]},
           "story": {"type": "story", "video_url": pub.video(90)},
           "reel": {"type": "reel", "video_url": pub.video(1)}}[kind]
    fix = {"feed": {"image_url": pub.image()},
           "carousel": {"items": [{"image_url": pub.image()}, {"video_url": pub.video(5)}]},
           "story": {"video_url": pub.video(10)},
           "reel": {"video_url": pub.video(10)}}[kind]
    r = pub.draft(**bad)
    d = r.json()["draft"]
    print("\n", kind, r.status_code, d["type"], d["validation"]["valid"],
          [e["code"] for e in d["validation"]["errors"]])
    p = pub.call("POST", f"/drafts/{d['id']}/publish", json={"publish_at": "next_slot"})
    print(" publish invalid", p.status_code, p.json()["error"]["code"])
    r = pub.call("PATCH", f"/drafts/{d['id']}", json=fix)
    d = r.json()["draft"]
    print(" patched", r.status_code, d["type"], d["validation"]["valid"], d["validation"]["errors"])
    p = pub.call("POST", f"/drafts/{d['id']}/publish", json={"publish_at": "next_slot"})
    print(" publish", p.status_code, p.json()["post"]["status"], p.json()["post"]["schedule_kind"])


def test_patch_nulls(pub):
    d = pub.draft(image_url=pub.image(), caption="hi", hashtags=["a"]).json()["draft"]
    for body in ({"image_url": None}, {"type": None}, {"hashtags": None}, {"items": None},
                 {"type": "reel"}, {"publish_at": "next_slot"}, {}, {"caption": 5},
                 {"type": "carousel"}):
        r = pub.call("PATCH", f"/drafts/{d['id']}", json=body)
        j = r.json()
        print("\nPATCH", body, r.status_code,
              j.get("draft", {}).get("type"), j.get("draft", {}).get("caption"),
              (j.get("draft", {}).get("validation") or {}).get("valid"),
              [e["code"] for e in (j.get("draft", {}).get("validation") or {}).get("errors", [])],
              j.get("error", {}).get("code"), end="")
    r = pub.call("POST", "/drafts", json={"type": "feed"})
    print("\ndraft without account", r.status_code, r.text[:150])
    r = pub.call("POST", "/drafts", json={"type": "feed", "account_id": pub.account["id"],
                                          "publish_at": "next_slot"})
    print("draft with publish_at", r.status_code, r.text[:150])
    r = pub.call("PATCH", f"/drafts/{d['id']}", data="null",
                 headers={**pub.headers, "Content-Type": "application/json"})
    print("PATCH body null", r.status_code, r.text[:150])
    r = pub.call("POST", f"/drafts/{d['id']}/publish", json={"publish_at": None})
    print("publish null", r.status_code, r.json().get("post", {}).get("status"))
