"""Sample media served under /_sandbox/samples, with HTTP Range, for tests and curl scripts."""
import io
import random
import time
from functools import lru_cache

from flask import Response, request
from PIL import Image

from ..core.control import ControlError
from ..core.hooks import lock_free
from ..core.hosts import SANDBOX_HOST, add_route
from .mp4 import sample_video_parts

IMAGE_TYPES = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"),
               "webp": ("WEBP", "image/webp")}
VIDEO_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime"}
TEXT = b"This is not media: the sandbox serves it to test a non-media content type.\n"
MAX_SIDE = 4096
MAX_KB = 4 * 1024 * 1024  # 4 GiB of padding, streamed as zeros
MAX_MB = 2048
MAX_DELAY_MS = 60000
_CHUNK = 64 * 1024


class VirtualFile:
    """File contents as parts: bytes, or ints standing for that many zero bytes."""

    def __init__(self, parts, content_type):
        self.parts = [part for part in parts if part]
        self.content_type = content_type
        self.size = sum(part if isinstance(part, int) else len(part) for part in self.parts)

    def iter_range(self, start, stop):
        """The bytes in [start, stop), in chunks."""
        offset = 0
        for part in self.parts:
            length = part if isinstance(part, int) else len(part)
            lo, hi = max(start, offset), min(stop, offset + length)
            while lo < hi:
                step = min(hi - lo, _CHUNK)
                yield bytes(step) if isinstance(part, int) else part[lo - offset:lo - offset + step]
                lo += step
            offset += length


def serve(vfile):
    """200 with the whole file, or 206 for a single satisfiable Range (416 otherwise)."""
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=3600"}
    start, stop, status = 0, vfile.size, 200
    ranges = request.range
    if ranges is not None and len(ranges.ranges) == 1:
        span = ranges.range_for_length(vfile.size)
        if span is None:
            headers["Content-Range"] = f"bytes */{vfile.size}"
            return Response(b"", 416, headers=headers, mimetype=vfile.content_type)
        start, stop, status = span[0], span[1], 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{vfile.size}"
    headers["Content-Length"] = str(stop - start)
    return Response(vfile.iter_range(start, stop), status, headers=headers,
                    mimetype=vfile.content_type, direct_passthrough=True)


def _number(name, default, minimum, maximum, kind=int):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ControlError(f"{name} must be a number") from None
    if not minimum <= value <= maximum:
        raise ControlError(f"{name} must be between {minimum} and {maximum}")
    return value


@lru_cache(maxsize=64)
def image_bytes(fmt, width, height, seed):
    """A smooth colourful picture (a tiny random grid scaled up), encoded by Pillow."""
    rng = random.Random(f"{seed}:{width}x{height}")
    grid = Image.new("RGB", (4, 4))
    grid.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(16)])
    picture = grid.resize((width, height), Image.BILINEAR)
    buffer = io.BytesIO()
    picture.save(buffer, IMAGE_TYPES[fmt][0], **({"quality": 85} if fmt == "jpg" else {}))
    return buffer.getvalue()


def image_file(fmt, width, height, seed="sandbox", kb=0):
    """The image, padded with zero bytes after its end marker to reach `kb` KiB if asked."""
    data = image_bytes(fmt, width, height, seed)
    return VirtualFile([data, max(0, kb * 1024 - len(data))], IMAGE_TYPES[fmt][1])


def video_file(ext, duration, width, height, moov_end=False, mb=None):
    """A video with a valid box structure; `mb` makes the (zero-filled) mdat that large."""
    payload = int(mb * 1024 * 1024) if mb else max(1024, int(duration * 2048))
    parts = sample_video_parts(duration, width, height, ext, moov_end, payload)
    return VirtualFile(parts, VIDEO_TYPES[ext])


def sample_url(root, kind, **params):
    """A sample's URL (media_url and thumbnail_url of sandbox media point here)."""
    name = "image.jpg" if kind == "image" else "video.mp4"
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{root}/_sandbox/samples/{name}" + (f"?{query}" if query else "")


@lock_free
def sample(name):
    stem, _, ext = name.partition(".")
    delay = _number("delay_ms", 0, 0, MAX_DELAY_MS)
    width = _number("w", 1080, 1, MAX_SIDE)
    if stem == "image" and ext in IMAGE_TYPES:
        vfile = image_file(ext, width, _number("h", 1350, 1, MAX_SIDE),
                           request.args.get("seed", "sandbox")[:64], _number("kb", 0, 0, MAX_KB))
    elif stem == "video" and ext in VIDEO_TYPES:
        vfile = video_file(ext, _number("duration", 12.0, 0.0, 86400.0, float), width,
                           _number("h", 1920, 1, MAX_SIDE), request.args.get("moov") == "end",
                           _number("mb", 0.0, 0.0, float(MAX_MB), float))
    elif name == "text.txt":
        vfile = VirtualFile([TEXT], "text/plain")
    else:
        return Response('{"error":{"message":"no such sample"}}', 404,
                        mimetype="application/json")
    if delay:
        time.sleep(delay / 1000)
    return serve(vfile)


def init_app(app):
    add_route(app, (SANDBOX_HOST,), "/_sandbox/samples/<name>", sample, ("GET",))
