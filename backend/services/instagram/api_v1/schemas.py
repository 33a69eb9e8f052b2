"""Request and response schemas of the Sprint 2 API (most are the integration's own)."""
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from backend.services.instagram.accounts.schemas import AccountOut, StatusOut
from backend.services.instagram.core.registry import RowId
from backend.services.instagram.graph.captions import hashtag_list
from backend.services.instagram.preflight import rules
from backend.services.instagram.publishing.schemas import (SLACK, AltText, Caption, Name,
                                                           PreviewRequest, Url)

ACCOUNT_ID = Field(None, description="Which of your accounts; may be left out when you have "
                                     "one (with several, 422 lists them).")


def _tag_list(value):
    """Hashtags as a form sends them: "food, #autumn" or "food autumn" as well as a list;
    each of several `hashtags` parts of a form is read the same way, and all are taken."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [tag for item in value
                for tag in (hashtag_list(item) if isinstance(item, str) else [item])]
    return value


# The same types and maximums as the integration's own publish bodies, so that a body too
# large is refused by the request's validation with the same 422 as POST /posts answers.
Hashtags = Annotated[list[Name] | None, BeforeValidator(_tag_list)]
HASHTAGS_TEXT = "A list, or one text (`food, #autumn`)"


def hashtags_field(description):
    return Field(None, max_length=SLACK * rules.MAX_HASHTAGS, description=description)


class AccountQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = ACCOUNT_ID


class ConnectionStatus(BaseModel):
    connected: bool = Field(description="Whether the account (yours, or the one given) is "
                                        "connected; false when you have none.")
    account: AccountOut | None
    status: StatusOut | None = Field(description="Its token's health and what to do.")


class PhotoRequest(BaseModel):
    """A feed photo: an `image` (or `file`) part of a multipart body, or `image_url`."""

    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = ACCOUNT_ID
    image_url: Url | None = Field(None, description="Instead of an uploaded image.")
    caption: Caption | None = Field(None, description="At most 2,200 characters, 30 hashtags "
                                                      "and 20 @mentions, counting `hashtags`.")
    hashtags: Hashtags = hashtags_field(f"{HASHTAGS_TEXT}; appended to the caption.")
    alt_text: AltText | None = None


class PreviewV1Request(PreviewRequest):
    """A preview body (`type` defaults to a feed post; the account to your only one)."""

    type: Literal["feed", "story", "reel"] = "feed"
    hashtags: Hashtags = hashtags_field(f"{HASHTAGS_TEXT}.")
