"""Request and response schemas of drafts, schedules, the calendar and best times."""
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from backend.services.instagram.core.registry import RowId
from backend.services.instagram.publishing.calendar import STATES
from backend.services.instagram.publishing.schemas import (PUBLISH_AT, WHEN_LIMITED,
                                                           AnyPostFields, PostOut,
                                                           PreviewRequest)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MAX_SLOTS = 24 * 7  # in a week


class DraftRequest(PreviewRequest):
    """A post saved without publishing: any publish body plus its `type`."""

    account_id: RowId


class DraftPatch(AnyPostFields):
    """Fields to change in a draft; `null` removes a field."""

    type: Literal["feed", "story", "reel"] | None = None


class DraftEnvelope(BaseModel):
    draft: PostOut


class DraftList(BaseModel):
    drafts: list[PostOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page.")


class DraftListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = None
    limit: int = Field(20, ge=1, le=100)
    before: RowId | None = Field(None, description="Draft id: list drafts older than it.")


class PublishDraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publish_at: str | None = PUBLISH_AT
    when_limited: Literal["refuse", "queue"] | None = WHEN_LIMITED


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publish_at: str = Field(description="An ISO 8601 time with its offset, `next_slot` or "
                                        "`best`.")
    when_limited: Literal["refuse", "queue"] | None = WHEN_LIMITED


class PostingScheduleRequest(BaseModel):
    """The account's queue: its time zone, slots per weekday (local HH:MM) and spacing."""

    model_config = ConfigDict(extra="forbid")
    timezone: str | None = Field(None, description="IANA name, e.g. Europe/Paris.")
    slots: dict[Weekday, Annotated[list[Annotated[str, Field(max_length=16)]],
                                   Field(max_length=MAX_SLOTS)]] | None = Field(
        None, description="e.g. {\"mon\": [\"09:00\", \"18:30\"]}; weekdays left out have none.")
    min_spacing_minutes: int | None = Field(None, ge=0, le=1440)

    @field_validator("slots")
    @classmethod
    def _not_too_many(cls, value):
        if value and sum(len(v) for v in value.values()) > MAX_SLOTS:
            raise ValueError("at most 24 slots a day")
        return value


class PostingScheduleOut(BaseModel):
    account_id: int
    timezone: str
    slots: dict[Weekday, list[str]]
    min_spacing_minutes: int
    custom: bool = Field(description="False while the account uses the platform's default "
                                     "slots (INSTAGRAM_DEFAULT_POSTING_SLOTS).")


class BestTimesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(5, ge=1, le=20)


class BestTime(BaseModel):
    weekday: Weekday
    time: str = Field(description="Local HH:MM in the account's time zone.")
    next_at: datetime
    score: float | None = Field(description="0..1 relative to the best; null for fallbacks.")
    why: str


class BestTimesOut(BaseModel):
    account_id: int
    timezone: str
    source: Literal["insights", "fallback"]
    data: dict = Field(description="What was used: `{online_followers_days, "
                                   "posts_with_insights, since}`.")
    times: list[BestTime]
    fallback_reason: str | None


class CalendarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: AwareDatetime = Field(alias="from", description="ISO 8601 with its offset.")
    end: AwareDatetime = Field(alias="to", description="ISO 8601 with its offset.")
    account_id: RowId | None = None
    state: str | None = Field(None, description="Comma-separated: " + ", ".join(STATES) + ".")

    @field_validator("start", "end")
    @classmethod
    def _sensible_years(cls, value):
        # Checked on the local year: year 1 or 9999 with an offset cannot even be in UTC.
        if not 1970 <= value.year <= 2200:
            raise ValueError("must be between the years 1970 and 2200")
        return value

    @field_validator("state")
    @classmethod
    def _known_states(cls, value):
        if value is None:
            return value
        names = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [n for n in names if n not in STATES]
        if unknown:
            raise ValueError(f"unknown state {unknown[0]!r}; use {', '.join(STATES)}")
        return ",".join(names)


class CalendarEntry(BaseModel):
    at: datetime
    state: Literal["draft", "scheduled", "publishing", "published", "failed", "missed"]
    post: PostOut


class CalendarOut(BaseModel):
    range: dict[Literal["from", "to"], datetime]
    entries: list[CalendarEntry]
