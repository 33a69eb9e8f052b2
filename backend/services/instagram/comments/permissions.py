"""Who may touch comments: checks made before any Graph call, and Meta's "no such object" as 404."""
from contextlib import contextmanager

from backend.errors import APIError, NotFound
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.wire import GRAPH_ID

NO_COMMENT = "No comment with this id on your account's media."
NO_MEDIA = "No media with this id on this account."


def comment_not_found(details=None):
    return NotFound(NO_COMMENT, code="comment_not_found", details=details)


def check_id(value, missing):
    """Instagram ids are digits: anything else is refused before it reaches Meta."""
    if value is not None and not GRAPH_ID.fullmatch(value):
        raise missing()


def require(account):
    """The comments permission and a usable connection, or the error that says what to do."""
    connected.require_scopes(account, connected.COMMENT_SCOPES, "Comments")
    if connected.connection_status(account) == "needs_reauth":
        raise APIError("Instagram no longer accepts this account's connection; connect it "
                       "again.", code="account_needs_reauth", status=409)


@contextmanager
def moderating(account, *, media=None, comment=None):
    """A client acting as the account on one of its media or comments, after the checks;
    Meta's "does not exist or cannot be accessed" about it becomes this platform's 404
    (another account's comment is indistinguishable from none)."""
    check_id(media, lambda: NotFound(NO_MEDIA, code="media_not_found"))
    check_id(comment, comment_not_found)
    require(account)
    try:
        with acting_as(account) as client:
            yield client
    except graph.UserFixableError as exc:
        # The error table's sentences (code 100: "a setting of this request") are about
        # posts; Meta's own (redacted) words say what is wrong with a comment ("You cannot
        # reply to a hidden comment"), as first comments keep them.
        exc.user_message = f"Instagram refused it: {exc.message}"
        raise
    except graph.NotFoundError as exc:
        details = {"meta_code": exc.code, "meta_subcode": exc.subcode,
                   "fbtrace_id": exc.fbtrace_id}
        if comment is not None:
            raise comment_not_found(details) from None
        raise NotFound(NO_MEDIA, code="media_not_found", details=details) from None
