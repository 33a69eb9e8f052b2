"""Files uploaded by users: capped storage, verification, and JPEG re-encoding without metadata."""
from __future__ import annotations

import io
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from .probe import MediaInfo, probe_file, sniff_format

JPEG_QUALITY = 90
CHUNK_BYTES = 1024 * 1024
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")  # what secrets.token_urlsafe(24) produces
STORED_SUFFIXES = (".jpg", ".mp4", ".mov")
_WORK_SUFFIXES = (".part", ".tmp")
_VIDEO_FORMATS = ("mp4", "mov")
# Pillow plugins allowed to parse uploads, and our name for each format. A whitelist keeps
# uploads away from rarely used decoders (EPS would even start Ghostscript).
_PILLOW_FORMATS = {"JPEG": "jpeg", "MPO": "mpo", "PNG": "png", "WEBP": "webp", "GIF": "gif",
                   "AVIF": "avif", "HEIF": "heic"}


class UploadError(Exception):
    """An upload that cannot be stored; `code` is snake_case, `message` for users."""

    code = "upload_invalid"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message, self.code = message, code or self.code


class UploadTooLarge(UploadError):
    code = "upload_too_large"


class UploadRejected(UploadError):
    code = "upload_rejected"


@dataclass(frozen=True)
class StoredUpload:
    """A stored upload. `converted` is true when the original was not a JPEG (every image is
    re-encoded anyway, to strip its metadata); `info` is the probe of the stored file."""

    token: str
    path: str
    bytes: int
    width: int | None
    height: int | None
    format: str
    original_format: str
    converted: bool
    info: MediaInfo


def _pillow_formats() -> list[str]:
    Image.init()  # registers the plugins once; HEIF only exists when pillow-heif is installed
    return [name for name in _PILLOW_FORMATS if name in Image.OPEN]


def convertible_formats() -> frozenset[str]:
    """Image formats store_upload can turn into JPEG with the Pillow plugins installed."""
    names = {_PILLOW_FORMATS[name] for name in _pillow_formats()}
    if "jpeg" in names:
        names.add("mpo")  # multi-picture files open through the JPEG plugin
    return frozenset(names - {"jpeg"})


def store_upload(fileobj, filename: str, *, upload_dir, max_bytes: int,
                 max_width: int | None = None) -> StoredUpload:
    """Store an uploaded image as a clean JPEG, or an MP4/MOV video as it is, under an
    unguessable name. `filename` only names the file in messages: the content decides the
    format. `max_width` (1440 for the feed) scales wider images down."""
    os.makedirs(upload_dir, exist_ok=True)
    token = secrets.token_urlsafe(24)
    base = Path(upload_dir) / token
    raw, tmp = base.with_suffix(".part"), base.with_suffix(".tmp")
    try:
        size = _copy_capped(fileobj, raw, max_bytes, filename)
        with open(raw, "rb") as fh:
            fmt = sniff_format(fh.read(64))
        if fmt in _VIDEO_FORMATS:
            path = base.with_suffix("." + fmt)
            os.replace(raw, path)
            info = probe_file(path)
            return StoredUpload(token, str(path), size, info.width, info.height, fmt, fmt,
                                False, info)
        original = _reencode(raw, tmp, filename, max_width)
        path = base.with_suffix(".jpg")
        os.replace(tmp, path)
        info = probe_file(path)
        return StoredUpload(token, str(path), info.bytes, info.width, info.height, "jpeg",
                            original, original != "jpeg", info)
    finally:
        for leftover in (raw, tmp):
            leftover.unlink(missing_ok=True)


def _copy_capped(fileobj, path: Path, max_bytes: int, filename: str) -> int:
    """Copy in chunks, never holding the whole file in memory; stop past `max_bytes`."""
    size = 0
    with open(path, "xb") as out:
        while chunk := fileobj.read(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(f"{filename} is larger than the {max_bytes:,} bytes "
                                     f"accepted.")
            out.write(chunk)
    if not size:
        raise UploadRejected(f"{filename} is empty.", "upload_empty")
    return size


def _reencode(raw: Path, out: Path, filename: str, max_width: int | None) -> str:
    """Write `raw` as a metadata-free sRGB JPEG to `out`; return the original format."""
    try:
        with Image.open(raw, formats=_pillow_formats()) as img:
            _check_pixels(img, filename)
            original = _PILLOW_FORMATS[img.format]
            clean = _prepare(img, max_width)
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(f"{filename} has too many pixels to process safely.",
                             "image_too_many_pixels")
    except Exception:  # Pillow raises many types for corrupt or foreign files
        raise UploadRejected(f"{filename} is not an image or video that can be published: "
                             "upload a JPEG, PNG, WebP, GIF, MP4 or MOV file.", "upload_not_media")
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return original


def _check_pixels(img: Image.Image, filename: str) -> None:
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning is still a bomb.
    # Checking here instead of turning warnings into errors: warnings filters are global
    # and not thread-safe.
    limit = Image.MAX_IMAGE_PIXELS
    if limit and img.width * img.height > limit:
        raise UploadRejected(f"{filename} has too many pixels to process safely.",
                             "image_too_many_pixels")


def _prepare(img: Image.Image, max_width: int | None) -> Image.Image:
    img = ImageOps.exif_transpose(img)  # bake the orientation in, since EXIF goes away
    img = _to_srgb(img)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")  # JPEG has no alpha: flatten on white, not on black
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    img = img.convert("RGB")
    if max_width and img.width > max_width:
        height = max(1, round(img.height * max_width / img.width))
        img = img.resize((max_width, height), Image.Resampling.LANCZOS)
    img.info = {}  # no EXIF, GPS, XMP, comment or ICC profile reaches the saved file
    return img


def _to_srgb(img: Image.Image) -> Image.Image:
    """Pixels converted to sRGB when the image carries another ICC profile."""
    icc = img.info.get("icc_profile")
    if not icc:
        return img
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(profile).lower():
            return img
        mode = "RGBA" if img.mode in ("RGBA", "LA", "PA") else "RGB"
        return ImageCms.profileToProfile(img, profile, ImageCms.createProfile("sRGB"),
                                         outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img  # an unusable profile is dropped with the rest of the metadata


def resolve_upload(upload_dir, token: str) -> str | None:
    """Path of a stored upload, or None; only exact tokens are accepted (no traversal)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    for suffix in STORED_SUFFIXES:
        path = os.path.join(upload_dir, token + suffix)
        if os.path.isfile(path) and not os.path.islink(path):
            return path
    return None


def purge_uploads(upload_dir, older_than: datetime, keep=frozenset()) -> int:
    """Delete stored uploads (and abandoned partial files) last modified before `older_than`,
    except the tokens in `keep`; a naive datetime is taken as UTC. Returns how many."""
    if older_than.tzinfo is None:
        older_than = older_than.replace(tzinfo=timezone.utc)
    cutoff, removed = older_than.timestamp(), 0
    try:
        entries = list(os.scandir(upload_dir))
    except FileNotFoundError:
        return 0
    for entry in entries:
        stem, suffix = os.path.splitext(entry.name)
        if (not TOKEN_PATTERN.fullmatch(stem) or stem in keep
                or suffix not in STORED_SUFFIXES + _WORK_SUFFIXES
                or not entry.is_file(follow_symlinks=False)
                or entry.stat(follow_symlinks=False).st_mtime >= cutoff):
            continue
        try:
            os.unlink(entry.path)
            removed += 1
        except FileNotFoundError:  # another worker purged it first
            pass
    return removed
