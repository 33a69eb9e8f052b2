"""A fuzz pass over the webhook endpoint over real HTTP: hostile input is refused, never a 5xx.

Bodies are signed with the right secret most of the time, so they get past the signature
check and reach the parser, the store and then the processing job.
"""
import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.services.instagram.graph.webhooks import signature_of
from backend.services.instagram.webhooks.processing import process_events
from tests.comments.helpers import run_in

pytestmark = pytest.mark.e2e
SECRET = "sandbox-app-secret"
FIELDS = ("comments", "live_comments", "mentions", "story_insights", "messages", "x" * 70)
FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
           | st.sampled_from(["17841400000000001", "17800000000000001", "\x00", "\ud800x",
                              "-1", "1" * 80, "NaN"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                           max_leaves=20)
values = st.fixed_dictionaries({}, optional={
    "id": scalars, "text": scalars, "media_id": scalars, "comment_id": scalars,
    "parent_id": scalars, "reach": scalars, "replies": scalars,
    "from": st.fixed_dictionaries({}, optional={"id": scalars, "username": scalars}),
    "media": st.fixed_dictionaries({}, optional={"id": scalars,
                                                 "media_product_type": scalars})})
# Mostly well-formed where it matters for getting in (ids, times, lists), anything inside.
changes = st.fixed_dictionaries({"field": st.sampled_from(FIELDS) | scalars,
                                 "value": values | values | json_values})
account_ids = st.sampled_from(["17841400000000001", 17841400000000001]) | scalars
times = (st.integers(1_500_000_000, 2_000_000_000) | st.integers(10 ** 12, 2 * 10 ** 12)
         | scalars)
entries = st.fixed_dictionaries(
    {"id": account_ids, "time": times,
     "changes": st.lists(changes, min_size=1, max_size=4) | json_values},
    optional={"messaging": st.lists(json_values, max_size=2)})
envelopes = st.fixed_dictionaries(
    {"object": st.sampled_from(["instagram", "instagram", "instagram", "page", "Insta gram"]),
     "entry": st.lists(entries, min_size=1, max_size=4)})
oddities = st.fixed_dictionaries({"object": scalars, "entry": json_values})


# Deliveries a connected account's events look like, with anything inside their values.
ids = st.from_regex(r"\A1[0-9]{16}\Z") | st.from_regex(r"\A[0-9]{1,70}\Z") | scalars
texts = st.text(max_size=60) | scalars
plausible_values = st.fixed_dictionaries(
    {"id": ids, "text": texts, "media_id": ids,
     "from": st.fixed_dictionaries({"id": ids, "username": texts}),
     "media": st.fixed_dictionaries({"id": ids, "media_product_type": texts})},
    optional={"parent_id": ids, "comment_id": ids, "reach": scalars, "exits": scalars,
              "replies": scalars, "taps_forward": st.integers(-2, 10 ** 20)})
plausible = st.fixed_dictionaries({"object": st.just("instagram"), "entry": st.lists(
    st.fixed_dictionaries({
        "id": st.sampled_from(["17841400000000001", 17841400000000001]),
        "time": st.integers(1_500_000_000, 2_000_000_000),
        "changes": st.lists(st.fixed_dictionaries({
            "field": st.sampled_from(FIELDS[:4]), "value": plausible_values}),
            min_size=1, max_size=3)}), min_size=1, max_size=3)})


def encoded(value, ascii_only=True):
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    plausible.map(encoded), plausible.map(lambda e: encoded(e, ascii_only=False)),
    envelopes.map(encoded), oddities.map(encoded), json_values.map(encoded),
    st.binary(max_size=300))
headers = st.sampled_from(["valid"] * 6 + ["wrong", "missing", "garbage"])
latin1 = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)


def test_hostile_deliveries_never_get_a_5xx(desk, app):
    statuses = []

    @FUZZ
    @given(body=bodies, signature=headers, junk=latin1,
           content_type=st.sampled_from(["application/json", "text/plain", "", "x/y; a=b"]))
    def deliver(body, signature, junk, content_type):
        sent = {"Content-Type": content_type}
        if signature == "valid":
            sent["X-Hub-Signature-256"] = signature_of(body, SECRET)
        elif signature == "wrong":
            sent["X-Hub-Signature-256"] = signature_of(body, "not-the-secret")
        elif signature == "garbage":
            sent["X-Hub-Signature-256"] = junk
        response = requests.post(desk.live.api("/webhooks"), data=body, headers=sent,
                                 timeout=10)
        statuses.append(response.status_code)
        assert response.status_code < 500, (body[:200], response.text)
        assert response.headers["Content-Type"].startswith("application/json")
        if response.status_code == 200:
            assert set(response.json()) == {"received", "stored", "duplicates", "skipped"}

    deliver()
    assert 200 in statuses and 400 in statuses and 403 in statuses
    # Whatever got stored is processed without an unexpected failure.
    outcomes = run_in(app, process_events)
    assert "internal_error" not in outcomes, outcomes
    assert any(outcome.endswith("_stored") for outcome in outcomes), outcomes


def test_hostile_verification_requests_never_get_a_5xx(desk):
    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(["hub.mode", "hub.verify_token",
                                                   "hub.challenge", "x"]) | latin1,
                                  latin1 | st.sampled_from(["subscribe",
                                                            "sandbox-verify-token"]),
                                  max_size=4))
    def verify(params):
        response = requests.get(desk.live.api("/webhooks"), params=params, timeout=10)
        assert response.status_code < 500, (params, response.text)
        if response.status_code == 200:
            assert response.text == params["hub.challenge"]

    verify()
