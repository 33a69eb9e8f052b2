"""Which account a Sprint 2 request is about: the one given, or the user's only one.

The plan assumes one Instagram account per user; a user with several passes `account_id`,
in the query string (any request) or in the body (POSTs), as they like.
"""
from backend.errors import APIError, invalid_field
from backend.services.instagram.accounts import connected

CONNECT_PATH = "POST /api/v1/auth/instagram/connect"


def choose(user_id, account_id=None, *, required=True):
    """The account `account_id`, or the user's only account.

    Several accounts and none chosen: 422 listing them. None connected: 404
    `no_connected_account` (or None when not `required`).
    """
    if account_id is not None:
        return connected.get_owned(user_id, account_id)
    accounts = connected.list_owned(user_id)
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        if not required:
            return None
        raise APIError(f"No Instagram account is connected yet: connect one with {CONNECT_PATH}.",
                       code="no_connected_account", status=404)
    listed = ", ".join(f"{a.id} (@{a.username})" for a in accounts)
    message = (f"You have {len(accounts)} connected Instagram accounts; pass account_id to "
               f"choose one: {listed}.")
    raise invalid_field("account_id", "account_choice_required", message, accounts=[
        {"id": a.id, "username": a.username, "status": a.status} for a in accounts])


def given(body_id, query_id):
    """The `account_id` a POST gives in its body or its query string (or None); both and
    different is a 422 naming it rather than one of them silently used."""
    if body_id is not None and query_id is not None and body_id != query_id:
        message = (f"account_id is given twice with different values ({query_id} in the "
                   f"query string, {body_id} in the body); give it once.")
        raise invalid_field("account_id", "repeated_field", message)
    return body_id if body_id is not None else query_id
