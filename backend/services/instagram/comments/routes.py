"""Thin views of comments: a media's comments, replies, moderation, the inbox and mentions."""
from flask import url_for

from backend.auth import current_user_id
from backend.services.instagram.accounts import connected
from backend.services.instagram.comments import inbox, mentions, moderation, reading
from backend.services.instagram.comments import schemas as s
from backend.services.instagram.core.blueprint import api, dump, instagram_bp

META_ERRORS = (403, 404, 409, 429, 502, 503)
PAGING_DOC = ("Newest first, one page per request: follow `paging.next` (a URL of this "
              "platform, present only when more follow) or pass `paging.after` as `after`.")
NOT_FOUND_DOC = (" Another account's comment (or media) answers 404 like one that does not "
                 "exist. Needs the comments permission (403 `instagram_permission_missing`).")


def _link(endpoint, query, **ids):
    def link(**cursor):
        return url_for(endpoint, **ids, account_id=query.account_id, limit=query.limit,
                       **cursor, _external=True)
    return link


def _account(account_id):
    return connected.get_owned(current_user_id(), account_id)


def _page(read, query, endpoint, **target):
    """One page of a listing read live from Meta (a media's comments, a comment's replies)."""
    value, = target.values()
    return dump(s.CommentPage, read(_account(query.account_id), value, query.limit,
                                    query.after, query.before, _link(endpoint, query, **target)))


@api.route(instagram_bp, "/media/<media_id>/comments", "GET",
           "A media's comments, with their first replies", query=s.CommentListQuery,
           response=s.CommentPage, errors=META_ERRORS, description=PAGING_DOC + NOT_FOUND_DOC)
def list_media_comments(media_id, query):
    return _page(reading.list_comments, query, "instagram.list_media_comments",
                 media_id=media_id)


@api.route(instagram_bp, "/media/<media_id>/comments", "POST", "Comment on a media",
           body=s.MessageBody, response=s.CommentEnvelope, status=201, errors=META_ERRORS,
           description="A top-level comment of the account on one of its media." +
           NOT_FOUND_DOC)
def comment_on_media(media_id, body):
    comment = moderation.comment_on_media(_account(body.account_id), media_id, body.message)
    return dump(s.CommentEnvelope, {"comment": comment}, 201)


@api.route(instagram_bp, "/comments/<comment_id>/replies", "GET", "A comment's replies",
           query=s.CommentListQuery, response=s.CommentPage, errors=META_ERRORS,
           description=PAGING_DOC + NOT_FOUND_DOC)
def list_comment_replies(comment_id, query):
    return _page(reading.list_replies, query, "instagram.list_comment_replies",
                 comment_id=comment_id)


@api.route(instagram_bp, "/comments/<comment_id>/replies", "POST", "Reply to a comment",
           body=s.MessageBody, response=s.CommentEnvelope, status=201, errors=META_ERRORS,
           description="Instagram adds a reply to a reply to its top-level comment, and "
                       "refuses replies to hidden comments (422). The comment replied to "
                       "is marked read in the inbox." + NOT_FOUND_DOC)
def reply_to_comment(comment_id, body):
    comment = moderation.reply(_account(body.account_id), comment_id, body.message)
    return dump(s.CommentEnvelope, {"comment": comment}, 201)


@api.route(instagram_bp, "/comments/<comment_id>", "PATCH", "Hide, unhide, mark read",
           body=s.CommentPatch, response=s.CommentState, errors=META_ERRORS,
           description="`hidden` is set at Instagram; `read` only in your inbox." +
           NOT_FOUND_DOC)
def change_comment(comment_id, body):
    return dump(s.CommentState, moderation.change(_account(body.account_id), comment_id,
                                                  hidden=body.hidden, read=body.read))


@api.route(instagram_bp, "/comments/<comment_id>", "DELETE", "Delete a comment",
           query=s.AccountQuery, response=s.Deleted, errors=META_ERRORS,
           description="Deletes it at Instagram, replies included." + NOT_FOUND_DOC)
def delete_comment(comment_id, query):
    return dump(s.Deleted, moderation.delete(_account(query.account_id), comment_id))


@api.route(instagram_bp, "/comments", "GET", "The inbox: comments on all your accounts",
           query=s.InboxQuery, response=s.InboxPage, errors=(404,),
           description="Newest first; filled by webhooks, or by the budgeted poll for "
                       "accounts without them. No Graph call.")
def list_inbox(query):
    return dump(s.InboxPage, inbox.list_inbox(current_user_id(), query))


@api.route(instagram_bp, "/comments/read", "POST", "Mark inbox comments read or unread",
           body=s.MarkRead, response=s.Marked, errors=(404,))
def mark_comments_read(body):
    return dump(s.Marked, inbox.mark(current_user_id(), body))


@api.route(instagram_bp, "/mentions", "GET", "@mentions of your accounts",
           query=s.MentionQuery, response=s.MentionPage, errors=(404,),
           description="Captions and comments of other accounts that @mention yours, as "
                       "webhooks delivered them, newest first. No Graph call.")
def list_mentions(query):
    return dump(s.MentionPage, mentions.list_mentions(current_user_id(), query))


@api.route(instagram_bp, "/mentions/<int:mention_id>/replies", "POST", "Reply to a mention",
           body=s.MentionReply, response=s.MentionOut, status=201, errors=META_ERRORS,
           description="Comments on the media (or replies to the comment) that mentioned "
                       "the account. Facebook Login only (Meta's rule): Instagram Login "
                       "accounts get 409 `mention_reply_not_supported`.")
def reply_to_mention(mention_id, body):
    return dump(s.MentionOut, mentions.reply(current_user_id(), mention_id, body.message),
                201)


@api.route(instagram_bp, "/mentions/read", "POST", "Mark mentions read or unread",
           body=s.MentionMarkRead, response=s.Marked, errors=(404,))
def mark_mentions_read(body):
    return dump(s.Marked, mentions.mark(current_user_id(), body))
