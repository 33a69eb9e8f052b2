"""Request and response schemas of the media listing endpoints (validation and OpenAPI)."""
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.services.instagram.core.registry import RowId

# Meta's cursors are opaque base64-like strings; anything else is refused before a Graph call.
CURSOR_PATTERN = r"^[A-Za-z0-9_\-=.~+/]+$"
CURSOR_MAX = 1024


def _cursor(description):
    return Field(None, min_length=1, max_length=CURSOR_MAX, pattern=CURSOR_PATTERN,
                 description=description)


class MediaQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: RowId = Field(description="The connected account's id (from GET /accounts).")


class MediaListQuery(MediaQuery):
    limit: int = Field(25, ge=1, le=100, description="Items per page, 1 to 100.")
    after: str | None = _cursor("Cursor from `paging.after`: the next (older) page.")
    before: str | None = _cursor("Cursor from `paging.before`: the previous (newer) page.")

    @model_validator(mode="after")
    def _one_cursor(self):
        if self.after is not None and self.before is not None:
            raise ValueError("after and before are mutually exclusive; send one cursor")
        return self


class MediaChild(BaseModel):
    """An item of a carousel (album)."""

    id: str
    media_type: str | None
    media_url: str | None
    thumbnail_url: str | None
    permalink: str | None
    timestamp: datetime | None = Field(description="UTC, ISO 8601.")


class MediaOut(BaseModel):
    id: str = Field(description="Instagram media id.")
    media_type: str | None = Field(description="IMAGE, VIDEO or CAROUSEL_ALBUM.")
    media_product_type: str | None = Field(description="FEED, REELS or STORY.")
    caption: str | None
    permalink: str | None
    media_url: str | None = Field(description="Null when Meta withholds it (e.g. copyrighted "
                                              "music).")
    thumbnail_url: str | None = Field(description="Videos only.")
    timestamp: datetime | None = Field(description="UTC, ISO 8601.")
    like_count: int | None = Field(description="Null when hidden by the owner.")
    comments_count: int | None
    children: list[MediaChild] | None = Field(description="Carousel items; null otherwise.")
    post_id: int | None = Field(description="This platform's post id when the media was "
                                            "published through the platform by you.")


class MediaPaging(BaseModel):
    after: str | None = Field(description="Cursor of the last item of this page.")
    before: str | None = Field(description="Cursor of the first item of this page.")
    next: str | None = Field(description="URL of the next (older) page on this platform; "
                                         "null on the last page.")
    previous: str | None = Field(description="URL of the previous (newer) page; null on the "
                                             "first page.")


class MediaPage(BaseModel):
    data: list[MediaOut]
    paging: MediaPaging
