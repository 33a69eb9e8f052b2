"""Instagram's media specs per use (contract 2.7) applied to a probed MediaInfo."""
from __future__ import annotations

from dataclasses import dataclass

from .probe import MediaInfo
from .rules import Problem
from .uploads import convertible_formats

MIB, MB = 1024 * 1024, 1000 * 1000
IMAGE_MAX_BYTES = 8 * MIB  # Meta's error text says 8 MiB
# Relative: rounding a dimension by a pixel or two must not turn 4:5 into a rejection, and
# an absolute margin would swallow the whole 0.01:1 reel limit.
ASPECT_TOLERANCE = 0.005
VERTICAL_RATIO, VERTICAL_TOLERANCE = 9 / 16, 0.01
IMAGE_MIN_WIDTH, IMAGE_MAX_WIDTH = 320, 1440
VIDEO_MAX_WIDTH = 1920
VIDEO_FORMATS = ("mp4", "mov")
RECOMMENDED_CODECS = {"avc1": "H.264", "avc3": "H.264", "hvc1": "HEVC", "hev1": "HEVC"}
_MIME_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg",
                 "image/heif": "image/heic", "video/mov": "video/quicktime"}


@dataclass(frozen=True)
class MediaSpec:
    """Limits for one use; `vertical` means 9:16 is recommended, `scaled_width` that widths
    outside 320-1440 px are scaled by Instagram."""

    kind: str
    label: str
    max_bytes: int
    min_ratio: float | None = None
    max_ratio: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    vertical: bool = False
    scaled_width: bool = False


# Video sizes are decimal megabytes as Meta writes them ("300MB"), the stricter reading.
SPECS = {
    "feed_image": MediaSpec("image", "feed images", IMAGE_MAX_BYTES, 0.8, 1.91,
                            scaled_width=True),
    "carousel_image": MediaSpec("image", "carousel images", IMAGE_MAX_BYTES, 0.8, 1.91,
                                scaled_width=True),
    "story_image": MediaSpec("image", "story images", IMAGE_MAX_BYTES, vertical=True,
                             scaled_width=True),
    "reel_cover": MediaSpec("image", "reel covers", IMAGE_MAX_BYTES, vertical=True),
    "reel_video": MediaSpec("video", "reels", 300 * MB, 0.01, 10, 3, 15 * 60, vertical=True),
    "story_video": MediaSpec("video", "story videos", 100 * MB, 0.1, 10, 3, 60, vertical=True),
    # Meta documents no limits of their own for carousel videos: the reel limits apply.
    "carousel_video": MediaSpec("video", "carousel videos", 300 * MB, 0.01, 10, 3, 15 * 60),
}


def will_convert(info: MediaInfo, hosted_by_platform: bool) -> bool:
    """True when the platform hosts the file and will re-encode this non-JPEG image."""
    return (hosted_by_platform and info.kind == "image" and info.format != "jpeg"
            and info.format in convertible_formats())


def check_media(info: MediaInfo, use: str, *, hosted_by_platform: bool = False,
                field: str = "media") -> list[Problem]:
    """Problems of this media for `use` (a key of SPECS). `hosted_by_platform` is true for
    uploads, which the platform converts to JPEG; a URL is sent to Meta as it is."""
    spec = SPECS[use]
    if info.kind != spec.kind:
        return [Problem(field, "media_kind_mismatch", f"Instagram expects {spec.kind}s for "
                        f"{spec.label}; this is a {info.kind} ({info.format.upper()}).")]
    problems = _check_declared_type(info, field)
    if spec.kind == "image":
        problems += _check_image(info, spec, hosted_by_platform, field)
    else:
        problems += _check_video(info, spec, field)
    return problems + _check_ratio(info, spec, field)


def media_summary(info: MediaInfo, *, hosted_by_platform: bool = False) -> dict:
    """The `media` block of a preview."""
    ratio = info.aspect_ratio
    return {"kind": info.kind, "format": info.format, "width": info.width,
            "height": info.height, "aspect_ratio": round(ratio, 3) if ratio else None,
            "bytes": info.bytes, "duration_s": info.duration_s,
            "will_convert_to_jpeg": will_convert(info, hosted_by_platform)}


def check_carousel_media(infos: list[MediaInfo]) -> list[Problem]:
    """Instagram crops every carousel item to the first item's aspect ratio: say so."""
    first = infos[0].aspect_ratio if infos else None
    return [Problem(f"items[{i}]", "carousel_ratio_mismatch", f"Item {i + 1} has the aspect "
                    f"ratio {info.aspect_ratio:.3f}; Instagram crops it to the first item's "
                    f"{first:.3f}.", "warning")
            for i, info in enumerate(infos[1:], 1)
            if first and info.aspect_ratio and abs(info.aspect_ratio - first) > VERTICAL_TOLERANCE]


def _check_declared_type(info: MediaInfo, field: str) -> list[Problem]:
    declared = (info.declared_mime or "").split(";")[0].strip().lower()
    declared = _MIME_ALIASES.get(declared, declared)
    if not declared or declared == info.mime:
        return []
    return [Problem(field, "content_type_mismatch", f"The server calls this file {declared} "
                    f"but it is {info.format.upper()} ({info.mime}); Meta may refuse it.",
                    "warning")]


def _size_problems(info: MediaInfo, spec: MediaSpec, code: str, field: str,
                   severity: str = "error") -> list[Problem]:
    if info.bytes is None:
        return [Problem(field, "size_unknown", "The file size could not be read, so the "
                        f"{_bytes(spec.max_bytes)} limit was not checked.", "warning")]
    if info.bytes > spec.max_bytes:
        return [Problem(field, code, f"The file is {_bytes(info.bytes)}; Instagram accepts at "
                        f"most {_bytes(spec.max_bytes)} for {spec.label}.", severity)]
    return []


def _check_image(info: MediaInfo, spec: MediaSpec, hosted: bool, field: str) -> list[Problem]:
    converts = will_convert(info, hosted)
    name = info.format.upper()
    problems = []
    if converts:
        problems.append(Problem(field, "will_convert", f"This {name} image will be converted to "
                                "JPEG, the only image format Instagram accepts.", "warning"))
    elif info.format != "jpeg":
        how = ("the platform cannot convert it here: export it as JPEG" if hosted else
               "convert it to JPEG, or upload the file so the platform converts it")
        problems.append(Problem(field, "image_format_not_supported", f"Instagram only accepts "
                                f"JPEG images and this is {name}; {how}."))
    # A converted file gets a new size; the limit then applies to the JPEG.
    problems += _size_problems(info, spec, "image_too_large", field,
                               "warning" if converts else "error")
    if spec.scaled_width and info.width and not (
            IMAGE_MIN_WIDTH <= info.width <= IMAGE_MAX_WIDTH):
        target = IMAGE_MIN_WIDTH if info.width < IMAGE_MIN_WIDTH else IMAGE_MAX_WIDTH
        problems.append(Problem(field, "image_width_scaled", f"The image is {info.width} px wide; "
                                f"Instagram scales it to {target} px.", "warning"))
    return problems


def _check_video(info: MediaInfo, spec: MediaSpec, field: str) -> list[Problem]:
    problems = []
    if info.format not in VIDEO_FORMATS:
        problems.append(Problem(field, "video_format_not_supported", f"Instagram accepts MP4 "
                                f"or MOV videos; this is {info.format.upper()}."))
    if info.duration_s is None:
        problems.append(Problem(field, "duration_unknown", "The video's duration could not be "
                                f"read, so the {spec.min_s:g} s to {_seconds(spec.max_s)} limit "
                                "was not checked.", "warning"))
    elif not spec.min_s <= info.duration_s <= spec.max_s:
        short = info.duration_s < spec.min_s
        problems.append(Problem(field, "video_too_short" if short else "video_too_long",
                                f"The video lasts {info.duration_s:.1f} s; {spec.label} must "
                                f"last {spec.min_s:g} s to {_seconds(spec.max_s)}."))
    problems += _size_problems(info, spec, "video_too_large", field)
    if info.moov_before_mdat is False:
        problems.append(Problem(field, "moov_not_first", "The video's index (moov atom) comes "
                                "after its data; Instagram asks for it first (\"fast start\"), "
                                "and processing may fail.", "warning"))
    if info.video_codec and info.video_codec not in RECOMMENDED_CODECS:
        problems.append(Problem(field, "video_codec_not_recommended", f"The video codec is "
                                f"{info.video_codec}; Instagram asks for H.264 or HEVC.",
                                "warning"))
    if info.width and info.width > VIDEO_MAX_WIDTH:
        problems.append(Problem(field, "video_too_wide", f"The video is {info.width} px wide; "
                                f"Instagram asks for at most {VIDEO_MAX_WIDTH}.", "warning"))
    return problems


def _check_ratio(info: MediaInfo, spec: MediaSpec, field: str) -> list[Problem]:
    ratio = info.aspect_ratio
    if ratio is None:
        return [Problem(field, "dimensions_unknown", "The dimensions could not be read, so the "
                        "aspect ratio was not checked.", "warning")]
    if spec.min_ratio is not None and not (
            spec.min_ratio * (1 - ASPECT_TOLERANCE) <= ratio
            <= spec.max_ratio * (1 + ASPECT_TOLERANCE)):
        return [Problem(field, "aspect_ratio_out_of_range", f"The aspect ratio is {ratio:.3f} "
                        f"({info.width}x{info.height}); Instagram accepts {_ratio(spec.min_ratio)}"
                        f" to {_ratio(spec.max_ratio)} for {spec.label}.")]
    if spec.vertical and abs(ratio - VERTICAL_RATIO) > VERTICAL_TOLERANCE:
        return [Problem(field, "aspect_ratio_not_recommended", f"The aspect ratio is "
                        f"{ratio:.3f}; 9:16 (0.5625, e.g. 1080x1920) is recommended for "
                        f"{spec.label}, others are cropped or letterboxed.", "warning")]
    return []


def _ratio(value: float) -> str:
    return "4:5 (0.8)" if value == 0.8 else f"{value:g}:1"


def _bytes(size: int) -> str:
    return f"{size / MIB:.1f} MiB" if size % MB else f"{size // MB} MB"


def _seconds(value: float) -> str:
    return f"{value / 60:g} min" if value >= 60 else f"{value:g} s"
