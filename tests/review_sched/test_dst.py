from tests.review_sched.common import *  # noqa
import time_machine
from zoneinfo import ZoneInfo
from types import SimpleNamespace
from backend.extensions import db
from backend.models import SNSAccount, SNSPost
from backend.services.instagram.publishing import scheduling, best_times


@pytest.mark.parametrize("zone,day,slots", [
    ("America/New_York", datetime(2027, 3, 13, 12, tzinfo=timezone.utc), ["01:30", "02:30", "03:30"]),
    ("America/New_York", datetime(2027, 11, 6, 12, tzinfo=timezone.utc), ["00:30", "01:30", "02:30"]),
    ("Europe/Paris", datetime(2027, 3, 27, 12, tzinfo=timezone.utc), ["02:30", "03:00"]),
    ("Europe/Paris", datetime(2027, 10, 30, 12, tzinfo=timezone.utc), ["02:30", "03:00"]),
    ("Asia/Kathmandu", datetime(2027, 3, 27, 12, tzinfo=timezone.utc), ["00:00", "23:45"]),
    ("Pacific/Kiritimati", datetime(2027, 3, 27, 12, tzinfo=timezone.utc), ["00:00", "23:59"]),
    ("Pacific/Pago_Pago", datetime(2027, 3, 27, 12, tzinfo=timezone.utc), ["00:00", "23:59"]),
    ("Australia/Lord_Howe", datetime(2027, 4, 3, 0, tzinfo=timezone.utc), ["01:30", "01:45", "02:00"]),
])
def test_next_slot_dst(pub, app, zone, day, slots):
    z = ZoneInfo(zone)
    with app.app_context():
        acct = db.session.get(SNSAccount, pub.account["id"])
        scheduling.update_schedule(acct, SimpleNamespace(
            timezone=zone, min_spacing_minutes=10,
            slots={d: slots for d in scheduling.WEEKDAYS}))
        print("\n", zone, day.date())
        for n in range(6):
            at = scheduling.next_free_slot(acct, day)
            print("   ", at.isoformat(), at.astimezone(z).isoformat())
            db.session.add(SNSPost(user_id=acct.user_id, account_id=acct.id, platform="instagram",
                                   post_type="feed", status="scheduled", publish_at=at, items=[],
                                   request={}))
            db.session.commit()
        b = best_times.best_times(acct, 6, now=day)
        print("   best", [(t["weekday"], t["time"], t["next_at"].astimezone(z).isoformat()) for t in b["times"]])
