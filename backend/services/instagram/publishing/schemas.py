"""Request and response schemas of the publishing endpoints (validation and OpenAPI)."""
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.services.instagram.comments.schemas import FirstCommentOut
from backend.services.instagram.core.registry import RowId
from backend.services.instagram.preflight import rules

# Sane maximums: ten times what Instagram takes. Within them the content rules report what
# is over Instagram's limits (a draft is saved with them, to be shortened); past them a body
# is a 422, so that no draft stores or echoes megabytes of caption or a million hashtags.
SLACK = 10
Url = Annotated[str, Field(max_length=4096)]
Name = Annotated[str, Field(max_length=100)]  # usernames, hashtags, ids, tokens
Caption = Annotated[str, Field(max_length=SLACK * rules.MAX_CAPTION_CHARS)]
AltText = Annotated[str, Field(max_length=SLACK * rules.MAX_ALT_TEXT_CHARS)]
MAX_ITEM_FIELDS = 20

TOKEN_FIELD = Field(None, description="An upload from POST /uploads (or a multipart file "
                                      "field), instead of a URL.")
FIRST_COMMENT = Field(None, description="Posted once on the media right after it is live "
                                        "(hashtags kept out of the caption); its state is "
                                        "`first_comment` in the post. Not for stories.")
HASHTAGS = Field(None, max_length=SLACK * rules.MAX_HASHTAGS,
                 description="Appended to the caption; `#` optional, duplicates removed.")
COLLABORATORS = Field(None, max_length=SLACK * rules.MAX_COLLABORATORS,
                      description="At most 3 usernames.")
ITEMS = Field(None, max_length=SLACK * rules.CAROUSEL_MAX_ITEMS,
              description="A carousel's 2 to 10 items.")


class UserTag(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Name
    # NaN and infinities (also as strings, which pydantic reads as floats) no JSON column
    # stores and Meta does not take.
    x: float | None = Field(None, allow_inf_nan=False,
                            description="0..1 from the left; images only.")
    y: float | None = Field(None, allow_inf_nan=False,
                            description="0..1 from the top; images only.")


UserTags = Annotated[list[UserTag], Field(max_length=SLACK * rules.MAX_USER_TAGS)]


class CarouselItem(BaseModel):
    # Captions, locations and collaborators on items are reported by the content rules
    # with a precise code, so they are accepted here and refused there.
    model_config = ConfigDict(extra="allow")
    image_url: Url | None = None
    video_url: Url | None = None
    upload_token: Name | None = TOKEN_FIELD
    user_tags: UserTags | None = None
    alt_text: AltText | None = None

    @model_validator(mode="before")
    @classmethod
    def _few_fields(cls, value):
        # Each unknown field is reported by the content rules: a bounded number of them.
        if isinstance(value, dict) and len(value) > MAX_ITEM_FIELDS:
            raise ValueError(f"a carousel item has at most {MAX_ITEM_FIELDS} fields")
        return value


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
    caption: Caption | None = Field(None, description="At most 2,200 characters, 30 hashtags "
                                                      "and 20 @mentions, counting `hashtags`.")
    hashtags: list[Name] | None = HASHTAGS
    user_tags: UserTags | None = None
    collaborators: list[Name] | None = COLLABORATORS
    location_id: Name | None = None
    first_comment: Caption | None = FIRST_COMMENT


class FeedPostRequest(PostBody):
    """A feed image (`image_url` or `upload_token`) or a carousel (`items`, 2-10)."""

    image_url: Url | None = None
    upload_token: Name | None = TOKEN_FIELD
    alt_text: AltText | None = Field(None, description="At most 1,000 characters; images "
                                                       "only.")
    items: list[CarouselItem] | None = ITEMS


class StoryRequest(Timing):
    account_id: RowId
    image_url: Url | None = None
    video_url: Url | None = None
    upload_token: Name | None = TOKEN_FIELD
    user_tags: UserTags | None = None
    caption: Caption | None = Field(None, description="Not shown on stories (a warning says "
                                                      "so).")
    first_comment: Caption | None = Field(None, description="Refused: stories cannot be "
                                                            "commented on.")


class ReelRequest(PostBody):
    video_url: Url | None = None
    upload_token: Name | None = TOKEN_FIELD
    cover_url: Url | None = None
    thumb_offset: int | None = Field(None, description="Cover frame, in milliseconds.")
    share_to_feed: bool | None = None
    audio_name: Name | None = None


class AnyPostFields(BaseModel):
    """Every field of any publish body, all optional (a preview, a draft, a draft's edit)."""

    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = None
    image_url: Url | None = None
    video_url: Url | None = None
    upload_token: Name | None = TOKEN_FIELD
    caption: Caption | None = None
    hashtags: list[Name] | None = HASHTAGS
    user_tags: UserTags | None = None
    collaborators: list[Name] | None = COLLABORATORS
    location_id: Name | None = None
    alt_text: AltText | None = None
    items: list[CarouselItem] | None = ITEMS
    cover_url: Url | None = None
    thumb_offset: int | None = None
    share_to_feed: bool | None = None
    audio_name: Name | None = None
    first_comment: Caption | None = FIRST_COMMENT


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
