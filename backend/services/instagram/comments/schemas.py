"""Request and response schemas of comments, the inbox, mentions and first comments."""
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, model_validator

from backend.services.instagram.core.registry import RowId
from backend.services.instagram.media.schemas import MediaListQuery, MediaPaging, MediaQuery
from backend.services.instagram.preflight.rules import check_comment

INBOX_CURSOR = r"^[A-Za-z0-9_\-=]{1,200}$"
MAX_IDS = 500
# Instagram ids are digits (graph/wire.GRAPH_ID); anything else names no comment.
InstagramId = Annotated[str, Field(pattern=r"^[0-9]{1,32}$")]


def _comment_text(value):
    problems = check_comment(value)
    if problems:
        raise ValueError(problems[0].message)
    return value


CommentText = Annotated[str, AfterValidator(_comment_text), Field(
    description="At most 2,200 characters, 30 hashtags and 20 @mentions.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountQuery(MediaQuery):
    """The connected account acting on the comment."""


class CommentListQuery(MediaListQuery):
    """A page of comments: the account, `limit` (1-100) and one cursor."""


class MessageBody(Strict):
    account_id: RowId
    message: CommentText


class CommentPatch(Strict):
    """Change a comment's state: `hidden` at Instagram, `read` in your inbox."""

    account_id: RowId
    hidden: StrictBool | None = Field(None, description="true hides the comment on Instagram "
                                                        "(only you and its author see it).")
    read: StrictBool | None = Field(None, description="Marks it read or unread in your inbox.")

    @model_validator(mode="after")
    def _something(self):
        if self.hidden is None and self.read is None:
            raise ValueError("send hidden, read, or both")
        return self


class Author(BaseModel):
    id: str | None = Field(description="The commenter's Instagram-scoped id.")
    username: str | None


class CommentOut(BaseModel):
    id: str = Field(description="Instagram comment id.")
    text: str | None
    timestamp: datetime | None = Field(description="UTC, ISO 8601.")
    username: str | None
    from_: Author | None = Field(alias="from", description="Who wrote it (Meta's `from`).")
    like_count: int | None
    hidden: bool | None = Field(description="Hidden comments are seen only by you and their "
                                            "author.")
    parent_id: str | None = Field(description="Replies: the comment they answer.")
    media_id: str | None
    replies: list["CommentOut"] | None = Field(
        description="The first replies of a top-level comment; GET "
                    "/comments/<id>/replies pages through all of them. Null on replies.")

    # `from` is a Python keyword: the field is from_, named `from` in JSON both ways.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True)


class CommentPage(BaseModel):
    data: list[CommentOut]
    paging: MediaPaging


class CommentEnvelope(BaseModel):
    comment: CommentOut


class CommentState(BaseModel):
    comment_id: str
    account_id: int
    hidden: bool | None = Field(description="As set at Instagram (null: not known here).")
    read: bool | None = Field(description="Null when the comment is not in your inbox.")


class Deleted(BaseModel):
    deleted: bool
    comment_id: str
    account_id: int


class InboxQuery(Strict):
    account_id: RowId | None = Field(None, description="Only this account's comments.")
    media_id: InstagramId | None = Field(None, description="Only comments on this media.")
    status: Literal["unread", "read", "all"] = "all"
    include_own: bool = Field(False, description="Also the account's own comments (its "
                                                 "replies, its first comments).")
    limit: int = Field(25, ge=1, le=100)
    before: str | None = Field(None, pattern=INBOX_CURSOR,
                               description="`next_before` of the previous page.")


class InboxComment(BaseModel):
    id: int = Field(description="The inbox entry's id on this platform.")
    account_id: int
    comment_id: str
    media_id: str | None
    media_product_type: str | None
    parent_id: str | None
    text: str | None
    username: str | None
    from_id: str | None
    timestamp: datetime
    hidden: bool
    like_count: int | None
    own: bool
    source: Literal["webhook", "poll", "platform"]
    read: bool
    received_at: datetime


class InboxPage(BaseModel):
    comments: list[InboxComment]
    unread: int = Field(description="Unread comments matching account_id and media_id.")
    next_before: str | None = Field(description="Pass as `before` for the next (older) page.")


class MarkRead(Strict):
    """Mark inbox entries read (or unread): the ones named, or all matching the filters."""

    comment_ids: list[InstagramId] | None = Field(None, max_length=MAX_IDS)
    all: StrictBool = False
    account_id: RowId | None = None
    media_id: InstagramId | None = None
    read: StrictBool = True

    @model_validator(mode="after")
    def _which(self):
        if bool(self.comment_ids) == self.all:
            raise ValueError("send comment_ids, or all: true (with account_id or media_id to "
                             "narrow it), not both")
        return self


class Marked(BaseModel):
    marked: int


class MentionQuery(Strict):
    account_id: RowId | None = None
    status: Literal["unread", "read", "all"] = "all"
    limit: int = Field(25, ge=1, le=100)
    before: RowId | None = Field(None, description="`next_before` of the previous page.")


class MentionOut(BaseModel):
    id: int
    account_id: int
    media_id: str
    comment_id: str | None = Field(description="Set when the mention is in a comment; null "
                                               "for a caption.")
    text: str | None = Field(description="The caption or comment (Facebook Login only).")
    username: str | None
    permalink: str | None
    media_type: str | None
    timestamp: datetime
    can_reply: bool
    replied_comment_id: str | None
    details_error: dict | None
    read: bool


class MentionPage(BaseModel):
    mentions: list[MentionOut]
    unread: int
    next_before: int | None


class MentionReply(Strict):
    message: CommentText


class MentionMarkRead(Strict):
    mention_ids: list[RowId] | None = Field(None, max_length=MAX_IDS)
    all: StrictBool = False
    account_id: RowId | None = None
    read: StrictBool = True

    @model_validator(mode="after")
    def _which(self):
        if bool(self.mention_ids) == self.all:
            raise ValueError("send mention_ids, or all: true, not both")
        return self


class FirstCommentOut(BaseModel):
    """A post's first comment: posted once on its media right after it is live."""

    message: str
    status: Literal["waiting", "posting", "posted", "failed", "skipped"] = Field(
        description="waiting: for the post to be live or for the next try; posting: sent, "
                    "outcome being checked; skipped: the post was not published.")
    comment_id: str | None
    attempts: int
    next_attempt_at: datetime | None
    posted_at: datetime | None
    error: dict | None = Field(description="`{code, subcode, message}` of the last failure.")
