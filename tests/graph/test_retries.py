"""Retries: only what is safe to repeat; media_publish never blindly; recovery by status."""
from datetime import datetime, timezone

import pytest
import requests
import responses
import time_machine
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from backend.services.instagram.graph import errors as e
from backend.services.instagram.graph.transport import DEFAULT_RETRY_WAIT
from tests.graph.fakes import IG, IG_USER, RecordingObserver, V, meta_error

ME = f"{IG}/{V}/me"
MEDIA = f"{IG}/{V}/{IG_USER}/media"
PUBLISH = f"{IG}/{V}/{IG_USER}/media_publish"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_default_backoff_is_capped_and_jittered():
    assert DEFAULT_RETRY_WAIT.multiplier == 0.5 and DEFAULT_RETRY_WAIT.max == 8


@pytest.mark.parametrize("failure", [
    {"status": 502, "body": "Bad Gateway"},
    {"status": 500, "json": meta_error(2, is_transient=True)},
    {"status": 400, "json": meta_error(-1, 2207001)},
    {"body": requests.exceptions.ReadTimeout("read timed out")},
    {"body": requests.exceptions.ConnectionError(ProtocolError("Connection aborted."))},
], ids=["502", "code-2", "2207001", "read-timeout", "reset"])
def test_reads_are_retried_with_attempt_numbers(rsps, make_client, failure):
    observer = RecordingObserver()
    client = make_client(observer=observer)
    rsps.add(responses.GET, ME, **failure)
    rsps.add(responses.GET, ME, **failure)
    rsps.add(responses.GET, ME, json={"user_id": IG_USER})
    assert client.get_account_info()["user_id"] == IG_USER
    assert len(rsps.calls) == 3
    assert [r.attempt for r in observer.records] == [1, 2, 3]
    assert client.calls_made == 3


def test_reads_give_up_after_max_retries_attempts(rsps, make_client):
    rsps.add(responses.GET, ME, status=503, body="down")
    with pytest.raises(e.TransientError) as info:
        make_client(max_retries=4).get_account_info()
    assert len(rsps.calls) == 4 and info.value.http_status == 503


def test_user_errors_and_throttles_are_not_retried(rsps, ig):
    rsps.add(responses.GET, ME, status=400, json=meta_error(100))
    rsps.add(responses.GET, f"{IG}/{V}/m1", status=400, json=meta_error(17))
    with pytest.raises(e.UserFixableError):
        ig.get_account_info()
    with pytest.raises(e.RateLimitError):
        ig.get_media("m1")
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("failure", [
    {"body": requests.exceptions.ReadTimeout("read timed out")},
    {"body": requests.exceptions.ConnectionError(ProtocolError("Connection aborted."))},
    {"status": 502, "body": "Bad Gateway"},
    {"status": 400, "json": meta_error(2, is_transient=True)},
], ids=["read-timeout", "reset", "502", "code-2"])
def test_posts_are_not_retried_once_sent(rsps, ig, failure):
    rsps.add(responses.POST, MEDIA, **failure)
    rsps.add(responses.POST, MEDIA, json={"id": "c2"})
    with pytest.raises(e.TransientError) as info:
        ig.create_container(IG_USER, image_url="https://cdn.example.com/a.jpg")
    assert len(rsps.calls) == 1
    if isinstance(info.value, e.NetworkError):
        assert info.value.ambiguous is True


@pytest.mark.parametrize("unsent", [
    requests.exceptions.ConnectTimeout("connect timed out"),
    requests.exceptions.ConnectionError(MaxRetryError(
        None, "/", NewConnectionError(None, "Connection refused"))),
], ids=["connect-timeout", "refused"])
def test_posts_that_never_left_are_retried(rsps, ig, unsent):
    rsps.add(responses.POST, MEDIA, body=unsent)
    rsps.add(responses.POST, MEDIA, json={"id": "c2"})
    assert ig.create_container(IG_USER, image_url="https://cdn.example.com/a.jpg") == {"id": "c2"}
    assert len(rsps.calls) == 2


def test_network_errors_that_never_left_are_not_ambiguous(rsps, make_client):
    rsps.add(responses.GET, ME, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(e.NetworkError) as info:
        make_client(max_retries=1).get_account_info()
    assert info.value.ambiguous is False and info.value.reason == "not_sent"


def test_publish_is_never_retried_and_a_lost_answer_is_ambiguous(rsps, ig):
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.add(responses.POST, PUBLISH, json={"id": "m1"})
    with pytest.raises(e.NetworkError) as info:
        ig.publish_container(IG_USER, "c1")
    assert info.value.ambiguous is True and len(rsps.calls) == 1


@time_machine.travel(NOW, tick=False)
def test_publish_safely_recovers_a_published_container(rsps, ig):
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "PUBLISHED"})
    rsps.add(responses.GET, MEDIA, json={"data": [
        {"id": "m-new", "timestamp": "2025-06-01T12:00:02+0000"},
        {"id": "m-old", "timestamp": "2025-05-30T08:00:00+0000"}]})
    assert ig.publish_container_safely(IG_USER, "c1") == {"id": "m-new", "recovered": True}
    assert [c.request.method for c in rsps.calls] == ["POST", "GET", "GET"]


@time_machine.travel(NOW, tick=False)
def test_publish_safely_reports_published_without_a_matching_media(rsps, ig):
    rsps.add(responses.POST, PUBLISH, status=500, json=meta_error(1, is_transient=True))
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "PUBLISHED"})
    rsps.add(responses.GET, MEDIA, json={"data": [
        {"id": "m-old", "timestamp": "2025-05-30T08:00:00+0000"}]})
    assert ig.publish_container_safely(IG_USER, "c1") == {"id": None, "recovered": True}


def test_publish_safely_reraises_when_not_published(rsps, ig):
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "FINISHED"})
    with pytest.raises(e.NetworkError) as info:
        ig.publish_container_safely(IG_USER, "c1")
    assert info.value.container_status == "FINISHED"
    assert [c.request.method for c in rsps.calls] == ["POST", "GET"]


def test_publish_safely_reraises_the_original_when_the_status_is_unknown(rsps, make_client):
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.add(responses.GET, f"{IG}/{V}/c1", status=503, body="down")
    with pytest.raises(e.NetworkError) as info:
        make_client(max_retries=1).publish_container_safely(IG_USER, "c1")
    assert info.value.ambiguous is True


def test_publish_safely_reads_the_container_even_after_a_refusal(rsps, ig):
    """A refusal (here 9007) is not proof that nothing was published: read the container."""
    rsps.add(responses.POST, PUBLISH, status=400, json=meta_error(9007, 2207027))
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "IN_PROGRESS"})
    with pytest.raises(e.NotReadyError) as info:
        ig.publish_container_safely(IG_USER, "c1")
    assert info.value.container_status == "IN_PROGRESS" and len(rsps.calls) == 2


@time_machine.travel(NOW, tick=False)
def test_a_spam_block_after_the_post_went_live_is_published(rsps, ig):
    rsps.add(responses.POST, PUBLISH, status=400, json=meta_error(4, 2207051))
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "PUBLISHED"})
    rsps.add(responses.GET, MEDIA, json={"data": [
        {"id": "m-other", "caption": "another post", "timestamp": "2025-06-01T12:00:01+0000",
         "media_product_type": "FEED"},
        {"id": "m-mine", "caption": "mine", "timestamp": "2025-06-01T12:00:02+0000",
         "media_product_type": "FEED"}]})
    assert ig.publish_container_safely(IG_USER, "c1", caption="mine", product_type="FEED") \
        == {"id": "m-mine", "recovered": True}


@time_machine.travel(NOW, tick=False)
def test_the_recovered_media_is_none_unless_exactly_one_matches(rsps, ig):
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "PUBLISHED"})
    rsps.add(responses.GET, MEDIA, json={"data": [
        {"id": "m1", "caption": "same", "timestamp": "2025-06-01T12:00:02+0000"},
        {"id": "m2", "caption": "same", "timestamp": "2025-06-01T12:00:03+0000"}]})
    assert ig.publish_container_safely(IG_USER, "c1", caption="same")["id"] is None
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ReadTimeout("read timed out"))
    assert ig.publish_container_safely(IG_USER, "c1", caption="same",
                                       exclude={"m1"})["id"] == "m2"


def test_a_request_that_never_left_is_not_read_back(rsps, ig):
    rsps.add(responses.POST, PUBLISH, body=requests.exceptions.ConnectTimeout("no route"))
    with pytest.raises(e.NetworkError) as info:
        ig.publish_container_safely(IG_USER, "c1")
    assert info.value.ambiguous is False
    assert {c.request.method for c in rsps.calls} == {"POST"}  # retried, never read back


def test_publish_safely_returns_the_media_id(rsps, ig):
    rsps.add(responses.POST, PUBLISH, json={"id": "m1"})
    assert ig.publish_container_safely(IG_USER, "c1") == {"id": "m1", "recovered": False}


def test_reads_of_just_created_objects_retry_not_found(rsps, ig):
    url = f"{IG}/{V}/m1"
    rsps.add(responses.GET, url, status=400, json=meta_error(100, 33))
    rsps.add(responses.GET, url, status=400, json=meta_error(100, 33))
    rsps.add(responses.GET, url, json={"id": "m1"})
    assert ig.get_object("m1", "id", retry_not_found=2) == {"id": "m1"}
    assert len(rsps.calls) == 3


def test_not_found_is_final_without_the_option(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/m1", status=400, json=meta_error(100, 33))
    with pytest.raises(e.NotFoundError):
        ig.get_object("m1")
    assert len(rsps.calls) == 1


def test_expired_builder_on_a_read_becomes_container_expired(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/c1", status=400, json=meta_error(24, 2207008))
    with pytest.raises(e.ContainerExpiredError):
        ig.get_container_status("c1")
    assert len(rsps.calls) == 3


def test_expired_builder_on_publish_stays_transient_for_the_caller(rsps, ig):
    rsps.add(responses.POST, PUBLISH, status=400, json=meta_error(24, 2207008))
    with pytest.raises(e.TransientError) as info:
        ig.publish_container(IG_USER, "c1")
    assert not isinstance(info.value, e.ContainerExpiredError) and len(rsps.calls) == 1
