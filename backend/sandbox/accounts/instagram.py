"""graph.instagram.com reads: the Instagram-Login user (`/me`, `/<id>`)."""
from ..core.context import get_state, root_url
from ..core.hosts import IG_GRAPH
from ..core.nodes import NodeType


def avatar_url(account):
    """A profile picture served by the sandbox itself, so nothing leaves the machine."""
    return f"{root_url()}/_sandbox/avatars/{account.username}.png"


def profile_fields():
    """Profile fields an Instagram account has on both Graph hosts."""
    names = ("username", "name", "biography", "website", "followers_count", "follows_count",
             "media_count")
    getters = {name: (lambda obj, token, name=name: getattr(obj, name)) for name in names}
    getters["profile_picture_url"] = lambda obj, token: avatar_url(obj)
    return getters


def _own_account(account, token):
    return account.professional_id == token.subject_id


def init_app(app):
    nodes = app.extensions["sandbox"].nodes
    fields = profile_fields()
    fields.update({
        "id": lambda obj, token: obj.app_scoped_id,
        "user_id": lambda obj, token: obj.professional_id,
        "account_type": lambda obj, token: obj.account_type,
    })
    nodes.add(NodeType(kind="ig_account", host=IG_GRAPH, name="User",
                       id_of=lambda obj: obj.app_scoped_id, fields=fields,
                       default_fields=("id", "username"), can_read=_own_account))
    nodes.me[IG_GRAPH] = lambda token: get_state().accounts.find(token.subject_id)
