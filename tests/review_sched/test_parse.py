from tests.review_sched.common import *  # noqa


@pytest.mark.parametrize("value", [
    "0001-01-01T00:00:00+05:45", "9999-12-31T23:59:59-05:00", "2026-13-01T00:00:00Z",
    "", " now", "NOW", "2026-06-01", "2026-06-01T10:00:00+25:00", "+05:45",
])
def test_odd_publish_at(pub, value):
    r = pub.post("/posts", {"image_url": pub.image(), "publish_at": value})
    print("\nVALUE", repr(value), r.status_code, r.text[:300])
    assert r.status_code != 500


def test_offsets_now_past(pub):
    from backend.models import utcnow
    now = utcnow().replace(microsecond=0)
    from datetime import timezone as tz
    plus545 = timezone(timedelta(hours=5, minutes=45))
    when = (now + timedelta(hours=3)).astimezone(plus545)
    r = pub.post("/posts", {"image_url": pub.image(seed=1), "publish_at": when.isoformat()})
    print("\n+05:45", when.isoformat(), r.status_code, r.json()["post"]["publish_at"])
    assert ts(r.json()["post"]["publish_at"]) == when
    for delta, label in ((timedelta(0), "exactly now"), (timedelta(seconds=-59), "59s past"),
                         (timedelta(seconds=-61), "61s past"),
                         (timedelta(days=365) - timedelta(seconds=5), "year-5s"),
                         (timedelta(days=365, seconds=5), "year+5s")):
        r = pub.post("/posts", {"image_url": pub.image(seed=hash(label) % 100),
                                "caption": label, "publish_at": iso(now + delta)})
        body = r.json()
        print(label, r.status_code, body.get("post", {}).get("status"),
              body.get("error", {}).get("code"))
