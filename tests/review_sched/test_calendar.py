from tests.review_sched.common import *  # noqa
from datetime import timezone as tz


def test_calendar_edges(pub, live_user, connect_account):
    T = pub.at(HOUR)
    p = pub.post("/posts", {"image_url": pub.image(), "publish_at": iso(T)}).json()["post"]
    at = ts(p["publish_at"])
    plus = tz(timedelta(hours=5, minutes=45))
    for frm, to, label in ((at, at, "exact both"), (at + timedelta(microseconds=1), at + HOUR, "after"),
                           (at - HOUR, at - timedelta(microseconds=1), "before"),
                           (at.astimezone(plus), at.astimezone(plus), "+05:45 exact"),
                           (at - timedelta(days=92), at, "92d"),
                           (at - timedelta(days=92, seconds=1), at, "92d+1s")):
        r = pub.call("GET", "/calendar", params={"from": frm.isoformat(), "to": to.isoformat()})
        print("\n", label, r.status_code, [e["post"]["id"] for e in r.json().get("entries", [])],
              r.json().get("error", {}).get("code"), end="")
    mallory = live_user("mallory@example.com")
    macct = connect_account(mallory, username="mallory_ig")
    r = pub.call("GET", "/calendar", params={"from": iso(at - HOUR), "to": iso(at + HOUR),
                                             "account_id": macct["id"]})
    print("\nother's account", r.status_code, r.json().get("error", {}).get("code"))
    r = pub.live.http.get(pub.live.api("/calendar"), headers=mallory,
                          params={"from": iso(at - HOUR), "to": iso(at + HOUR),
                                  "account_id": pub.account["id"]})
    print("mallory on alice acct", r.status_code, r.json().get("error", {}).get("code"))
    for params in ({"from": iso(at)}, {"to": iso(at)}, {"from": "x", "to": "y"},
                   {"from": iso(at), "to": iso(at), "state": ""},
                   {"from": iso(at), "to": iso(at), "state": "scheduled, draft"},
                   {"from": iso(at), "to": iso(at), "state": "SCHEDULED"},
                   {"from": iso(at), "to": iso(at), "state": "pending"},
                   {"from": iso(at), "to": iso(at), "account_id": "abc"},
                   {"from": iso(at), "to": iso(at), "account_id": "999"},
                   {"from": iso(at), "to": iso(at), "bogus": "1"},
                   {"from": iso(at).replace("+00:00", "Z"), "to": iso(at + HOUR).replace("+00:00", "Z")},
                   {"from": "2026-12-01T10:00:00+0545", "to": "2026-12-02T10:00:00+0545"},
                   {"from": "2026-12-01", "to": "2026-12-02"},
                   ):
        r = pub.call("GET", "/calendar", params=params)
        print("Q", params, r.status_code, r.json().get("error", {}).get("code"),
              len(r.json().get("entries", [])))
