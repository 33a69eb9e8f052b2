"""A caller's deadline: timeouts cut to what is left, no backoff past it, no attempt after it."""
import pytest
import requests
import responses
from tenacity import wait_fixed

from backend.services.instagram.graph import errors as e
from tests.graph.fakes import IG, V

ME = f"{IG}/{V}/me"


class Clock:
    """A monotonic clock the fake Meta moves forward: time passes only when a test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def slow_meta(rsps, clock, seconds, failure=None):
    """Every call takes `seconds`; then it times out (or answers `failure`)."""
    def reply(request):
        clock.now += seconds
        raise failure or requests.exceptions.ReadTimeout("read timed out")
    rsps.add_callback(responses.GET, ME, callback=reply)


def timeouts(rsps):
    return [call.request.req_kwargs["timeout"] for call in rsps.calls]


def test_each_attempt_gets_only_the_time_left(rsps, make_client):
    clock = Clock()
    client = make_client(timeout=(3.05, 20), deadline=clock.now + 25, clock=clock)
    slow_meta(rsps, clock, 20)
    with pytest.raises(e.NetworkError):
        client.get_account_info()
    # 20 s, then the 5 s left; never the third attempt of 20 s (60 s in all before).
    assert timeouts(rsps) == [(3.05, 20), (3.05, 5)]


def test_backoff_that_would_end_past_the_deadline_is_not_slept(rsps, make_client):
    clock = Clock()
    client = make_client(deadline=clock.now + 9, clock=clock, retry_wait=wait_fixed(10))
    slow_meta(rsps, clock, 1)
    with pytest.raises(e.NetworkError):
        client.get_account_info()
    assert len(rsps.calls) == 1


def test_no_attempt_starts_after_the_deadline(rsps, make_client):
    clock = Clock()
    client = make_client(deadline=clock.now - 0.001, clock=clock)
    with pytest.raises(e.DeadlineExceededError) as info:
        client.get_account_info()
    assert len(rsps.calls) == 0 and info.value.category == "deadline"
    assert info.value.transient  # a post waits for the job; insights answer stored values
    assert client.calls_made == 0


def test_without_a_deadline_nothing_changes(rsps, make_client):
    clock = Clock()
    client = make_client(timeout=(3.05, 20), clock=clock)
    slow_meta(rsps, clock, 20)
    with pytest.raises(e.NetworkError):
        client.get_account_info()
    assert timeouts(rsps) == [(3.05, 20)] * 3
