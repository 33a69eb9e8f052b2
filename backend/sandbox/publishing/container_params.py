"""The parameters of `POST /{ig-user-id}/media` (contract 2.1): container types and rules."""
import json
import re
from dataclasses import dataclass, field

from ..core.errors import invalid_parameter, missing_parameter
from ..core.hosts import FB_GRAPH
from . import publish_errors as perr

MAX_CAPTION, MAX_HASHTAGS, MAX_MENTIONS = 2200, 30, 20
MAX_COLLABORATORS, MAX_USER_TAGS, MAX_ALT_TEXT = 3, 20, 1000
MIN_CHILDREN, MAX_CHILDREN = 2, 10
HASHTAG = re.compile(r"(?<![\w&#])#\w+")
MENTION = re.compile(r"(?<![\w@])@[\w.]+")
TRUE = ("true", "1")


@dataclass
class ContainerRequest:
    """A container to create: `kind` is IMAGE, VIDEO (carousel child), REELS, STORIES or
    CAROUSEL; `media_type` and `product` are what the published media will report."""

    kind: str
    media_type: str
    product: str
    url: str = None
    is_carousel_item: bool = False
    resumable: bool = False
    caption: str = None
    children: list = field(default_factory=list)
    options: dict = field(default_factory=dict)


def parse_bool(value):
    return str(value).strip().lower() in TRUE if value is not None else False


def parse_list(value):
    """A JSON array or a comma-separated list, as strings."""
    if value in (None, ""):
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return [str(item).strip() for item in parsed if str(item).strip()]
    return [item.strip() for item in str(value).split(",") if item.strip()]


def _user_tags(value):
    try:
        tags = json.loads(value) if value else []
    except ValueError:
        raise invalid_parameter("Param user_tags must be a JSON array") from None
    if not isinstance(tags, list) or not all(isinstance(t, dict) and t.get("username")
                                             for t in tags):
        raise invalid_parameter("Param user_tags must be an array of objects with a username")
    if len(tags) > MAX_USER_TAGS:
        raise perr.too_many_tags()
    for tag in tags:
        for axis in ("x", "y"):
            if axis in tag and not (isinstance(tag[axis], (int, float))
                                    and 0 <= tag[axis] <= 1):
                raise invalid_parameter(f"Param user_tags[{axis}] must be between 0 and 1")
    return tags


def check_caption(caption):
    """36004/2207010 beyond 2,200 characters, 30 hashtags or 20 @mentions."""
    if (len(caption) > MAX_CAPTION or len(HASHTAG.findall(caption)) > MAX_HASHTAGS
            or len(MENTION.findall(caption)) > MAX_MENTIONS):
        raise perr.caption_too_long()


def _kind(params, host):
    """(kind, media_type, product, url, resumable) from media_type and the URLs."""
    media_type = (params.get("media_type") or "").strip().upper()
    item = parse_bool(params.get("is_carousel_item"))
    image_url, video_url = params.get("image_url"), params.get("video_url")
    resumable = params.get("upload_type") == "resumable" and host == FB_GRAPH
    if media_type in ("", "IMAGE"):
        if not image_url:
            raise missing_parameter("image_url")
        return "IMAGE", "IMAGE", "FEED", image_url, False
    if media_type == "VIDEO":
        if not item:  # standalone feed videos publish as reels since 2023
            raise perr.unknown_media_type(media_type)
        return "VIDEO", "VIDEO", "FEED", _video_url(video_url, resumable), resumable
    if media_type in ("REELS", "STORIES", "CAROUSEL") and item:
        raise invalid_parameter(f"A {media_type} container cannot be a carousel item")
    if media_type == "REELS":
        return "REELS", "VIDEO", "REELS", _video_url(video_url, resumable), resumable
    if media_type == "STORIES":
        if image_url and video_url:
            raise invalid_parameter("Give either image_url or video_url, not both")
        if image_url:
            return "STORIES", "IMAGE", "STORY", image_url, False
        return "STORIES", "VIDEO", "STORY", _video_url(video_url, resumable), resumable
    if media_type == "CAROUSEL":
        return "CAROUSEL", "CAROUSEL_ALBUM", "FEED", None, False
    raise perr.unknown_media_type(media_type)


def _video_url(video_url, resumable):
    if not video_url and not resumable:
        raise missing_parameter("video_url")
    return video_url or None


def parse_request(params, host):
    """The container asked for, or the error Meta answers before fetching anything."""
    kind, media_type, product, url, resumable = _kind(params, host)
    req = ContainerRequest(kind, media_type, product, url,
                           is_carousel_item=parse_bool(params.get("is_carousel_item")),
                           resumable=resumable, caption=params.get("caption") or None)
    if req.is_carousel_item:
        for name in ("caption", "location_id", "collaborators"):
            if params.get(name):
                raise invalid_parameter(f"Param {name} is not supported on carousel items")
    if req.caption is not None:
        check_caption(req.caption)
    if kind == "CAROUSEL":
        req.children = parse_list(params.get("children"))
        if not MIN_CHILDREN <= len(req.children) <= MAX_CHILDREN:
            raise perr.carousel_size(len(req.children))
    req.options = _options(params, req)
    return req


def _options(params, req):
    options = {}
    collaborators = parse_list(params.get("collaborators"))
    if collaborators:
        if req.kind == "STORIES":
            raise invalid_parameter("Collaborators are not supported for stories")
        if len(collaborators) > MAX_COLLABORATORS:
            raise invalid_parameter(f"At most {MAX_COLLABORATORS} collaborators are allowed")
        options["collaborators"] = collaborators
    if params.get("user_tags"):
        options["user_tags"] = _user_tags(params["user_tags"])
    alt_text = params.get("alt_text")
    if alt_text:
        if req.media_type != "IMAGE":
            raise invalid_parameter("Param alt_text is only supported for images")
        if len(alt_text) > MAX_ALT_TEXT:
            raise invalid_parameter(f"Param alt_text must be at most {MAX_ALT_TEXT} characters")
        options["alt_text"] = alt_text
    if params.get("thumb_offset") not in (None, ""):
        raw = params["thumb_offset"]
        if not str(raw).isdigit():
            raise invalid_parameter("Param thumb_offset must be a non-negative integer")
        options["thumb_offset"] = int(raw)
    if req.kind == "REELS":
        raw = params.get("share_to_feed")
        options["share_to_feed"] = True if raw in (None, "") else parse_bool(raw)
    for name in ("location_id", "cover_url", "audio_name"):
        if params.get(name):
            options[name] = params[name]
    return options
