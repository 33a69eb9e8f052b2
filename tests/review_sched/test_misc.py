from tests.review_sched.common import *  # noqa
from backend.models import utcnow


def test_calendar_odd(pub):
    for frm, to in (("0001-01-01T00:00:00+05:45", "0001-02-01T00:00:00+05:45"),
                    ("9999-12-31T00:00:00-05:00", "9999-12-31T23:00:00-05:00"),
                    ("2026-12-01T00:00:00+05:45", "2026-12-01T00:00:00+05:45")):
        r = pub.call("GET", "/calendar", params={"from": frm, "to": to})
        print("\nCAL", frm, to, r.status_code, r.text[:200])


@pytest.mark.parametrize("tz", ["America", "", "Europe/", "localtime", "Etc/GMT+5",
                                "posixrules", "../zoneinfo/UTC", "/etc/localtime",
                                "Europe/Paris ", "EST5EDT", "zone.tab", "tzdata.zi"])
def test_timezone_names(pub, tz):
    r = pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"timezone": tz})
    print("\nTZ", repr(tz), r.status_code, r.text[:200])
    if r.status_code == 200:
        g = pub.call("GET", f"/accounts/{pub.account['id']}/schedule")
        print("  GET", g.status_code, g.text[:200])
        n = pub.post("/posts", {"image_url": pub.image(), "publish_at": "next_slot"})
        print("  next_slot", n.status_code, n.text[:200])
        b = pub.call("GET", f"/accounts/{pub.account['id']}/best-times")
        print("  best", b.status_code, b.text[:200])


def test_empty_slots(pub):
    r = pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"slots": {}})
    print("\nPUT {}", r.status_code, r.text[:300])
    r = pub.call("GET", f"/accounts/{pub.account['id']}/best-times")
    print("best", r.status_code, r.text[:300])
    r = pub.post("/posts", {"image_url": pub.image(), "publish_at": "best"})
    print("publish best", r.status_code, r.text[:300])
    r = pub.post("/posts", {"image_url": pub.image(), "publish_at": "next_slot"})
    print("publish next_slot", r.status_code, r.text[:300])


def test_slot_strings(pub):
    for slots in ({"mon": ["9:00"]}, {"mon": ["09:00:30"]}, {"mon": ["0900"]},
                  {"mon": ["09:00+05:00"]}, {"mon": ["T09:00"]}, {"mon": ["24:00"]},
                  {"mon": [""]}, {"mon": ["09:00"] * 200}, {"mon": [9]}):
        r = pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"slots": slots})
        print("\nSLOTS", str(slots)[:40], r.status_code, r.text[:200])
