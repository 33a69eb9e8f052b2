"""Request and response schemas of the publishing endpoints (validation and OpenAPI)."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.services.instagram.comments.schemas import FirstCommentOut
from backend.services.instagram.core.registry import RowId

TOKEN_FIELD = Field(None, description="An upload from POST /uploads (or a multipart file "
                                      "field), instead of a URL.")
FIRST_COMMENT = Field(None, description="Posted once on the media right after it is live "
                                        "(hashtags kept out of the caption); its state is "
                                        "`first_comment` in the post. Not for stories.")


class UserTag(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    x: float | None = Field(None, description="0..1 from the left; images only.")
    y: float | None = Field(None, description="0..1 from the top; images only.")


class CarouselItem(BaseModel):
    # Captions, locations and collaborators on items are reported by the content rules
    # with a precise code, so they are accepted here and refused there.
    model_config = ConfigDict(extra="allow")
    image_url: str | None = None
    video_url: str | None = None
    upload_token: str | None = TOKEN_FIELD
    user_tags: list[UserTag] | None = None
    alt_text: str | None = None


PUBLISH_AT = Field(None, description=(
    "When it goes out: omitted or `now`; an ISO 8601 time with its offset "
    "(2026-12-01T09:30:00+01:00); `next_slot` (the account's next free posting slot); `best` "
    "(the next of its best times)."))
WHEN_LIMITED = Field(None, description=(
    "At the account's publishing limit: `refuse` (429, the default) or `queue` (scheduled for "
    "when the 24-hour window frees)."))


class Timing(BaseModel):
    """When a post goes out, and what to do at the publishing limit."""

    model_config = ConfigDict(extra="forbid")
    publish_at: str | None = PUBLISH_AT
    when_limited: Literal["refuse", "queue"] | None = WHEN_LIMITED


class PostBody(Timing):
    account_id: RowId
    caption: str | None = Field(None, description="At most 2,200 characters, 30 hashtags and "
                                                  "20 @mentions, counting `hashtags`.")
    hashtags: list[str] | None = Field(None, description="Appended to the caption; `#` "
                                                         "optional, duplicates removed.")
    user_tags: list[UserTag] | None = None
    collaborators: list[str] | None = Field(None, description="At most 3 usernames.")
    location_id: str | None = None
    first_comment: str | None = FIRST_COMMENT


class FeedPostRequest(PostBody):
    """A feed image (`image_url` or `upload_token`) or a carousel (`items`, 2-10)."""

    image_url: str | None = None
    upload_token: str | None = TOKEN_FIELD
    alt_text: str | None = Field(None, description="At most 1,000 characters; images only.")
    items: list[CarouselItem] | None = None


class StoryRequest(Timing):
    account_id: RowId
    image_url: str | None = None
    video_url: str | None = None
    upload_token: str | None = TOKEN_FIELD
    user_tags: list[UserTag] | None = None
    caption: str | None = Field(None, description="Not shown on stories (a warning says so).")
    first_comment: str | None = Field(None, description="Refused: stories cannot be "
                                                        "commented on.")


class ReelRequest(PostBody):
    video_url: str | None = None
    upload_token: str | None = TOKEN_FIELD
    cover_url: str | None = None
    thumb_offset: int | None = Field(None, description="Cover frame, in milliseconds.")
    share_to_feed: bool | None = None
    audio_name: str | None = None


class AnyPostFields(BaseModel):
    """Every field of any publish body, all optional (a preview, a draft, a draft's edit)."""

    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = None
    image_url: str | None = None
    video_url: str | None = None
    upload_token: str | None = TOKEN_FIELD
    caption: str | None = None
    hashtags: list[str] | None = None
    user_tags: list[UserTag] | None = None
    collaborators: list[str] | None = None
    location_id: str | None = None
    alt_text: str | None = None
    items: list[CarouselItem] | None = None
    cover_url: str | None = None
    thumb_offset: int | None = None
    share_to_feed: bool | None = None
    audio_name: str | None = None
    first_comment: str | None = FIRST_COMMENT


class PreviewRequest(AnyPostFields):
    """Any publish body plus its `type`; carousels are `feed` with `items`."""

    type: Literal["feed", "story", "reel"]


class Issue(BaseModel):
    field: str
    code: str
    message: str


class MediaFacts(BaseModel):
    field: str
    url: str | None = None
    kind: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    aspect_ratio: float | None = None
    bytes: int | None = None
    duration_s: float | None = None
    will_convert_to_jpeg: bool = False


class PreviewOut(BaseModel):
    valid: bool
    type: Literal["feed", "carousel", "story", "reel"]
    errors: list[Issue]
    warnings: list[Issue]
    caption: str
    counts: dict[str, int]
    feed_caption_preview: str
    media: list[MediaFacts]


PostStatus = Literal["draft", "scheduled", "pending", "container_created", "processing",
                     "publishing", "published", "failed", "expired", "needs_reconcile",
                     "missed"]


class Progress(BaseModel):
    """Where a post is in publishing and, while it waits, why and until when."""

    waiting_for: Literal["media_processing", "throttled", "meta_unavailable",
                         "download_retry", "new_container", "reconciling",
                         "media_not_identified", "scheduled", "spacing",
                         "account_needs_reauth"] | None
    message: str | None = Field(description="Why it waits, in words, with the next check.")
    next_check_at: datetime | None
    processing_started_at: datetime | None = Field(
        description="When the newest container was created at Meta (processing, and its "
                    "deadline, count from it).")
    expected_ready_at: datetime | None = Field(
        description="When the media should be processed (videos), as predicted.")
    ready_at: datetime | None = Field(description="When every container read FINISHED.")
    processing_deadline_at: datetime | None
    publish_started_at: datetime | None = Field(description="First media_publish call.")
    wait_until: datetime | None = Field(
        description="Until when the post may wait for Meta's limits or availability.")
    reconcile_until: datetime | None
    publish_attempts: int
    status_reads: int
    containers_created: int


class PostOut(BaseModel):
    id: int
    account_id: int
    type: Literal["feed", "carousel", "story", "reel"]
    status: PostStatus
    caption: str | None
    media_id: str | None = Field(description="Instagram media id once published.")
    permalink: str | None
    media_product_type: str | None
    error: dict | None = Field(description="`{code, subcode, message, category}` of a "
                                           "failure, in words plus Meta's codes.")
    attempts: int
    graph_calls: int
    container_id: str | None
    items: list[dict]
    publish_at: datetime | None = Field(description="When a scheduled post goes out.")
    schedule_kind: Literal["at", "next_slot", "best", "publishing_limit"] | None = Field(
        description="How publish_at was chosen.")
    when_limited: Literal["refuse", "queue"] | None
    validation: dict | None = Field(
        None, description="A draft's checks at its last save: `{valid, errors, warnings, "
                          "counts}`.")
    progress: Progress
    first_comment: FirstCommentOut | None = Field(
        description="The post's first comment and its state; null when none was asked.")
    status_url: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class PostEnvelope(BaseModel):
    post: PostOut


class PostList(BaseModel):
    posts: list[PostOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page.")


class PostListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = None
    status: PostStatus | None = Field(None, description="Only posts in this status.")
    limit: int = Field(20, ge=1, le=100)
    before: RowId | None = Field(None, description="Post id: list posts older than it.")


class UploadOut(BaseModel):
    upload_token: str
    url: str = Field(description="Public, unguessable URL Meta fetches the file from.")
    media: MediaFacts
