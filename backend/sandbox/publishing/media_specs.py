"""Meta's media specs (contract 2.7): format sniffing, image size and ratio, video limits."""
import struct
from dataclasses import dataclass

from . import publish_errors as perr
from .mp4 import container_of, probe_video

IMAGE_MAX_BYTES = 8 * 1024 * 1024
RATIO_MIN, RATIO_MAX = 4 / 5, 1.91
RATIO_TOLERANCE = 0.005
MB = 1024 * 1024
# product -> (shortest s, longest s, largest bytes); carousel videos follow the reel limits.
VIDEO_LIMITS = {"REELS": (3, 900, 300 * MB), "STORY": (3, 60, 100 * MB),
                "FEED": (3, 900, 300 * MB)}
MEDIA_TYPE_PREFIXES = ("image/", "video/", "application/octet-stream", "binary/octet-stream")
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, 0xD8} | set(range(0xD0, 0xD8))
_MAX_SEGMENTS = 512


@dataclass
class MediaFacts:
    """What the sandbox learned about a media file; `failure` is a status subcode or None."""

    kind: str  # image or video
    size: int = None
    width: int = None
    height: int = None
    duration: float = None
    failure: int = None


def sniff(head):
    """jpeg, png, webp, gif, mp4, mov or None from the magic bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return container_of(head)


def looks_like_media(content_type):
    """Meta refuses a URL that answers with a page or text instead of media (9004)."""
    if not content_type:
        return True
    return content_type.split(";")[0].strip().lower().startswith(MEDIA_TYPE_PREFIXES)


def jpeg_size(read_at):
    """(width, height) from the first SOF marker, reading segment headers only."""
    offset = 2
    for _ in range(_MAX_SEGMENTS):
        header = read_at(offset, 4)
        if len(header) < 2 or header[0] != 0xFF:
            return None
        marker = header[1]
        if marker == 0xFF:
            offset += 1
            continue
        if marker in _STANDALONE:
            offset += 2
            continue
        if len(header) < 4 or marker == 0xD9:
            return None
        if marker in _SOF:
            frame = read_at(offset + 4, 5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        offset += 2 + struct.unpack(">H", header[2:4])[0]
    return None


def check_image(media, product):
    """Facts about an image URL's file, or the 2207xxx error Meta answers at creation."""
    if not looks_like_media(media.content_type):
        raise perr.fetch_failed(getattr(media, "url", ""))
    if media.size is not None and media.size > IMAGE_MAX_BYTES:
        raise perr.image_too_large()
    if sniff(media.head) != "jpeg":
        raise perr.image_format()
    size = jpeg_size(media.read_at)
    if size is None or 0 in size:
        raise perr.image_format()
    width, height = size
    if product == "FEED" and not (RATIO_MIN - RATIO_TOLERANCE <= width / height
                                  <= RATIO_MAX + RATIO_TOLERANCE):
        raise perr.aspect_ratio(width, height)
    return MediaFacts("image", media.size, width, height)


def check_video(media, product):
    """Facts about a video file; spec problems become `failure` (the container's ERROR)."""
    if not looks_like_media(media.content_type):
        raise perr.fetch_failed(getattr(media, "url", ""))
    facts = MediaFacts("video", media.size)
    info = probe_video(media.read_at, media.size) if sniff(media.head) in ("mp4", "mov") else None
    if info is None or info.duration is None or not info.has_video:
        facts.failure = perr.FORMAT_FAILURE
        return facts
    facts.duration, facts.width, facts.height = info.duration, info.width, info.height
    shortest, longest, largest = VIDEO_LIMITS[product]
    if not shortest <= info.duration <= longest:
        facts.failure = perr.DURATION_FAILURE
    elif media.size is not None and media.size > largest:
        facts.failure = perr.SIZE_FAILURE
    return facts
