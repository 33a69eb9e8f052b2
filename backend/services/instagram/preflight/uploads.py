"""Files uploaded by users: capped storage, verification, and JPEG re-encoding without metadata."""
from __future__ import annotations

import ctypes
import io
import math
import os
import re
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageOps

from .decode_cost import buffer_pixels
from .probe import MediaInfo, MediaProbeError, probe_file, sniff_format

JPEG_QUALITY = 90
CHUNK_BYTES = 1024 * 1024
# Decoded pixels one conversion may hold; far below Pillow's 89 million, whose decoding
# (9400 x 9400 from a 354 KB PNG) plus the copies of a conversion took 1.3 GB. JPEGs are
# decoded already scaled down (draft mode), so large photos stay well within it.
DEFAULT_MAX_PIXELS = 16_000_000
# The longest side a JPEG can be written with: libjpeg's JPEG_MAX_DIMENSION (the header
# could say 65,535, but Pillow's encoder refuses anything past 65,500).
JPEG_MAX_SIDE = 65_500
# Orientations that swap width and height once EXIF is applied.
_SWAPS_AXES = {5, 6, 7, 8}
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


class UploadBusy(UploadError):
    """Every conversion slot stayed taken for the whole wait: try again shortly."""

    code = "uploads_busy"


class ConversionGate:
    """At most `slots` image conversions at once in this process, so that decoded pixels
    (at most max_pixels each) bound the memory uploads can take, whatever arrives."""

    def __init__(self, slots: int):
        self._slots = threading.BoundedSemaphore(max(1, slots))

    @contextmanager
    def slot(self, wait: float):
        if not self._slots.acquire(timeout=max(0.0, wait)):
            raise UploadBusy("Too many images are being converted right now; try again in a "
                             "few seconds.")
        try:
            yield
        finally:
            _give_memory_back()
            self._slots.release()


def _give_memory_back() -> None:
    """Return the freed memory of a conversion to the system (glibc's malloc_trim; nothing
    elsewhere). Conversions run in request threads, each with an allocator arena of its own,
    which otherwise keeps what a conversion freed: the next conversion, in another arena,
    then adds its peak on top, and the process grows past the documented bound. A few
    milliseconds after a conversion that took hundreds."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _malloc_trim():
    # The process's own symbols (libc among them): no library search, which would run
    # ldconfig in a subprocess at import.
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to call
        return None


_MALLOC_TRIM = _malloc_trim()


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
                 max_width: int | None = None, max_pixels: int = DEFAULT_MAX_PIXELS,
                 gate: ConversionGate | None = None, wait: float = 10.0) -> StoredUpload:
    """Store an uploaded image as a clean JPEG, or an MP4/MOV video as it is, under an
    unguessable name. `filename` only names the file in messages: the content decides the
    format. `max_width` (1440 for the feed) scales wider images down. An image whose
    decoded size would pass `max_pixels` is refused before decoding; `gate` bounds how
    many conversions run at once (waiting at most `wait` seconds for a slot)."""
    os.makedirs(upload_dir, exist_ok=True)
    token = secrets.token_urlsafe(24)
    base = Path(upload_dir) / token
    raw, tmp = base.with_suffix(".part"), base.with_suffix(".tmp")
    try:
        size = _copy_capped(fileobj, raw, max_bytes, filename)
        with open(raw, "rb") as fh:
            fmt = sniff_format(fh.read(64))
        if fmt in _VIDEO_FORMATS:
            info = _probe_video(raw, filename)  # before it has a name anyone can fetch
            path = base.with_suffix("." + fmt)
            os.replace(raw, path)
            return StoredUpload(token, str(path), size, info.width, info.height, fmt, fmt,
                                False, info)
        with (gate.slot(wait) if gate is not None else _no_gate()):
            original = _reencode(raw, tmp, filename, max_width, max_pixels)
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


def _probe_video(raw: Path, filename: str) -> MediaInfo:
    try:
        return probe_file(raw)
    except MediaProbeError as exc:
        raise UploadRejected(f"{filename} cannot be read as a video: {exc.message}",
                             exc.code) from None


@contextmanager
def _no_gate():
    yield


def _reencode(raw: Path, out: Path, filename: str, max_width: int | None,
              max_pixels: int) -> str:
    """Write `raw` as a metadata-free sRGB JPEG to `out`; return the original format."""
    try:
        with Image.open(raw, formats=_pillow_formats()) as img:
            _check_pixels(img, filename, Image.MAX_IMAGE_PIXELS)
            _check_sides(img, filename, max_width)
            buffers = buffer_pixels(img, raw)  # of the header's size, whatever draft decodes
            _draft(img, max_width)
            # Only the header has been read so far: the budget holds before any decoding.
            _check_pixels(img, filename, max_pixels, buffers)
            original = _PILLOW_FORMATS[img.format]
            clean = _prepare(img, max_width)
            # Decoding may find what the header did not say (a PNG's eXIf chunk after its
            # data turning it a quarter): the sides are checked again on what is written.
            _check_written_sides(clean, filename)
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(f"{filename} has too many pixels to process safely.",
                             "image_too_many_pixels")
    except Exception:  # Pillow raises many types for corrupt or foreign files
        raise UploadRejected(f"{filename} is not an image or video that can be published: "
                             "upload a JPEG, PNG, WebP, GIF, MP4 or MOV file.", "upload_not_media")
    try:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except (OSError, ValueError) as exc:  # what the encoder refuses: nothing is kept
        out.unlink(missing_ok=True)
        raise UploadRejected(f"{filename} could not be converted to a JPEG ({exc}).",
                             "upload_invalid") from None
    return original


def _check_written_sides(img: Image.Image, filename: str) -> None:
    if max(img.size) > JPEG_MAX_SIDE:
        raise UploadRejected(f"{filename} is {img.width} x {img.height} pixels once turned "
                             f"as its EXIF says; a side of at most {JPEG_MAX_SIDE:,} pixels "
                             f"can be converted.", "image_too_many_pixels")


def _check_pixels(img: Image.Image, filename: str, limit: int | None,
                  buffers: int = 0) -> None:
    """Refuse when the decoded pixels plus the decoder's `buffers` (decode_cost, in budget
    pixels) pass `limit`. Pillow only warns between MAX_IMAGE_PIXELS and twice that; a
    warning is still a bomb. Checking here instead of turning warnings into errors:
    warnings filters are global and not thread-safe."""
    if not limit or img.width * img.height + buffers <= limit:
        return
    if buffers and img.width * img.height <= limit:  # the decoder's buffers tipped it
        raise UploadRejected(f"{filename} needs as much memory to decode as "
                             f"{img.width * img.height + buffers:,} pixels (a progressive "
                             f"JPEG, a WebP or a very wide PNG); at most {limit:,} can be "
                             f"processed safely. Scale it down, or save it as a baseline "
                             f"JPEG.", "image_too_many_pixels")
    raise UploadRejected(f"{filename} is {img.width} x {img.height} pixels; at most "
                         f"{limit:,} pixels can be processed safely. Scale it down "
                         f"(Instagram shows at most 1440 pixels wide).",
                         "image_too_many_pixels")


def _check_sides(img: Image.Image, filename: str, max_width: int | None) -> None:
    """Refuse, from the header, an image whose converted JPEG could not hold its sides
    (a 1 x 16,000,000 PNG is within the pixel budget but no JPEG is that tall)."""
    width = _final_width(img)
    height = img.width * img.height // width
    if max_width and width > max_width:
        width, height = max_width, max(1, round(height * max_width / width))
    if max(width, height) > JPEG_MAX_SIDE:
        raise UploadRejected(f"{filename} is {img.width} x {img.height} pixels; a side of at "
                             f"most {JPEG_MAX_SIDE:,} pixels can be converted (Instagram "
                             f"shows at most 1440 pixels wide, 4:5 to 1.91:1).",
                             "image_too_many_pixels")


def _final_width(img: Image.Image) -> int:
    """The width once EXIF orientation is applied, from the header only."""
    return img.height if _orientation(img) in _SWAPS_AXES else img.width


def _orientation(img: Image.Image) -> int | None:
    if img.format in ("JPEG", "MPO"):
        return img.getexif().get(ExifTags.Base.Orientation)
    raw = img.info.get("exif")  # PNG's getexif() would decode the whole image to look
    if not raw:
        return None
    exif = Image.Exif()
    exif.load(raw)
    return exif.get(ExifTags.Base.Orientation)


def _draft(img: Image.Image, max_width: int | None) -> None:
    """Let JPEG decode at 1/2, 1/4 or 1/8 scale when the result is scaled down anyway."""
    if not max_width or img.format not in ("JPEG", "MPO"):
        return
    scale = max_width / _final_width(img)
    if scale < 1:
        img.draft(None, (math.ceil(img.width * scale), math.ceil(img.height * scale)))


def _prepare(img: Image.Image, max_width: int | None) -> Image.Image:
    # Bake the orientation in, since EXIF goes away; in place, as the copy Pillow makes
    # otherwise would double the decoded image's memory even when nothing turns.
    ImageOps.exif_transpose(img, in_place=True)
    if max_width and img.width > max_width:
        # Scaled first, so every later step copies the small image, not the decoded one.
        if img.mode in ("1", "P"):  # palettes only resize with NEAREST
            img = img.convert("RGBA" if img.mode == "P" else "L")
        height = max(1, round(img.height * max_width / img.width))
        img = img.resize((max_width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    img = _to_srgb(img)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        # JPEG has no alpha: flatten on white, not on black. An RGBA image is its own mask
        # (convert() would copy it: 4 bytes a pixel more at the peak).
        rgba = img if img.mode == "RGBA" else img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    if img.mode != "RGB":  # convert() copies even to the same mode: 4 bytes a pixel more
        img = img.convert("RGB")
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
