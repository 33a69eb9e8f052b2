"""What decoding an upload holds besides its pixels, known from the header before decoding.

The pixel budget (INSTAGRAM_IMAGE_MAX_PIXELS) counts decoded pixels, each of which a
conversion holds about 12 bytes for at its peak (4 for Pillow's decoded pixel whatever the
mode, the rest its working copies). What is decoded is the header's size, or for JPEGs the draft
scale's (1/2 to 1/8). Two decoders hold more than that, in proportion to what the header
declares rather than to what is decoded (measured in tests/hostile/test_upload_memory.py):

- libjpeg keeps every DCT coefficient of a multi-scan JPEG (progressive, or a first scan
  without every component) at full size, whatever the draft scale: 2 bytes a coefficient,
  64 per 8 x 8 block of each component (a 4:2:0 photo: 3 bytes a pixel, 4:4:4: 6).
- Pillow's PNG decoder holds two rows of raw samples (the current one and the previous one,
  for the filters): a 16,000,000 x 1 RGBA PNG of 16-bit samples takes 256 MB for them.

- libwebp decodes the whole picture into a buffer of its own (4 bytes a pixel), which
  Pillow copies (4 more) before unpacking it: a 4000 x 4000 WebP, lossless or not, held about
  16 bytes a pixel during a conversion against 12 for a PNG of that size, and three at once
  passed the bound. Counted as one more budget pixel a pixel, so a WebP is converted up to
  8 million pixels (larger ones: save them as JPEG).

All are counted in budget pixels (their bytes / BUDGET_PIXEL_BYTES), so one budget bounds
all of it.
"""
from __future__ import annotations

import math
import struct

from PIL import Image

COEFFICIENT_BYTES = 2  # libjpeg's JCOEF
# What a conversion holds per pixel of the budget at its peak (the decoded image, 4 bytes a
# pixel, and its working copies; docs/operations.md): the unit buffers are counted in, so
# that budget x BUDGET_PIXEL_BYTES bounds a conversion whatever holds the bytes. A unit of 4
# (one decoded pixel) refused ordinary 12 MP progressive 4:4:4 photos, three times too soon.
BUDGET_PIXEL_BYTES = 12
PNG_ROWS_HELD = 2  # ZipDecode.c: the row being unfiltered and the previous one
# PNG colour type -> samples a pixel (grey, RGB, palette, grey + alpha, RGBA).
_PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_SOS, _STANDALONE = 0xDA, {0x01, *range(0xD0, 0xD9)}
_MAX_SEGMENTS = 4096


def buffer_pixels(img: Image.Image, path) -> int:
    """Budget pixels the decoder of the image opened from `path` holds besides the decoded
    image (JPEG coefficient buffers, PNG row buffers, WebP's picture, else 0), in units of
    BUDGET_PIXEL_BYTES. Reads the header only; call it before draft(), which changes
    img.size to the decoded size."""
    return coefficient_pixels(img, path) + png_row_pixels(img, path) + webp_pixels(img)


def webp_pixels(img: Image.Image) -> int:
    """Budget pixels of libwebp's own picture buffer and Pillow's copy of it (0 for other
    images): 8 bytes a pixel, counted as one budget pixel for each pixel of the picture."""
    if img.format != "WEBP":
        return 0
    return img.width * img.height


def png_row_pixels(img: Image.Image, path) -> int:
    """Budget pixels of the PNG decoder's row buffers (0 for other images): each row is a
    filter byte and width x samples x bit depth / 8 bytes, as the IHDR says."""
    if img.format != "PNG":
        return 0
    with open(path, "rb") as fh:
        header = fh.read(29)
    if len(header) < 29 or header[12:16] != b"IHDR":
        return 0  # Pillow would not have opened it as a PNG
    depth, colour = header[24], header[25]
    row_bytes = 1 + math.ceil(img.width * _PNG_SAMPLES.get(colour, 4) * depth / 8)
    return math.ceil(PNG_ROWS_HELD * row_bytes / BUDGET_PIXEL_BYTES)


def coefficient_pixels(img: Image.Image, path) -> int:
    """Pixels of the budget a JPEG's full-size coefficient buffers take while it decodes
    (0 for any other image, and for single-scan JPEGs, which libjpeg decodes a row of
    blocks at a time). Call it before draft(): it reads the header's size."""
    if img.format not in ("JPEG", "MPO") or not _multi_scan(img, path):
        return 0
    return math.ceil(_coefficient_bytes(img) / BUDGET_PIXEL_BYTES)


def _coefficient_bytes(img: Image.Image) -> int:
    """libjpeg's whole-image coefficient buffers (jdcoefct.c): 8 x 8 blocks of each
    component, sampled at its own factors (Pillow's layer: id, horizontal, vertical,
    table), each side rounded up to whole MCUs as libjpeg allocates them."""
    layers = getattr(img, "layer", None) or [(0, 1, 1, 0)] * len(img.getbands())
    max_h = max(max(h for _id, h, _v, _q in layers), 1)
    max_v = max(max(v for _id, _h, v, _q in layers), 1)
    blocks = 0
    for _id, h, v, _q in layers:
        h, v = max(h, 1), max(v, 1)
        across = _round_up(math.ceil(img.width * h / (max_h * 8)), h)
        down = _round_up(math.ceil(img.height * v / (max_v * 8)), v)
        blocks += across * down
    return blocks * 64 * COEFFICIENT_BYTES


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _multi_scan(img: Image.Image, path) -> bool:
    """True when libjpeg decodes with whole-image coefficient buffers: progressive (and
    other non-sequential) frames, or a first scan that leaves components for later ones.
    Unknown (a header it cannot walk) counts as multi-scan."""
    if img.info.get("progressive"):
        return True
    in_scan = _first_scan_components(path)
    return in_scan is None or in_scan < len(getattr(img, "layer", ()) or img.getbands())


def _first_scan_components(path) -> int | None:
    """Components in the first scan (SOS) of the JPEG at `path`, walking segment headers
    only; None when the walk does not reach one."""
    with open(path, "rb") as fh:
        if fh.read(2) != b"\xff\xd8":
            return None
        for _ in range(_MAX_SEGMENTS):
            head = fh.read(2)
            if len(head) < 2 or head[0] != 0xFF:
                return None
            marker = head[1]
            if marker == 0xFF:  # fill byte before a marker
                fh.seek(-1, 1)
                continue
            if marker in _STANDALONE:
                continue
            raw = fh.read(2)
            if len(raw) < 2:
                return None
            length = struct.unpack(">H", raw)[0]
            if marker == _SOS:
                count = fh.read(1)
                return count[0] if count else None
            if length < 2:
                return None
            fh.seek(length - 2, 1)
    return None
