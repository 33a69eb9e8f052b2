"""Pre-flight checks of an Instagram post's content (caption, tags, carousel shape); no network."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from backend.services.instagram.graph.captions import build_caption, clean_hashtags, find_hashtags

MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS = 2200, 30, 20
MAX_USER_TAGS, MAX_COLLABORATORS, MAX_ALT_TEXT_CHARS = 20, 3, 1000
CAROUSEL_MIN_ITEMS, CAROUSEL_MAX_ITEMS = 2, 10
FEED_PREVIEW_CHARS, FEED_PREVIEW_LINES = 125, 2
KINDS = ("feed", "carousel", "story", "reel")

# Usernames are ASCII; no word character, dot or "@" may precede the "@", which rules out emails.
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._]+)")
_USERNAME = re.compile(r"[A-Za-z0-9._]{1,30}")
_NUMERIC = re.compile(r"[0-9]+")
_MEDIA_KEYS = ("image_url", "video_url", "upload_token")
# What no comment can carry: NUL (PostgreSQL's text refuses it) and unpaired UTF-16 surrogates
# (not UTF-8, so neither sent to Meta nor stored).
_UNSENDABLE = re.compile(r"[\x00\ud800-\udfff]")
_MEDIA_KIND = {"image_url": "image", "video_url": "video"}

# Fields each container type accepts (contract 2.1); anything else given is ignored by Meta.
_ACCEPTED = {
    "feed": {"image_url", "upload_token", "caption", "hashtags", "user_tags", "alt_text",
             "location_id", "collaborators"},
    "reel": {"video_url", "upload_token", "caption", "hashtags", "user_tags", "location_id",
             "cover_url", "thumb_offset", "share_to_feed", "collaborators", "audio_name"},
    "story": {"image_url", "video_url", "upload_token", "user_tags"},
    "carousel": {"items", "caption", "hashtags", "location_id", "collaborators", "share_to_feed"},
    "item": {"image_url", "video_url", "upload_token", "user_tags", "alt_text"},
}
_SOURCES = {"feed": ("image_url",), "reel": ("video_url",), "story": ("image_url", "video_url"),
            "item": ("image_url", "video_url")}
_ITEM_FORBIDDEN = {"caption": "item_caption_not_allowed", "hashtags": "item_caption_not_allowed",
                   "location_id": "item_location_not_allowed",
                   "collaborators": "item_collaborators_not_allowed"}


@dataclass(frozen=True)
class Problem:
    """One finding of a pre-flight check; `severity` is "error" (blocks publishing) or "warning"."""

    field: str
    code: str
    message: str
    severity: str = "error"

    def to_dict(self) -> dict:
        return asdict(self)


def has_errors(problems) -> bool:
    return any(p.severity == "error" for p in problems)


def _over(field: str, code: str, count: int, limit: int, what: str) -> list[Problem]:
    if count <= limit:
        return []
    return [Problem(field, code, f"{what} {count}; Instagram allows at most {limit}.")]


def find_mentions(text: str) -> list[str]:
    """@mentions in `text` (without "@"); a trailing dot ends the sentence, not the name."""
    names = (m.group(1).rstrip(".") for m in _MENTION.finditer(text))
    return [name for name in names if name]


def caption_counts(text: str) -> dict:
    """What Instagram's limits count. Characters are Python str length (code points): Meta
    counts characters, not UTF-8 bytes; an emoji built from several code points counts as
    several, which errs on the safe side."""
    return {"characters": len(text), "hashtags": len(find_hashtags(text)),
            "mentions": len(find_mentions(text))}


def normalize_hashtags(hashtags) -> tuple[list[str], list[Problem]]:
    """Hashtags without "#", trimmed, de-duplicated case-insensitively (first spelling wins)."""
    tags, invalid = clean_hashtags(hashtags)
    return tags, [Problem(f"hashtags[{i}]", "hashtag_invalid",
                          f"{raw!r} is not a valid hashtag: use letters, digits and underscores "
                          "only.") for i, raw in invalid]


def feed_caption_preview(text: str) -> str:
    """What the feed shows before "... more": 125 characters or 2 lines, whichever is shorter."""
    by_lines = "\n".join(text.split("\n")[:FEED_PREVIEW_LINES])
    shown = min(by_lines, text[:FEED_PREVIEW_CHARS], key=len)
    if not text[len(shown):].strip():
        return text
    return shown.rstrip() + "... more"


def caption_summary(caption: str | None, hashtags) -> dict:
    """Final caption text, its counts and its feed preview, for the preview endpoint."""
    text = build_caption(caption, hashtags)
    return {"text": text, **caption_counts(text), "feed_preview": feed_caption_preview(text)}


def _given(value) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _wrong_type(value, types, field: str, what: str) -> list[Problem]:
    if isinstance(value, types):
        return []
    name = field.rsplit(".", 1)[-1].split("[")[0]
    return [Problem(field, f"{name}_invalid", f"{field} must be {what}.")]


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _https(url, field: str, allow_loopback_http: bool = False) -> list[Problem]:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts and parts.scheme == "https" and parts.hostname:
        return []
    # Sandbox mode: the bundled sandbox and the platform's own uploads are plain http on
    # loopback; nothing else may be.
    if (allow_loopback_http and parts and parts.scheme == "http"
            and (parts.hostname in LOOPBACK_HOSTS or (parts.hostname or "").startswith("127."))):
        return []
    return [Problem(field, "url_not_https",
                    f"{field} must be a public https URL that Meta can download.")]


def check_caption(caption, hashtags, *, field: str = "caption") -> list[Problem]:
    problems = _wrong_type(caption or "", str, field, "text")
    problems += _wrong_type(hashtags or [], list, "hashtags", "a list of hashtags")
    if problems:
        return problems
    return normalize_hashtags(hashtags)[1] + _limits(
        build_caption(caption, hashtags), field, "caption", " (added hashtags included)")


def _limits(text: str, field: str, noun: str, note: str = "") -> list[Problem]:
    """Instagram's limits on a caption or a comment: characters, hashtags, @mentions."""
    counts = caption_counts(text)
    return (_over(field, f"{noun}_too_long", counts["characters"], MAX_CAPTION_CHARS,
                  f"Characters in the {noun}{note}:")
            + _over(field, "too_many_hashtags", counts["hashtags"], MAX_HASHTAGS,
                    f"Hashtags in the {noun}:")
            + _over(field, "too_many_mentions", counts["mentions"], MAX_MENTIONS,
                    f"@mentions in the {noun}:"))


def check_comment(text, field: str = "message") -> list[Problem]:
    """A comment's text: some text Instagram can receive and the platform can store, within
    the limits of a caption."""
    problems = _wrong_type(text, str, field, "text")
    if not problems and _UNSENDABLE.search(text):
        problems = [Problem(field, "comment_invalid_character", "The comment contains a NUL "
                            "character or an unpaired surrogate, which Instagram cannot take.")]
    if not problems and not text.strip():
        problems = [Problem(field, "comment_empty", "The comment has no text.")]
    return problems or _limits(text, field, "comment")


def check_first_comment(text, kind: str) -> list[Problem]:
    """The comment posted on the media once it is live (hashtags kept out of the caption)."""
    if text is None:
        return []
    if kind == "story":
        return [Problem("first_comment", "first_comment_not_allowed", "Stories cannot be "
                        "commented on: first_comment is for feed posts, carousels and reels.")]
    return check_comment(text, "first_comment")


def check_username(name, field: str) -> list[Problem]:
    if isinstance(name, str) and _USERNAME.fullmatch(name):
        return []
    hint = " Leave out the leading @." if isinstance(name, str) and name.startswith("@") else ""
    return [Problem(field, "username_invalid", f"{name!r} is not an Instagram username: 1 to 30 "
                                               f"letters, digits, periods or underscores.{hint}")]


def check_user_tags(tags, *, media: str | None, field: str = "user_tags",
                    positions_required: bool = True) -> list[Problem]:
    """`media` is "image", "video" or None (an upload whose kind is not known yet). Images need
    x/y in [0, 1]; videos take only the username, so x/y there are a warning."""
    problems = _wrong_type(tags, list, field, "a list of {username, x, y}")
    if problems:
        return problems
    problems += _over(field, "too_many_user_tags", len(tags), MAX_USER_TAGS, "People tagged:")
    for i, tag in enumerate(tags):
        at = f"{field}[{i}]"
        if not isinstance(tag, dict):
            problems.append(Problem(at, "user_tag_invalid", f"{at} must be {{username, x, y}}."))
            continue
        problems += check_username(tag.get("username"), f"{at}.username")
        has_xy = any(_given(tag.get(axis)) for axis in ("x", "y"))
        if media == "video" and has_xy:
            problems.append(Problem(at, "user_tag_position_ignored", "Tags on videos carry only "
                                    "the username; x and y are ignored.", "warning"))
        elif (media == "image" and positions_required) or has_xy:
            problems += _check_position(tag, at)
    return problems


def _check_position(tag: dict, at: str) -> list[Problem]:
    problems = []
    for axis in ("x", "y"):
        value = tag.get(axis)
        if value is None:
            problems.append(Problem(f"{at}.{axis}", "user_tag_position_missing",
                                    f"A tag on an image needs {axis} (0 to 1 from the top left)."))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0.0 <= value <= 1.0:
            problems.append(Problem(f"{at}.{axis}", "user_tag_position_invalid",
                                    f"{axis} must be a number from 0 to 1, not {value!r}."))
    return problems


def check_collaborators(names, field: str = "collaborators") -> list[Problem]:
    problems = _wrong_type(names, list, field, "a list of usernames")
    if problems:
        return problems
    problems += _over(field, "too_many_collaborators", len(names), MAX_COLLABORATORS,
                      "Collaborators invited:")
    for i, name in enumerate(names):
        problems += check_username(name, f"{field}[{i}]")
    return problems


def check_alt_text(text, *, media: str | None, field: str = "alt_text") -> list[Problem]:
    if media == "video":
        return [Problem(field, "alt_text_not_allowed", "Alt text applies to images only.")]
    return _wrong_type(text, str, field, "text") or _over(
        field, "alt_text_too_long", len(text), MAX_ALT_TEXT_CHARS, "Characters in the alt text:")


def _check_source(obj: dict, kind: str, prefix: str,
                  loopback_http: bool = False) -> tuple[str | None, list[Problem]]:
    """Media kind of the item ("image", "video", or None for an upload) and its problems."""
    allowed = _SOURCES[kind]
    given = [key for key in _MEDIA_KEYS if _given(obj.get(key))]
    noun = "carousel item" if kind == "item" else f"{kind} post"
    if not given:
        return None, [Problem(prefix + allowed[0], "media_missing", f"A {noun} needs "
                              f"{' or '.join(allowed)}, or an uploaded file.")]
    if len(given) > 1:
        return None, [Problem(prefix + given[1], "media_ambiguous", "Give exactly one of "
                              "image_url, video_url or an uploaded file.")]
    key = given[0]
    if key == "upload_token":
        return None, _wrong_type(obj[key], str, prefix + key, "an upload token")
    if key not in allowed:
        hint = " Videos are published as reels (kind \"reel\")." if kind == "feed" else ""
        return None, [Problem(prefix + key, "media_type_not_allowed",
                              f"A {noun} takes {' or '.join(allowed)}, not {key}.{hint}")]
    return _MEDIA_KIND[key], _https(obj[key], prefix + key, loopback_http)


def _check_common(obj: dict, kind: str, media: str | None, prefix: str = "") -> list[Problem]:
    """Checks of the optional fields shared by posts and carousel items."""
    problems = []
    if _given(obj.get("user_tags")):
        problems += check_user_tags(obj["user_tags"], media=media, field=prefix + "user_tags",
                                    positions_required=kind != "story")
    if _given(obj.get("alt_text")) and "alt_text" in _ACCEPTED[kind]:
        problems += check_alt_text(obj["alt_text"], media=media, field=prefix + "alt_text")
    if _given(obj.get("collaborators")) and "collaborators" in _ACCEPTED[kind]:
        problems += check_collaborators(obj["collaborators"], prefix + "collaborators")
    if _given(obj.get("location_id")) and "location_id" in _ACCEPTED[kind] and not (
            isinstance(obj["location_id"], str) and _NUMERIC.fullmatch(obj["location_id"])):
        problems.append(Problem(prefix + "location_id", "location_id_invalid",
                                "location_id must be the numeric ID of a Facebook Page with "
                                "a location."))
    return problems


def _check_ignored(obj: dict, kind: str, handled: set, prefix: str = "") -> list[Problem]:
    noun = "carousel item" if kind == "item" else f"{kind} post"
    problems = []
    for key in sorted(obj):
        if _given(obj[key]) and key not in _ACCEPTED[kind] and key not in handled:
            on_items = kind == "carousel" and key in _ACCEPTED["item"]
            hint = " Set it on the items." if on_items else ""
            problems.append(Problem(prefix + key, "field_ignored",
                                    f"{key} is ignored for a {noun}.{hint}", "warning"))
    return problems


def _check_reel_fields(payload: dict, loopback_http: bool = False) -> list[Problem]:
    problems = []
    if _given(payload.get("cover_url")):
        problems += _https(payload["cover_url"], "cover_url", loopback_http)
    offset = payload.get("thumb_offset")
    if offset is not None:
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            problems.append(Problem("thumb_offset", "thumb_offset_invalid", "thumb_offset must "
                                    "be a whole number of milliseconds, 0 or more."))
        elif _given(payload.get("cover_url")):
            problems.append(Problem("thumb_offset", "thumb_offset_ignored", "cover_url is given, "
                                    "so Instagram ignores thumb_offset.", "warning"))
    if payload.get("audio_name") is not None:
        problems += _wrong_type(payload["audio_name"], str, "audio_name", "text")
    return problems


def _check_items(items, loopback_http: bool = False) -> list[Problem]:
    problems = _wrong_type(items, list, "items", "a list of carousel items")
    if problems:
        return problems
    if len(items) < CAROUSEL_MIN_ITEMS:
        problems.append(Problem("items", "carousel_too_few_items", f"A carousel needs at least "
                                f"{CAROUSEL_MIN_ITEMS} items; it has {len(items)}."))
    problems += _over("items", "carousel_too_many_items", len(items), CAROUSEL_MAX_ITEMS,
                      "Carousel items:")
    for i, item in enumerate(items):
        prefix = f"items[{i}]."
        if not isinstance(item, dict):
            problems.append(Problem(f"items[{i}]", "item_invalid", "Each item must be an object."))
            continue
        media, found = _check_source(item, "item", prefix, loopback_http)
        problems += found + _check_common(item, "item", media, prefix)
        problems += [Problem(prefix + key, code, f"{key} cannot be set on a carousel item; set "
                             "it on the carousel itself.")
                     for key, code in _ITEM_FORBIDDEN.items() if _given(item.get(key))]
        problems += _check_ignored(item, "item", set(_ITEM_FORBIDDEN), prefix)
    return problems


def check_post(kind: str, payload: dict, *, allow_loopback_http: bool = False) -> list[Problem]:
    """Every content problem of a post of `kind` ("feed", "carousel", "story" or "reel").

    `allow_loopback_http` (sandbox mode) accepts plain http media URLs on loopback only."""
    if kind not in KINDS:
        return [Problem("kind", "kind_invalid", f"kind must be one of {', '.join(KINDS)}.")]
    problems = [] if _given(payload.get("account_id")) else [
        Problem("account_id", "account_id_missing", "Choose the Instagram account to post to.")]
    handled = {"account_id", "first_comment", *_MEDIA_KEYS}
    problems += check_first_comment(payload.get("first_comment"), kind)
    media = None
    if kind == "carousel":
        problems += _check_items(payload.get("items"), allow_loopback_http)
        problems += [Problem(key, "media_type_not_allowed", "A carousel takes its media in items.")
                     for key in _MEDIA_KEYS if _given(payload.get(key))]
    else:
        media, found = _check_source(payload, kind, "", allow_loopback_http)
        problems += found
    if kind == "story":
        problems += _check_story_fields(payload)
        handled.update({"caption", "hashtags", "collaborators"})
    else:
        problems += check_caption(payload.get("caption"), payload.get("hashtags"))
    if kind == "reel":
        problems += _check_reel_fields(payload, allow_loopback_http)
        if _given(payload.get("alt_text")):
            problems += check_alt_text(payload["alt_text"], media="video")
            handled.add("alt_text")
    share = payload.get("share_to_feed")
    if share is not None and "share_to_feed" in _ACCEPTED[kind] and not isinstance(share, bool):
        problems.append(Problem("share_to_feed", "share_to_feed_invalid",
                                "share_to_feed must be true or false."))
    problems += _check_common(payload, kind, media)
    return problems + _check_ignored(payload, kind, handled)


def _check_story_fields(payload: dict) -> list[Problem]:
    problems = []
    if _given(payload.get("caption")) or _given(payload.get("hashtags")):
        problems.append(Problem("caption", "caption_ignored", "Captions are not shown on stories.",
                                "warning"))
    if _given(payload.get("collaborators")):
        problems.append(Problem("collaborators", "collaborators_not_allowed",
                                "Stories cannot have collaborators."))
    return problems
