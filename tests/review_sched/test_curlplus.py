from tests.review_sched.common import *  # noqa


def test_plus_unencoded(pub):
    url = pub.live.api("/calendar") + "?from=2026-12-01T00:00:00+01:00&to=2026-12-02T00:00:00+01:00"
    r = pub.live.http.get(url, headers=pub.headers)
    print("\nCAL+", r.status_code, r.text[:400])
