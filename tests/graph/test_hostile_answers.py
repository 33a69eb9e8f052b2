"""Answers no client should choke on: a body nested past the JSON parser's depth is an
InstagramAPIError like any unreadable answer, never a RecursionError (a 500 upstream)."""
import pytest
import responses

from backend.services.instagram.graph import errors as e
from tests.graph.fakes import IG, V

ME = f"{IG}/{V}/me"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("status", [200, 400, 500])
def test_a_body_nested_too_deep_is_an_unreadable_answer(rsps, make_client, status):
    rsps.add(responses.GET, ME, body=DEEP, status=status, content_type="application/json")
    with pytest.raises(e.InstagramAPIError):
        make_client(max_retries=1).get_account_info()
