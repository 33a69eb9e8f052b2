"""Fixtures for the client's tests: a responses mock and clients that never sleep (wire level),
and clients of the sandbox over real HTTP (the script methods)."""
import pytest
import responses
from tenacity import wait_none

from backend.services.instagram.graph.client import InstagramAPI
from tests.graph.fakes import APP_ID, APP_SECRET, TOKEN
from tests.graph.sandbox_clients import Session


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def make_client():
    """Build clients with zero backoff (no sleeping) and the test app's credentials."""
    created = []

    def make(login_type="instagram", token=TOKEN, **options):
        options.setdefault("retry_wait", wait_none())
        options.setdefault("app_id", APP_ID)
        options.setdefault("app_secret", APP_SECRET)
        client = InstagramAPI(token, login_type=login_type, **options)
        created.append(client)
        return client

    yield make
    for client in created:
        client.close()


@pytest.fixture
def ig(make_client):
    return make_client("instagram")


@pytest.fixture
def fb(make_client):
    return make_client("facebook")


@pytest.fixture
def sandbox_session(fresh_sandbox):
    """The sandbox, reset, with logged-in clients whose waits move its clock."""
    return Session(fresh_sandbox)
