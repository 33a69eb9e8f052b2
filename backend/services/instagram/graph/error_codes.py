"""Meta error bodies to exceptions: the (code, subcode) table and error_from_response."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, NamedTuple

import requests

from .errors import (AuthError, ContainerExpiredError, DuplicatePostError, InstagramAPIError,
                     MediaError, NotFoundError, NotReadyError, PermanentError,
                     PermissionMissingError, PublishLimitError, RateLimitError, SpamBlockError,
                     TransientError, UserFixableError)
from .redaction import redact
from .usage import parse_usage
from .wire import as_int

DEFAULT_RATE_LIMIT_WAIT = 300.0
"""Seconds to wait after a throttle when neither usage headers nor Retry-After say how long."""


class Rule(NamedTuple):
    """How one (code, subcode) is classified, and what the user is told to do."""

    cls: type[InstagramAPIError]
    sentence: str
    reason: str | None = None
    exhausted: type[InstagramAPIError] | None = None  # class once retries are spent


_RECONNECT = "Please reconnect the Instagram account."
_LATER = "Please try again in a few minutes."
_AUTO = "Calls resume automatically once Instagram's limit resets."
_PRODUCT_TAGS = "A product tag is invalid. Check the tagged products and try again."
_NOT_FOUND = "This Instagram item does not exist or the account can no longer access it."

# (code, subcode) -> Rule; subcode None is the rule for any other subcode of that code.
ERROR_TABLE: dict[tuple[int, int | None], Rule] = {
    (1, None): Rule(TransientError, f"Instagram had a temporary problem. {_LATER}"),
    (2, None): Rule(TransientError, f"Instagram is temporarily unavailable. {_LATER}"),
    (-1, None): Rule(TransientError, f"Instagram had a server error. {_LATER}"),
    (-1, 2207001): Rule(TransientError, f"Instagram had a server error. {_LATER}"),
    (-1, 2207032): Rule(ContainerExpiredError,
                        "Instagram could not prepare the post; it has to be prepared again."),
    (-1, 2207053): Rule(ContainerExpiredError, "The video upload failed on Instagram's side; "
                        "upload it again, and check the file if this repeats."),
    (-2, None): Rule(TransientError, f"Instagram had a temporary problem. {_LATER}"),
    (-2, 2207003): Rule(TransientError, "Instagram timed out downloading the media. It will "
                        "retry; if this repeats, host the file somewhere faster."),
    (-2, 2207020): Rule(ContainerExpiredError, "The prepared post expired (after 24 hours) "
                        "before it was published; it has to be prepared again.", "expired"),
    (24, 2207006): Rule(ContainerExpiredError, "Instagram could not find the prepared media; "
                        "it has to be prepared again.", "container_not_found"),
    (24, 2207008): Rule(TransientError, "The prepared post is not available on Instagram yet "
                        "or has expired; it will be retried, then prepared again.",
                        "container_not_found", ContainerExpiredError),
    (4, None): Rule(RateLimitError, f"Too many requests from this app. {_AUTO}", "app_limit"),
    (17, None): Rule(RateLimitError, f"Too many requests for this account. {_AUTO}", "user_limit"),
    (32, None): Rule(RateLimitError, f"Too many requests for the Facebook Page. {_AUTO}",
                     "page_limit"),
    (341, None): Rule(RateLimitError, f"The app reached an Instagram limit. {_AUTO}", "app_limit"),
    (613, None): Rule(RateLimitError, f"Too many requests of this kind. {_AUTO}", "custom_limit"),
    (80001, None): Rule(RateLimitError, f"The Page's API budget is used up. {_AUTO}", "buc_limit"),
    (80002, None): Rule(RateLimitError, f"This account's API budget is used up. {_AUTO}",
                        "buc_limit"),
    (80006, None): Rule(RateLimitError, f"The messaging API budget is used up. {_AUTO}",
                        "buc_limit"),
    (4, 2207051): Rule(SpamBlockError, "Instagram restricted this activity as possible spam. Wait "
                       "a few hours before posting again and avoid many similar posts.", "spam"),
    (368, None): Rule(SpamBlockError, "Instagram temporarily blocked this action for policy "
                      "reasons. Wait before trying again and review its community guidelines.",
                      "policy_block"),
    (190, None): Rule(AuthError, f"Instagram access is no longer valid. {_RECONNECT}",
                      "invalid_token"),
    (190, 458): Rule(AuthError, f"The app was removed from the account's settings. {_RECONNECT}",
                     "app_removed"),
    (190, 459): Rule(AuthError, "Instagram needs you to verify the account: log in to Instagram, "
                     "complete the check, then reconnect.", "checkpointed"),
    (190, 460): Rule(AuthError, f"The account's password changed. {_RECONNECT}",
                     "password_changed"),
    (190, 463): Rule(AuthError, f"The access token expired. {_RECONNECT}", "expired"),
    (190, 464): Rule(AuthError, "The account is not confirmed: confirm it with Meta, then "
                     "reconnect.", "unconfirmed_user"),
    (190, 467): Rule(AuthError, f"The access token is invalid. {_RECONNECT}", "invalid_token"),
    (190, 492): Rule(AuthError, "The session is invalid, often because your role on the Facebook "
                     "Page changed. Check the Page role, then reconnect.", "invalid_session"),
    (190, 493): Rule(AuthError, f"Access lapsed after 90 days of inactivity. {_RECONNECT}",
                     "data_access_expired"),
    (102, None): Rule(AuthError, f"The Instagram session expired. {_RECONNECT}",
                      "session_expired"),
    (10, None): Rule(AuthError, "The app may not do this for the account. Reconnect and grant the "
                     "requested permissions.", "permission_denied"),
    (100, None): Rule(UserFixableError, "Instagram rejected a setting of this request. Check the "
                      "post's settings and try again.", "invalid_parameter"),
    (100, 33): Rule(NotFoundError, _NOT_FOUND, "not_found"),
    (803, None): Rule(NotFoundError, _NOT_FOUND, "not_found"),
    (100, 2207023): Rule(MediaError, "This media type is not supported: post an image, a reel, a "
                         "story or a carousel."),
    (100, 2207028): Rule(MediaError, "A carousel needs between 2 and 10 photos or videos."),
    (100, 2207035): Rule(UserFixableError, _PRODUCT_TAGS),
    (100, 2207036): Rule(UserFixableError, _PRODUCT_TAGS),
    (100, 2207037): Rule(UserFixableError, _PRODUCT_TAGS),
    (100, 2207040): Rule(UserFixableError, "The post tags more than 20 accounts: remove some "
                         "@mentions and try again."),
    (1, 2207057): Rule(UserFixableError, "The cover frame (thumb_offset) is outside the video: "
                       "choose a time within its length."),
    (25, None): Rule(UserFixableError, "This Instagram account is restricted: review the notice "
                     "in the Instagram app, then try again.", "account_restricted"),
    (352, None): Rule(MediaError, "The video format is not supported: use MP4 or MOV with H.264 "
                      "or HEVC video and AAC audio."),
    (9004, None): Rule(MediaError, "Instagram could not download the media: make sure the link is "
                       "public, uses https and points straight to the file."),
    (36000, None): Rule(MediaError, "The image is larger than 8 MB: use a smaller image."),
    (36001, None): Rule(MediaError, "The image format is not supported: use a JPEG image."),
    (36003, None): Rule(MediaError, "The image's aspect ratio is not supported: crop it to "
                        "between 4:5 (portrait) and 1.91:1 (landscape)."),
    (36004, None): Rule(UserFixableError, "The caption is too long: at most 2,200 characters, "
                        "30 hashtags and 20 @mentions."),
    (9007, None): Rule(NotReadyError, "The media is still processing; it will be published once "
                       "it is ready."),
    (9, None): Rule(PublishLimitError, "The account reached Instagram's daily limit of posts "
                    "published through apps. Try again when the 24-hour window rolls on."),
    (506, None): Rule(DuplicatePostError, "Instagram rejected this as a duplicate of a recent "
                      "post: change the content before posting again."),
}
# Subcodes of 5.4 whose rule is their code's general one: lets a bare subcode (from a
# container's `status` text) find its rule.
SUBCODE_CODES = {2207052: 9004, 2207027: 9007, 2207004: 36000, 2207005: 36001,
                 2207009: 36003, 2207010: 36004, 2207026: 352, 2207042: 9, 2207050: 25,
                 2207003: -2, 2207020: -2, 2207001: -1, 2207032: -1, 2207053: -1,
                 2207057: 1, 2207051: 4, 2207006: 24, 2207008: 24, 2207023: 100,
                 2207028: 100, 2207035: 100, 2207036: 100, 2207037: 100, 2207040: 100}
# Subcodes seen only in a container's ERROR status (contract 2.3: fetch, transcode and size
# problems, observed, not documented by Meta).
STATUS_ONLY_RULES = {
    2207076: Rule(MediaError, "Instagram could not fetch the media while processing it: make "
                  "sure the link stays public and reachable, then post it again."),
    2207077: Rule(MediaError, "Instagram could not convert the video: export it as MP4 (H.264 "
                  "video, AAC audio, 23 to 60 fps) and post it again."),
    2207082: Rule(MediaError, "The media is too large for Instagram to process: make it "
                  "smaller (reels at most 300 MB, story videos at most 100 MB)."),
}
_STATUS_SUBCODE = re.compile(r"\b(22\d{5})\b")

# Rules that need the message too: code 10 also means "too few viewers" for story insights.
_MESSAGE_RULES = ((10, "not enough viewers", Rule(
    PermanentError, "Instagram shows insights only for stories with at least 5 viewers.",
    "not_enough_viewers")),)
_PERMISSION_RULE = Rule(PermissionMissingError, "A required permission was not granted: reconnect "
                        "the account and allow every requested permission.", "permission_missing")
_TRANSIENT_RULE = Rule(TransientError, f"Instagram had a temporary problem. {_LATER}")
_PERMANENT_RULE = Rule(PermanentError, "Instagram refused the request.")
_OAUTH_RULE = Rule(AuthError, "Instagram did not accept the authorization; connect the account "
                   "again.", "authorization_failed")


def classify(code: int | None, subcode: int | None, message: str = "",
             is_transient: bool = False) -> Rule:
    """The rule for a Meta error: (code, subcode), then code alone, then ranges and flags."""
    for rule_code, words, rule in _MESSAGE_RULES:
        if code == rule_code and words in message.lower():
            return rule
    rule = ERROR_TABLE.get((code, subcode)) or ERROR_TABLE.get((code, None))
    if rule is not None:
        return rule
    if code is not None and 200 <= code <= 299:
        return _PERMISSION_RULE
    return _TRANSIENT_RULE if is_transient else _PERMANENT_RULE


def classify_status(status_text: str | None) -> tuple[int | None, Rule]:
    """The subcode in a container's ERROR `status` text ("Error: Media upload has failed with
    error code 2207053") and its rule, from the same table as API errors (contract 2.3)."""
    found = _STATUS_SUBCODE.search(status_text or "")
    subcode = int(found.group(1)) if found else None
    if subcode in STATUS_ONLY_RULES:
        return subcode, STATUS_ONLY_RULES[subcode]
    if subcode in SUBCODE_CODES:
        return subcode, classify(SUBCODE_CODES[subcode], subcode)
    return subcode, _PROCESSING_RULE


_PROCESSING_RULE = Rule(MediaError, "Instagram could not process the media: check that it meets "
                        "Instagram's specifications for this kind of post, then post it again.")
_UPLOAD_RULE = Rule(PermanentError, "The video upload was refused; upload it again, and check the "
                    "file and the account's access if this repeats.", "upload_failed")
_SERVER_RULE = Rule(TransientError, f"Instagram is temporarily unavailable. {_LATER}",
                    "server_error")
_HTTP_429_RULE = Rule(RateLimitError, f"Too many requests. {_AUTO}", "http_429")


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return None


def _upload_message(info: dict[str, Any]) -> str:
    """rupload nests a JSON document in `debug_info.message`; surface its inner message."""
    raw = info.get("message") or "Upload failed"
    try:
        inner = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    if isinstance(inner, dict) and isinstance(inner.get("error"), dict):
        return str(inner["error"].get("message") or raw)
    return str(raw)


def meta_error_fields(body: Any) -> dict[str, Any] | None:
    """Normalise any Meta error body to one dict; None when the body carries no error."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    if isinstance(err, dict):
        return {"shape": "graph", "message": err.get("message") or "Graph API error",
                "code": as_int(err.get("code")), "subcode": as_int(err.get("error_subcode")),
                "type": err.get("type"), "is_transient": bool(err.get("is_transient")),
                "user_title": err.get("error_user_title"), "user_msg": err.get("error_user_msg"),
                "fbtrace_id": err.get("fbtrace_id")}
    if "error_type" in body or "error_message" in body:  # api.instagram.com
        return {"shape": "oauth", "message": body.get("error_message") or "OAuth error",
                "code": as_int(body.get("code")), "type": body.get("error_type")}
    info = body.get("debug_info")
    if isinstance(info, dict):  # rupload.facebook.com
        return {"shape": "upload", "message": _upload_message(info), "type": info.get("type"),
                "is_transient": bool(info.get("retriable"))}
    if isinstance(err, str):
        return {"shape": "plain", "message": err}
    return None


def _rule_for(fields: dict[str, Any] | None, status: int) -> Rule:
    shape = fields["shape"] if fields else None
    if shape == "graph":
        return classify(fields["code"], fields["subcode"], fields["message"],
                        fields["is_transient"])
    if shape == "oauth":
        rule = classify(fields["code"], None, fields["message"])
        if rule is _PERMANENT_RULE and fields["type"] == "OAuthException":
            return _OAUTH_RULE
        return rule
    if shape == "upload":
        return _TRANSIENT_RULE if fields["is_transient"] else _UPLOAD_RULE
    # No Meta code to go by: the HTTP status is all there is.
    if status >= 500:
        return _SERVER_RULE
    return _HTTP_429_RULE if status == 429 else _PERMANENT_RULE


def retry_after_from(response: requests.Response) -> float:
    """Seconds to wait after a throttle: usage headers, then Retry-After, then the default."""
    usage = parse_usage(response.headers)
    if usage is not None and usage.retry_after:
        return usage.retry_after
    header = response.headers.get("Retry-After")
    if header and header.strip().isascii() and header.strip().isdigit():
        return float(header)
    return DEFAULT_RATE_LIMIT_WAIT


def error_from_response(response: requests.Response,
                        secrets: Iterable[str | None] = ()) -> InstagramAPIError:
    """The exception for a failed response, whatever its body; every text is redacted."""
    status = response.status_code
    secrets = tuple(secrets)
    fields = meta_error_fields(_json(response))
    rule = _rule_for(fields, status)
    fields = fields or {}
    message = fields.get("message") or (
        f"Unexpected HTTP {status} response without a Graph API error")
    error = rule.cls(
        redact(message, secrets), code=fields.get("code"), subcode=fields.get("subcode"),
        http_status=status,
        fbtrace_id=fields.get("fbtrace_id") or response.headers.get("x-fb-trace-id"),
        user_title=redact(fields.get("user_title"), secrets) or None,
        user_message=redact(fields.get("user_msg") or rule.sentence, secrets),
        retry_after=retry_after_from(response) if rule.cls is RateLimitError else None,
        reason=rule.reason, error_type=fields.get("type"))
    error.escalates_to = rule.exhausted
    return error
