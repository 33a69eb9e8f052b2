"""graph.facebook.com reads: the Facebook user, `me/accounts`, Pages, IG users, permissions."""
from ..core.context import get_state, runtime
from ..core.fields import FieldSpec
from ..core.hosts import FB_GRAPH
from ..core.nodes import OMIT, NodeRef, NodeType, render, requested_fields
from ..core.paging import page_response
from ..oauth.auth import require_scope
from .instagram import profile_fields

ACCOUNTS_DEFAULT_FIELDS = ("access_token", "category", "category_list", "name", "id", "tasks")
DEAUTHORIZED_SUBCODE = 458


def _me(token):
    state = get_state()
    if token.is_page:
        return state.accounts.pages[token.page_id]
    return state.accounts.fb_users[token.subject_id]


def _can_read_user(user, token):
    return token.is_user and token.subject_id == user.id


def _can_read_page(page, token):
    if token.is_page:
        return token.page_id == page.id
    return page.owner_id == token.subject_id


def _can_read_ig_user(account, token):
    """Readable through a Page linked to it that the token's user manages (or its Page token)."""
    page = get_state().accounts.linked_page(account)
    if page is None or not _can_read_page(page, token):
        return False
    require_scope(token, "instagram_basic")
    return True


def _page_access_token(page, token):
    if token.is_page:
        return token.value
    state = get_state()
    return state.tokens.page_token(page, token, state.now()).value


def _linked_account(page, token):
    if not page.ig_account_id:
        return OMIT
    return NodeRef(get_state().accounts.find(page.ig_account_id))


def _accounts(user, token, sub):
    """`/me/accounts`: the user's Pages (none without pages_show_list), cursor-paged."""
    state = get_state()
    pages = state.accounts.pages_of(user)
    if "pages_show_list" not in state.tokens.grant_of(token).granted:
        pages = []
    page_type = runtime().nodes.get(FB_GRAPH, "page")
    specs = requested_fields() or [FieldSpec(name) for name in ACCOUNTS_DEFAULT_FIELDS]
    return page_response(pages, lambda page: page.id,
                         lambda page: render(page_type, page, specs, token))


def _permissions(user, token, sub):
    statuses = get_state().tokens.grant_of(token).statuses()
    return {"data": [s for s in statuses if sub in (None, s["permission"])]}


def _revoke(user, token, sub):
    """Revoke one permission, or with no name de-authorize the app (its tokens die: 190/458)."""
    state = get_state()
    if sub:
        state.tokens.grant_of(token).revoke(sub)
    else:
        state.tokens.invalidate({user.id}, DEAUTHORIZED_SUBCODE, app_id=token.app_id)
        state.tokens.grants.pop((token.app_id, user.id), None)
    return True


def _user_type():
    def name_part(index):
        return lambda user, token: user.name.split(" ", 1)[index]
    return NodeType(
        kind="fb_user", host=FB_GRAPH, name="User", id_of=lambda user: user.id,
        fields={"id": lambda user, token: user.id, "name": lambda user, token: user.name,
                "first_name": name_part(0), "last_name": name_part(-1)},
        default_fields=("id", "name"), can_read=_can_read_user,
        edges={"accounts": {"GET": _accounts},
               "permissions": {"GET": _permissions, "DELETE": _revoke}})


def _page_type():
    return NodeType(
        kind="page", host=FB_GRAPH, name="Page", id_of=lambda page: page.id,
        fields={
            "id": lambda page, token: page.id, "name": lambda page, token: page.name,
            "category": lambda page, token: page.category,
            "category_list": lambda page, token: [{"id": "2201", "name": page.category}],
            "tasks": lambda page, token: list(page.tasks),
            "access_token": _page_access_token,
            "instagram_business_account": _linked_account,
            "link": lambda page, token: f"https://www.facebook.com/{page.id}",
        },
        default_fields=("id", "name"), can_read=_can_read_page)


def _ig_user_type():
    fields = profile_fields()
    fields.update({
        "id": lambda account, token: account.professional_id,
        "ig_id": lambda account, token: int(account.ig_id),
        "legacy_instagram_user_id": lambda account, token: account.ig_id,
    })
    return NodeType(kind="ig_account", host=FB_GRAPH, name="IGUser",
                    id_of=lambda account: account.professional_id, fields=fields,
                    default_fields=("id", "username"), can_read=_can_read_ig_user,
                    account_of=lambda account: account)


def init_app(app):
    nodes = app.extensions["sandbox"].nodes
    for node_type in (_user_type(), _page_type(), _ig_user_type()):
        nodes.add(node_type)
    nodes.me[FB_GRAPH] = _me
