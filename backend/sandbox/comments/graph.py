"""The Graph surface of comments (contract 8): the IGComment node, media `comments`, `replies`,
hide, delete, `comment_enabled`, and @mentions (Facebook Login)."""
from ..core.clock import graph_time
from ..core.context import get_state, request_params
from ..core.errors import GraphError, invalid_parameter, missing_parameter, object_not_found
from ..core.hosts import FB_GRAPH, GRAPH_HOSTS
from ..core.nodes import OMIT, NodeList, NodeRef, NodeType, node_page, requested_fields
from ..media.objects import MediaObject
from ..media.objects import store as media_store
from ..oauth.auth import require_capability
from ..publishing.containers import can_access_account
from .objects import MAX_MESSAGE, STORE, Comment, CommentAuthor, CommentStore, store

DEFAULT_FIELDS = ("timestamp", "text", "id")
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _owner(comment):
    media = media_store().find(comment.media_id)
    return get_state().accounts.find(media.account_id) if media is not None else None


def _can_moderate(host, comment, token):
    """A comment is the business of the account whose media it is on (and needs the
    comments permission); for anyone else it does not exist."""
    media = media_store().find(comment.media_id)
    if media is None or not can_access_account(host, media.account_id, token):
        return False
    require_capability(token, "comments")
    return True


def comment_type(host):
    fields = {
        "id": lambda c, t: c.id,
        "text": lambda c, t: c.text,
        "timestamp": lambda c, t: graph_time(c.timestamp),
        "username": lambda c, t: c.username,
        "like_count": lambda c, t: c.like_count,
        "hidden": lambda c, t: c.hidden,
        "from": lambda c, t: NodeRef(CommentAuthor(c)),
        "parent_id": lambda c, t: c.parent_id or OMIT,
        "media": lambda c, t: NodeRef(media_store().find(c.media_id)),
        "replies": lambda c, t: OMIT if c.parent_id else NodeList(store().replies_of(c)),
    }
    return NodeType(kind=Comment.kind, host=host, name="IGComment", id_of=lambda c: c.id,
                    fields=fields, default_fields=DEFAULT_FIELDS,
                    can_read=lambda c, token: _can_moderate(host, c, token),
                    account_of=_owner, methods={"POST": _hide, "DELETE": _delete},
                    edges={"replies": {"GET": _list_replies, "POST": _reply}})


def author_type(host):
    return NodeType(kind=CommentAuthor.kind, host=host, name="IGCommentFrom",
                    id_of=lambda a: a.comment.from_id,
                    fields={"id": lambda a, t: a.comment.from_id,
                            "username": lambda a, t: a.comment.username})


def comment_page(items, token):
    """One cursor page of comments rendered with the request's `fields`."""
    return node_page(Comment.kind, items, token)


def _bool_param(name):
    """A boolean parameter as Meta takes it (true/false, 1/0); anything else is code 100."""
    value = request_params().get(name)
    if value is None:
        raise missing_parameter(name)
    value = str(value).strip().lower()
    if value not in BOOLEANS:
        raise invalid_parameter(f"Param {name} must be a boolean")
    return BOOLEANS[value]


def _message():
    message = request_params().get("message")
    if not message or not message.strip():
        raise missing_parameter("message")
    if len(message) > MAX_MESSAGE:
        raise invalid_parameter(f"The comment is too long: at most {MAX_MESSAGE} characters")
    return message


def add_comment(media, username, text, parent=None, by_owner=False):
    """A new comment (or a reply, attached to the top-level comment as Meta does)."""
    if parent is not None and parent.parent_id:
        parent = store().find(parent.parent_id)
    comments = store()
    return comments.add(Comment(id=comments.new_id(), media_id=media.id, username=username,
                                text=text, timestamp=get_state().now(),
                                parent_id=parent.id if parent else None, by_owner=by_owner))


def check_commentable(media):
    if media.is_story or media.parent_id:
        raise invalid_parameter("This media does not support comments")
    if not media.comments_enabled:
        raise invalid_parameter("Comments are turned off for this media")


# --------------------------------------------------------------------------- handlers

def _list_comments(media, token, sub):
    require_capability(token, "comments")
    return comment_page(store().of_media(media), token)


def _create_comment(media, token, sub):
    require_capability(token, "comments")
    check_commentable(media)
    owner = get_state().accounts.find(media.account_id)
    return {"id": add_comment(media, owner.username, _message(), by_owner=True).id}


def _toggle_comments(media, token):
    """`POST /{media-id}?comment_enabled=true|false`."""
    require_capability(token, "comments")
    enabled = _bool_param("comment_enabled")
    if media.is_story or media.parent_id:
        raise invalid_parameter("This media does not support comments")
    media.comments_enabled = enabled
    return {"success": True}


def _list_replies(comment, token, sub):
    return comment_page(store().replies_of(comment), token)


def _reply(comment, token, sub):
    if comment.hidden:
        raise invalid_parameter("You cannot reply to a hidden comment")
    media = media_store().find(comment.media_id)
    check_commentable(media)
    owner = get_state().accounts.find(media.account_id)
    return {"id": add_comment(media, owner.username, _message(), comment, by_owner=True).id}


def _hide(comment, token):
    """`POST /{comment-id}?hide=true|false`: idempotent."""
    comment.hidden = _bool_param("hide")
    return {"success": True}


def _delete(comment, token):
    store().delete(comment)
    return {"success": True}


# --------------------------------------------------------------------------- mentions

def _modifier(name, key):
    """The id in `name.key(<id>)` of the request's `fields` (Meta's field modifiers)."""
    spec = next((s for s in requested_fields() if s.name == name), None)
    value = spec.modifiers.get(key) if spec is not None else None
    if not value:
        raise invalid_parameter(f"{name} needs {name}.{key}(<id>)")
    return value


def _mentioned_media(account, token):
    require_capability(token, "comments")
    media_id = _modifier("mentioned_media", "media_id")
    media = media_store().find(media_id)
    if media is None or (account.professional_id, media_id, None) not in store().mentions:
        raise object_not_found(media_id, "GET")
    return NodeRef(media)


def _mentioned_comment(account, token):
    require_capability(token, "comments")
    comment_id = _modifier("mentioned_comment", "comment_id")
    comment = store().find(comment_id)
    if comment is None or (account.professional_id, comment.media_id,
                           comment.id) not in store().mentions:
        raise object_not_found(comment_id, "GET")
    return NodeRef(comment)


def _reply_to_mention(account, token, sub):
    """`POST /{ig-user-id}/mentions?media_id&comment_id&message` (Facebook Login only)."""
    require_capability(token, "comments")
    params = request_params()
    media_id, comment_id = params.get("media_id"), params.get("comment_id") or None
    if not media_id:
        raise missing_parameter("media_id")
    if (account.professional_id, media_id, comment_id) not in store().mentions:
        raise GraphError(100, "(#100) The account was not mentioned in this media or comment")
    media = media_store().find(media_id)
    check_commentable(media)
    parent = store().find(comment_id) if comment_id else None
    return {"id": add_comment(media, account.username, _message(), parent).id}


def init_app(app):
    runtime_ = app.extensions["sandbox"]
    runtime_.state.add_store(STORE, CommentStore)
    for host in GRAPH_HOSTS:
        nodes = runtime_.nodes
        nodes.add(comment_type(host))
        nodes.add(author_type(host))
        media_type = nodes.get(host, MediaObject.kind)
        media_type.edges["comments"] = {"GET": _list_comments, "POST": _create_comment}
        media_type.methods["POST"] = _toggle_comments
        media_type.fields["comments_count"] = (
            lambda m, t: OMIT if m.parent_id else store().count(m))
    facebook_account = runtime_.nodes.get(FB_GRAPH, "ig_account")
    facebook_account.fields.update({"mentioned_media": _mentioned_media,
                                    "mentioned_comment": _mentioned_comment})
    facebook_account.edges["mentions"] = {"POST": _reply_to_mention}
