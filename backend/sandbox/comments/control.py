"""Control endpoints that play the account's followers: comments, replies, @mentions (each
delivered as a webhook event when the account is subscribed), and the account's comments."""
from flask import jsonify

from ..core.clock import graph_time
from ..core.context import get_state
from ..core.control import ControlError, body_of
from ..core.hosts import SANDBOX_HOST, add_route
from ..media.objects import MediaObject
from ..media.objects import store as media_store
from ..webhooks.delivery import notify
from .graph import add_comment, check_commentable
from .objects import FANS, MAX_MESSAGE, store

MAX_COUNT = 5000
FAN_PERSONA = "personal"


class UnknownAccount(Exception):
    """A control request naming an account the sandbox does not have (answered 404)."""


def _account(username):
    account = get_state().accounts.by_username.get(username)
    if account is None:
        raise UnknownAccount(username)
    return account


def _text(body, default):
    text = body.get("text", default)
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE:
        raise ControlError(f"text must be 1 to {MAX_MESSAGE} characters")
    return text


def _commenter(body):
    name = body.get("username", FANS[0])
    if not isinstance(name, str) or not name:
        raise ControlError("username must be a non-empty string")
    return name


def comment_value(comment, media):
    """A `comments` change value, as Meta sends it (contract 7)."""
    author = {"id": comment.from_id, "username": comment.username,
              "self_ig_scoped_id": comment.from_id}
    value = {"id": comment.id, "from": author, "text": comment.text,
             "media": {"id": media.id, "media_product_type": media.product}}
    if comment.parent_id:
        value["parent_id"] = comment.parent_id
    return value


def describe(comment):
    return {"id": comment.id, "media_id": comment.media_id, "username": comment.username,
            "text": comment.text, "timestamp": graph_time(comment.timestamp),
            "parent_id": comment.parent_id, "hidden": comment.hidden,
            "deleted": comment.deleted, "by_owner": comment.by_owner}


def follower_comments(username):
    """`{"media_id"?, "text"?, "username"?, "parent_id"?, "count"?, "delivery"?}`: followers
    comment on the account's media (its newest post by default); `count` makes a burst."""
    account, body = _account(username), body_of()
    media = _media_of(account, body.get("media_id"))
    check_commentable(media)
    parent = None
    if body.get("parent_id") is not None:
        parent = store().find(str(body["parent_id"]))
        if parent is None or parent.media_id != media.id:
            raise ControlError("parent_id must be a comment of this media")
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ControlError(f"count must be an integer from 1 to {MAX_COUNT}")
    text, commenter = _text(body, "Love this!"), _commenter(body)
    created = [add_comment(media, commenter, text if count == 1 else f"{text} ({n})", parent)
               for n in range(1, count + 1)]
    sent = notify(account, "comments", [comment_value(c, media) for c in created],
                  body.get("delivery"))
    return jsonify({"data": [describe(c) for c in created], "delivery": sent}), 201


def _media_of(account, media_id):
    if media_id is None:
        posts = media_store().posts(account)
        if not posts:
            raise ControlError("the account has no post to comment on")
        return posts[0]
    media = media_store().find(str(media_id))
    if media is None or media.account_id != account.professional_id:
        raise ControlError("media_id must be a media of this account")
    return media


def mention(username):
    """`{"in": "caption"|"comment", "username"?, "text"?, "delivery"?}`: a follower @mentions
    the account in the caption of a new post of theirs, or in a comment on one."""
    account, body = _account(username), body_of()
    where = body.get("in", "caption")
    if where not in ("caption", "comment"):
        raise ControlError('in must be "caption" or "comment"')
    state = get_state()
    fan = state.accounts.pick(FAN_PERSONA, _commenter(body))
    if fan.professional_id == account.professional_id:
        raise ControlError("an account does not mention itself here; pick another username")
    text = f"{_text(body, 'Look at this')} @{account.username}"
    mentions = store().mentions
    if where == "caption":
        media = media_store().add(MediaObject(
            id=media_store().new_id(), account_id=fan.professional_id, media_type="IMAGE",
            product="FEED", timestamp=int(state.now()), caption=text,
            audience=fan.followers_count))
        mentions.add((account.professional_id, media.id, None))
        value, made = {"media_id": media.id}, {"media_id": media.id, "caption": text}
    else:
        media = _media_of(fan, None)
        comment = add_comment(media, fan.username, text)
        mentions.add((account.professional_id, media.id, comment.id))
        value, made = {"comment_id": comment.id, "media_id": media.id}, describe(comment)
    sent = notify(account, "mentions", [value], body.get("delivery"))
    return jsonify({"data": made, "by": fan.username, "delivery": sent}), 201


def account_comments(username):
    """Every comment on the account's media, deleted ones included, newest first."""
    account = _account(username)
    media_ids = {m.id for m in media_store().all_of(account)}
    comments = store()
    for media in media_store().all_of(account):
        comments.of_media(media)  # seeds them
    items = [c for c in comments.by_id.values() if c.media_id in media_ids]
    items.sort(key=lambda c: (c.timestamp, c.id), reverse=True)
    return {"data": [describe(c) for c in items]}


def unknown_account(exc):
    return jsonify({"error": {"message": f"no account named {exc.args[0]}"}}), 404


def init_app(app):
    routes = (("/_sandbox/accounts/<username>/comments", follower_comments, ("POST",)),
              ("/_sandbox/accounts/<username>/comments", account_comments, ("GET",)),
              ("/_sandbox/accounts/<username>/mentions", mention, ("POST",)))
    for rule, view, methods in routes:
        add_route(app, (SANDBOX_HOST,), rule, view, methods)
    app.register_error_handler(UnknownAccount, unknown_account)
