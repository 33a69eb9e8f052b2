"""graph.facebook.com/debug_token: what Meta knows about a token, asked with the app token."""
from ..core.context import get_state, request_params
from ..core.errors import GraphError, cannot_parse_token, missing_parameter
from ..core.hosts import FB_GRAPH, add_route
from .auth import APP_TOKEN, authenticate, token_problem

DATA_ACCESS_SECONDS = 90 * 24 * 3600
# Permissions whose grant is scoped to objects, and which objects.
_PAGE_SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_metadata",
                "pages_manage_posts")


def _granular(state, token, scopes):
    user = state.accounts.fb_users[token.subject_id]
    pages = state.accounts.pages_of(user)
    page_ids = [page.id for page in pages]
    ig_ids = [page.ig_account_id for page in pages if page.ig_account_id]
    entries = []
    for scope in scopes:
        targets = page_ids if scope in _PAGE_SCOPES else (
            ig_ids if scope.startswith("instagram_") else None)
        entries.append({"scope": scope, "target_ids": targets} if targets else {"scope": scope})
    return entries


def describe(state, token):
    """The `data` object for an issued Facebook token."""
    settings = state.settings
    scopes = list(state.tokens.grant_of(token).granted)
    data = {
        "app_id": token.app_id, "type": "PAGE" if token.is_page else "USER",
        "application": settings["app_name"],
        "data_access_expires_at": int(token.issued_at + DATA_ACCESS_SECONDS),
        "expires_at": int(token.expires_at) if token.expires_at is not None else 0,
        "is_valid": True, "issued_at": int(token.issued_at), "scopes": scopes,
        "granular_scopes": _granular(state, token, scopes), "user_id": token.subject_id,
    }
    if token.is_page:
        data["profile_id"] = token.page_id
    problem = token_problem(token, state)
    if problem is not None:
        data["is_valid"] = False
        data["error"] = {"code": problem.code, "message": problem.message}
        if problem.subcode:
            data["error"]["subcode"] = problem.subcode
    return data


def debug_token():
    if authenticate(allow_app=True) != APP_TOKEN:
        raise GraphError(100, "(#100) You must provide an app access token, or a user access "
                              "token that is an owner or developer of the app")
    value = request_params().get("input_token")
    if not value:
        raise missing_parameter("input_token")
    state = get_state()
    token = state.tokens.get(value)
    if token is None or token.host != FB_GRAPH:
        error = cannot_parse_token()
        return {"data": {"error": {"code": error.code, "message": error.message},
                         "is_valid": False, "scopes": []}}
    return {"data": describe(state, token)}


def init_app(app):
    add_route(app, (FB_GRAPH,), "/debug_token", debug_token)
