from tests.review_sched.common import *  # noqa
from zoneinfo import ZoneInfo
from backend.extensions import db
from backend.models import SNSAnalytics, utcnow


def test_full_queue(pub):
    pub.call("PUT", f"/accounts/{pub.account['id']}/schedule", json={"slots": {"mon": ["09:00"]}})
    codes = []
    for n in range(11):
        r = pub.post("/posts", {"image_url": pub.image(seed=n), "publish_at": "next_slot"})
        codes.append((r.status_code, r.json().get("error", {}).get("code"),
                      r.json().get("post", {}).get("publish_at")))
    print("\n", codes)


def test_best_with_data(pub, app):
    account_id = pub.account["id"]
    la = ZoneInfo("America/Los_Angeles")
    with app.app_context():
        today = utcnow().astimezone(la).date()
        for back in range(1, 8):
            day = today - timedelta(days=back)
            end = datetime(day.year, day.month, day.day, tzinfo=la) + timedelta(days=1)
            values = {str(h): (500 if h == 17 else 50) for h in range(24)}
            db.session.add(SNSAnalytics(account_id=account_id, metric="online_followers",
                                        period="lifetime", end_time=end.astimezone(timezone.utc),
                                        breakdown={"dimensions": ["key"], "values": values},
                                        fetched_at=utcnow()))
        db.session.commit()
    pub.call("PUT", f"/accounts/{account_id}/schedule", json={"timezone": "Asia/Kathmandu"})
    b = pub.call("GET", f"/accounts/{account_id}/best-times?count=3").json()
    print("\nbest", b["source"], b["data"], [(t["weekday"], t["time"], t["next_at"], t["score"], t["why"]) for t in b["times"]])
    got = []
    for n in range(8):
        r = pub.post("/posts", {"image_url": pub.image(seed=n), "publish_at": "best"})
        got.append(r.json()["post"]["publish_at"])
    print("best posts", got)
