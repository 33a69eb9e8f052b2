"""Circuit breaker: open after consecutive outages, half-open trial, close, with a fake clock."""
import pytest
import responses

from backend.services.instagram.graph.breaker import (CLOSED, HALF_OPEN, OPEN, CircuitBreaker,
                                                      counts_as_failure)
from backend.services.instagram.graph.errors import (CircuitOpenError, NetworkError, PermanentError,
                                                     TransientError, UserFixableError)
from tests.graph.fakes import IG, FakeClock, V, meta_error

HOST = "graph.instagram.com"
ME = f"{IG}/{V}/me"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def breaker(clock):
    return CircuitBreaker(failure_threshold=3, cooldown=30, clock=clock)


def fail(breaker, times):
    for _ in range(times):
        breaker.before_call(HOST)
        breaker.record_failure(HOST)


def test_opens_after_consecutive_failures_only(breaker):
    fail(breaker, 2)
    breaker.record_success(HOST)
    fail(breaker, 2)
    assert breaker.state(HOST) == CLOSED
    fail(breaker, 1)
    assert breaker.state(HOST) == OPEN
    with pytest.raises(CircuitOpenError) as info:
        breaker.before_call(HOST)
    assert info.value.retry_after == 30
    breaker.before_call("graph.facebook.com")  # other hosts are unaffected


def test_half_open_lets_one_trial_through_and_success_closes(breaker, clock):
    fail(breaker, 3)
    clock.advance(30)
    assert breaker.state(HOST) == HALF_OPEN
    breaker.before_call(HOST)
    with pytest.raises(CircuitOpenError):
        breaker.before_call(HOST)
    breaker.record_success(HOST)
    assert breaker.state(HOST) == CLOSED
    breaker.before_call(HOST)


def test_failed_trial_reopens_for_a_full_cooldown(breaker, clock):
    fail(breaker, 3)
    clock.advance(31)
    fail(breaker, 1)
    assert breaker.state(HOST) == OPEN
    clock.advance(29)
    with pytest.raises(CircuitOpenError):
        breaker.before_call(HOST)


def test_a_trial_that_never_reports_is_replaced(breaker, clock):
    fail(breaker, 3)
    clock.advance(30)
    breaker.before_call(HOST)
    clock.advance(30)
    breaker.before_call(HOST)


@pytest.mark.parametrize("error,counts", [
    (NetworkError("timeout", ambiguous=True), True),
    (TransientError("bad gateway", http_status=502), True),
    (TransientError("meta", code=2, http_status=400), True),
    (TransientError("media download", code=-2, subcode=2207003, http_status=400), False),
    (UserFixableError("bad param", code=100, http_status=400), False),
    (PermanentError("odd", code=3, http_status=400), False),
    (CircuitOpenError("open"), False),
])
def test_only_outages_count(error, counts):
    assert counts_as_failure(error) is counts


def test_client_stops_calling_a_failing_host(rsps, make_client, clock):
    breaker = CircuitBreaker(failure_threshold=5, cooldown=30, clock=clock)
    client = make_client(breaker=breaker, max_retries=1)
    rsps.add(responses.GET, ME, status=502, body="Bad Gateway")
    for _ in range(5):
        with pytest.raises(TransientError):
            client.get_account_info()
    with pytest.raises(CircuitOpenError):
        client.get_account_info()
    assert len(rsps.calls) == 5
    clock.advance(30)
    rsps.replace(responses.GET, ME, json={"user_id": "1"})
    assert client.get_account_info() == {"user_id": "1"}
    assert breaker.state(HOST) == CLOSED


def test_circuit_open_is_not_retried(rsps, make_client, clock):
    breaker = CircuitBreaker(failure_threshold=2, cooldown=30, clock=clock)
    client = make_client(breaker=breaker, max_retries=5)
    rsps.add(responses.GET, ME, status=503, body="down")
    with pytest.raises(CircuitOpenError):
        client.get_account_info()
    assert len(rsps.calls) == 2


def test_user_errors_keep_the_breaker_closed(rsps, make_client, clock):
    breaker = CircuitBreaker(failure_threshold=2, cooldown=30, clock=clock)
    client = make_client(breaker=breaker)
    rsps.add(responses.GET, ME, status=400, json=meta_error(100))
    for _ in range(3):
        with pytest.raises(UserFixableError):
            client.get_account_info()
    assert breaker.state(HOST) == CLOSED
