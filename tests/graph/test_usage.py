"""Usage headers: parsing, shared tracking, and refusing calls while Meta's block lasts."""
import json

import pytest
import responses

from backend.services.instagram.graph.errors import RateLimitError
from backend.services.instagram.graph.usage import UsageTracker, parse_usage, usage_key
from tests.graph.fakes import IG, IG_USER, FakeClock, RecordingObserver, V, meta_error

ME = f"{IG}/{V}/me"
MEDIA = f"{IG}/{V}/{IG_USER}/media"


def buc(percent=10, regain=0, account=IG_USER):
    return json.dumps({account: [{"type": "instagram", "call_count": percent,
                                  "total_cputime": 1, "total_time": 2,
                                  "estimated_time_to_regain_access": regain}]})


def test_parse_both_headers():
    usage = parse_usage({"X-App-Usage": '{"call_count":28,"total_time":25,"total_cputime":25}',
                         "x-business-use-case-usage": buc(91, 3)})
    assert usage.app == {"call_count": 28, "total_cputime": 25, "total_time": 25}
    assert usage.accounts == {IG_USER: {"percent": 91, "regain_minutes": 3}}
    assert usage.max_percent == 91 and usage.regain_minutes == 3 and usage.retry_after == 180


@pytest.mark.parametrize("headers", [{}, {"X-App-Usage": "{not json"},
                                     {"X-Business-Use-Case-Usage": '"just a string"'},
                                     {"X-App-Usage": "[]", "X-Business-Use-Case-Usage": "{}"}])
def test_missing_or_bad_headers_are_ignored(headers):
    assert parse_usage(headers) is None


def test_bad_buc_json_keeps_the_app_usage():
    usage = parse_usage({"X-App-Usage": '{"call_count": 5}', "X-Business-Use-Case-Usage": "{"})
    assert usage.max_percent == 5 and usage.accounts == {}


def test_tracker_blocks_and_keeps_the_longer_block():
    clock = FakeClock()
    tracker = UsageTracker(clock=clock)
    tracker.block("k", 60)
    tracker.block("k", 10)
    assert tracker.blocked_for("k") == 60
    clock.advance(61)
    assert tracker.blocked_for("k") == 0


@pytest.mark.parametrize("percent,share,defer", [
    (40, 0.5, False), (50, 0.5, True), (94, 1.0, False), (95, 1.0, True), (96, 2.0, True),
])
def test_should_defer_leaves_room_for_interactive_calls(percent, share, defer):
    tracker = UsageTracker()
    tracker.record("k", parse_usage({"X-Business-Use-Case-Usage": buc(percent)}))
    assert tracker.should_defer("k", share) is defer
    assert tracker.should_defer("unknown", share) is False


def test_client_refuses_without_calling_while_meta_says_wait(rsps, make_client):
    clock = FakeClock()
    client = make_client(usage=UsageTracker(clock=clock), observer=RecordingObserver())
    rsps.add(responses.GET, MEDIA, json={"data": []},
             headers={"X-Business-Use-Case-Usage": buc(100, 2)})
    client.list_media(IG_USER)
    with pytest.raises(RateLimitError) as info:
        client.list_media(IG_USER)
    assert len(rsps.calls) == 1 and client.calls_made == 1
    assert info.value.retry_after == 120 and info.value.reason == "blocked_locally"
    assert len(client.observer.records) == 1
    clock.advance(121)
    client.list_media(IG_USER)
    assert len(rsps.calls) == 2


def test_throttle_error_blocks_the_account_and_shared_clients(rsps, make_client):
    tracker = UsageTracker(clock=FakeClock())
    first, second = make_client(usage=tracker), make_client(usage=tracker)
    rsps.add(responses.GET, MEDIA, status=400, json=meta_error(80002))
    rsps.add(responses.GET, ME, json={"user_id": IG_USER})
    with pytest.raises(RateLimitError) as info:
        first.list_media(IG_USER)
    assert info.value.reason == "buc_limit" and info.value.retry_after == 300
    with pytest.raises(RateLimitError):
        second.list_media(IG_USER)
    second.get_account_info()  # another account of the same app is not blocked
    assert len(rsps.calls) == 2


def test_app_level_throttle_blocks_every_account_of_the_host(rsps, make_client):
    client = make_client(usage=UsageTracker(clock=FakeClock()))
    rsps.add(responses.GET, MEDIA, status=403, json=meta_error(4, is_transient=True),
             headers={"Retry-After": "30"})
    with pytest.raises(RateLimitError):
        client.list_media(IG_USER)
    with pytest.raises(RateLimitError) as info:
        client.get_account_info()
    assert info.value.retry_after == 30 and len(rsps.calls) == 1


def test_client_exposes_usage_per_account(rsps, make_client):
    client = make_client(account_id=IG_USER)
    rsps.add(responses.GET, ME, json={"user_id": IG_USER},
             headers={"X-App-Usage": '{"call_count": 12}', "X-Business-Use-Case-Usage": buc(97)})
    client.get_account_info()
    assert client.usage_for().max_percent == 97
    assert client.usage_for("app").max_percent == 12
    assert client.should_defer(share=0.5) is True
    assert client.usage.usage_for(usage_key("graph.instagram.com", IG_USER)).max_percent == 97


def test_an_old_usage_reading_no_longer_defers_jobs():
    """Meta's figures cover a rolling hour; an hour-old 90 % must not stop the sync forever."""
    clock = FakeClock()
    tracker = UsageTracker(clock=clock, max_age=600)
    tracker.record("k", parse_usage({"X-Business-Use-Case-Usage": buc(90)}))
    assert tracker.should_defer("k", 0.5) is True
    clock.advance(601)
    assert tracker.should_defer("k", 0.5) is False
