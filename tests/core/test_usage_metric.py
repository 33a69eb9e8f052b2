"""instagram_graph_usage_percent follows the readings the guards act on: a reading older than
ten minutes is gone from /metrics (as the guards ignore it), and the series do not grow with
the number of accounts."""
import time

import time_machine
from prometheus_client.parser import text_string_to_metric_families

from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.shared_state import RedisStore
from backend.services.instagram.graph.usage import USAGE_MAX_AGE, Usage, UsageTracker

HOST = "graph.instagram.com"


def served(client):
    text = client.get("/metrics").get_data(as_text=True)
    return {(s.labels["host"], s.labels["account"]): s.value
            for f in text_string_to_metric_families(text) for s in f.samples
            if s.name == "instagram_graph_usage_percent"}


def reading(account, percent):
    return Usage(max_percent=percent, accounts={account: {"percent": percent,
                                                          "regain_minutes": 0.0}})


def test_a_reading_older_than_ten_minutes_is_not_served(app, client):
    usage = runtime(app).usage
    with time_machine.travel(time.time(), tick=False) as traveller:
        usage.record(f"{HOST}|app", Usage(max_percent=100.0, app={"call_count": 100.0}))
        usage.record(f"{HOST}|17841400000000001", reading("17841400000000001", 97.0))
        assert served(client) == {(HOST, "app"): 100.0, (HOST, "17841400000000001"): 97.0}
        traveller.shift(USAGE_MAX_AGE - 1)
        assert len(served(client)) == 2
        traveller.shift(2)  # eleven minutes after the last call: the guards ignore it
        assert served(client) == {}
        assert not usage.should_defer(f"{HOST}|app")


def test_only_the_accounts_nearest_their_budget_are_served(app, client):
    usage = runtime(app).usage
    for n in range(300):
        usage.record(f"{HOST}|1784140000000{n:04d}", reading(f"1784140000000{n:04d}", n / 3))
    usage.record(f"{HOST}|app", Usage(max_percent=40.0, app={"call_count": 40.0}))
    shown = served(client)
    accounts = sorted((v for (_, a), v in shown.items() if a != "app"), reverse=True)
    assert len(accounts) == 50 and accounts[0] == 299 / 3 and accounts[-1] == 250 / 3
    assert shown[(HOST, "app")] == 40.0


def test_token_keyed_readings_are_not_series(app, client):
    """Before an account's id is known its calls are keyed by a token digest: not a label."""
    runtime(app).usage.record(f"{HOST}|token:0123456789ab",
                              Usage(max_percent=12.0, app={"call_count": 12.0}))
    assert served(client) == {}


def test_readings_are_shared_through_redis(redis_url, redis_prefix):
    """One worker's reading is served by another's scrape; another deployment's is not."""
    prefix = redis_prefix + "*[x]:"  # characters with a meaning in Redis patterns, too
    stores = [RedisStore.from_url(redis_url, p) for p in (prefix, prefix, redis_prefix + "o:")]
    try:
        writer, reader, other = (UsageTracker(clock=time.time, store=s) for s in stores)
        other.record(f"{HOST}|1", reading("1", 80.0))
        writer.record(f"{HOST}|2", reading("2", 60.0))
        writer.block(f"{HOST}|2", 30)
        assert set(reader.fresh()) == {f"{HOST}|2"}
        assert reader.fresh()[f"{HOST}|2"].accounts["2"]["percent"] == 60.0
    finally:
        for key in stores[0].client.scan_iter(f"{redis_prefix}*"):
            stores[0].client.delete(key)
        for store in stores:
            store.client.close()
