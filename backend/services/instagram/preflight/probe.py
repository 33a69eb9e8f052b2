"""Bounded, SSRF-safe inspection of a media URL or file: format, size, dimensions, duration."""
from __future__ import annotations

import os
import struct
from dataclasses import asdict, dataclass

from .url_fetch import MediaProbeError, check_url, is_public_address, open_media_url

__all__ = ["HEAD_BYTES", "MediaInfo", "MediaProbeError", "check_url", "is_public_address",
           "parse_media", "probe_file", "probe_url", "sniff_format"]

HEAD_BYTES = 512 * 1024
# Ranged reads past the head to reach a moov atom stored after mdat (free/skip boxes may
# sit in between); each read is at most max_header_bytes.
MAX_BOX_HOPS = 4
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # DHT, JPG and DAC share the range
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_MIME = {"jpeg": "image/jpeg", "mpo": "image/jpeg", "png": "image/png", "gif": "image/gif",
         "webp": "image/webp", "heic": "image/heic", "avif": "image/avif", "mp4": "video/mp4",
         "mov": "video/quicktime", "3gp": "video/3gpp"}
_VIDEO_FORMATS = {"mp4", "mov", "3gp"}
_MAGIC = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
          (b"GIF89a", "gif"))


@dataclass
class MediaInfo:
    """What the headers say. width/height are as displayed: EXIF orientation 5-8 and a
    90-degree track matrix are already applied (phones store portrait video as landscape)."""

    kind: str
    format: str
    mime: str
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    duration_s: float | None = None
    video_codec: str | None = None
    moov_before_mdat: bool | None = None
    orientation: int | None = None
    declared_mime: str | None = None

    @property
    def aspect_ratio(self) -> float | None:
        return self.width / self.height if self.width and self.height else None

    def to_dict(self) -> dict:
        return {**asdict(self), "aspect_ratio": self.aspect_ratio}


def probe_url(url: str, *, allow_loopback: bool = False, timeout=(3.05, 10),
              max_header_bytes: int = HEAD_BYTES, max_seconds: float = 30.0) -> MediaInfo:
    """Inspect the media at `url` from its first `max_header_bytes` (plus, for a video whose
    moov atom follows mdat, ranged reads there). Raises MediaProbeError."""
    with open_media_url(url, max_bytes=max_header_bytes, allow_loopback=allow_loopback,
                        timeout=timeout, max_seconds=max_seconds) as head:
        return parse_media(head.data, total=head.total, read_at=head.read_at,
                           declared_mime=head.content_type, window=max_header_bytes)


def probe_file(source, *, max_header_bytes: int = HEAD_BYTES) -> MediaInfo:
    """Inspect a local file given as a path or a binary file object (position is kept)."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            return probe_file(fh, max_header_bytes=max_header_bytes)
    if not source.seekable():
        return parse_media(source.read(max_header_bytes), window=max_header_bytes)
    start = source.tell()

    def read_at(offset: int, length: int) -> bytes:
        source.seek(start + offset)
        return source.read(length)
    try:
        total = source.seek(0, os.SEEK_END) - start
        return parse_media(read_at(0, max_header_bytes), total=total, read_at=read_at,
                           window=max_header_bytes)
    finally:
        source.seek(start)


def sniff_format(head: bytes) -> str | None:
    """Format from magic bytes, whatever the name or Content-Type says."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        size = struct.unpack_from(">I", head)[0]
        brands = {head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)} | {head[8:12]}
        if brands & {b"avif", b"avis"}:
            return "avif"
        if brands & _HEIC_BRANDS or head[8:12] in (b"mif1", b"msf1"):
            return "heic"
        if head[8:12] == b"qt  ":
            return "mov"
        return "3gp" if head[8:11] == b"3gp" else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"  # QuickTime files may omit ftyp
    return None


def parse_media(head: bytes, *, total: int | None = None, read_at=None,
                declared_mime: str | None = None, window: int = HEAD_BYTES) -> MediaInfo:
    """MediaInfo from the first bytes of a file. `read_at(offset, length)` reads further (for
    a moov atom after mdat); `window` is how much one such read asks for."""
    fmt = sniff_format(head)
    if fmt is None:
        shown = f" (served as {declared_mime})" if declared_mime else ""
        raise MediaProbeError("unsupported_content_type", f"This is not an image or video "
                                                          f"Instagram accepts{shown}.")
    info = MediaInfo(kind="video" if fmt in _VIDEO_FORMATS else "image", format=fmt,
                     mime=_MIME[fmt], bytes=total, declared_mime=declared_mime)
    if fmt == "jpeg":
        _parse_jpeg(head, info)
    elif fmt == "png" and head[12:16] == b"IHDR" and len(head) >= 24:
        info.width, info.height = struct.unpack_from(">II", head, 16)
    elif fmt == "gif" and len(head) >= 10:
        info.width, info.height = struct.unpack_from("<HH", head, 6)
    elif fmt == "webp":
        _parse_webp(head, info)
    else:
        _walk_boxes(head, info, total, read_at, window)
    return info


def _parse_jpeg(data: bytes, info: MediaInfo) -> None:
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:  # fill byte, no length
            pos += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack_from(">H", data, pos + 2)[0]
        segment = data[pos + 4:pos + 2 + length]
        if marker in _SOF and len(segment) >= 5:
            info.height, info.width = struct.unpack_from(">HH", segment, 1)
            break
        if marker == 0xE1 and segment.startswith(b"Exif\0\0"):
            info.orientation = _exif_orientation(segment[6:])
        elif marker == 0xE2 and segment.startswith(b"MPF\0"):
            info.format = "mpo"  # multi-picture JPEG, which Meta rejects
        elif marker in (0xD9, 0xDA):  # end of image, start of scan: no SOF will follow
            break
        pos += 2 + length
    if info.orientation in (5, 6, 7, 8) and info.width is not None:
        info.width, info.height = info.height, info.width


def _exif_orientation(tiff: bytes) -> int | None:
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        ifd = struct.unpack_from(order + "I", tiff, 4)[0]
        for i in range(struct.unpack_from(order + "H", tiff, ifd)[0]):
            tag, _, _, value = struct.unpack_from(order + "HHIH", tiff, ifd + 2 + 12 * i)
            if tag == 0x0112:
                return value if 1 <= value <= 8 else None
    except (KeyError, struct.error):
        pass
    return None


def _parse_webp(data: bytes, info: MediaInfo) -> None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a" and len(data) >= 30:
        width, height = struct.unpack_from("<HH", data, 26)
        info.width, info.height = width & 0x3FFF, height & 0x3FFF
    elif chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        info.width, info.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8X" and len(data) >= 30:
        info.width = int.from_bytes(data[24:27], "little") + 1
        info.height = int.from_bytes(data[27:30], "little") + 1


def _box_header(data: bytes, pos: int):
    """(type, header length, size) of the ISO-BMFF box at `pos`, or None if cut off."""
    if pos + 8 > len(data):
        return None
    size, kind = struct.unpack_from(">I4s", data, pos)
    if size == 1:
        return (kind, 16, struct.unpack_from(">Q", data, pos + 8)[0]) if pos + 16 <= len(
            data) else None
    return kind, 8, size


def _children(data: bytes, start: int, end: int):
    """(type, body start, body end) of the boxes in [start, end), clipped to the data read."""
    end = min(end, len(data))
    while (header := _box_header(data, start)) and start + header[1] <= end:
        kind, header_len, size = header
        size = size or end - start
        if size < header_len:
            return
        yield kind, start + header_len, min(start + size, end)
        start += size


def _find(data: bytes, start: int, end: int, *path: bytes):
    for kind, body, body_end in _children(data, start, end):
        if kind == path[0]:
            return (body, body_end) if len(path) == 1 else _find(data, body, body_end, *path[1:])
    return None


def _walk_boxes(head: bytes, info: MediaInfo, total, read_at, window: int) -> None:
    """Walk top-level boxes, reading further with `read_at` when moov comes after mdat."""
    data, base, offset, hops = head, 0, 0, 0
    wanted = b"moov" if info.kind == "video" else b"meta"
    while total is None or offset < total:
        header = _box_header(data, offset - base)
        if header is None:
            if read_at is None or hops >= MAX_BOX_HOPS:
                return
            data, base, hops = read_at(offset, window), offset, hops + 1
            if len(data) < 16:
                return
            continue
        kind, header_len, size = header
        size = size or (total - offset if total else len(data) - (offset - base))
        if size < header_len:
            return
        if kind == b"mdat" and info.moov_before_mdat is None and info.kind == "video":
            info.moov_before_mdat = False
        elif kind == wanted:
            if offset > base and offset - base + size > len(data) and read_at \
                    and hops < MAX_BOX_HOPS:
                data, base, hops = read_at(offset, window), offset, hops + 1  # box cut off
            start = offset - base + header_len
            if kind == b"moov":
                info.moov_before_mdat = info.moov_before_mdat is None
                _parse_moov(data, start, start + size - header_len, info)
                if info.width is None and start + size - header_len <= len(data):
                    # All of moov was read (a cut-off one only leaves dimensions unknown).
                    raise MediaProbeError("video_unreadable", "The video has no readable "
                                          "video track: the file is damaged, or holds no "
                                          "video.")
            else:
                _parse_heif_meta(data, start + 4, start + size - header_len, info)
            return
        offset += size


def _parse_moov(data: bytes, start: int, end: int, info: MediaInfo) -> None:
    # Every read below stays within the box it reads (a box may be shorter than its type's
    # fields: damaged, or cut off where the read stopped).
    mvhd = _find(data, start, end, b"mvhd")
    if mvhd and mvhd[0] < mvhd[1]:
        version, body = data[mvhd[0]], mvhd[0]
        fmt, at = (">IQ", body + 20) if version == 1 else (">II", body + 12)
        if at + struct.calcsize(fmt) <= mvhd[1]:
            scale, duration = struct.unpack_from(fmt, data, at)
            if scale and duration not in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
                info.duration_s = duration / scale
    for kind, body, body_end in _children(data, start, end):
        if kind == b"trak" and info.width is None:
            _parse_trak(data, body, body_end, info)


def _parse_trak(data: bytes, start: int, end: int, info: MediaInfo) -> None:
    hdlr = _find(data, start, end, b"mdia", b"hdlr")
    if not hdlr or data[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
        return
    tkhd = _find(data, start, end, b"tkhd")
    matrix = tkhd and tkhd[0] < tkhd[1] and tkhd[0] + (52 if data[tkhd[0]] == 1 else 40)
    if matrix and matrix + 44 <= tkhd[1]:
        a, b = struct.unpack_from(">ii", data, matrix)
        width, height = (v >> 16 for v in struct.unpack_from(">II", data, matrix + 36))
        rotated = a == 0 and abs(b) == 0x10000
        info.width, info.height = (height, width) if rotated else (width, height)
    stsd = _find(data, start, end, b"mdia", b"minf", b"stbl", b"stsd")
    if stsd and stsd[0] + 16 <= stsd[1]:
        info.video_codec = data[stsd[0] + 12:stsd[0] + 16].decode("latin-1")


def _parse_heif_meta(data: bytes, start: int, end: int, info: MediaInfo) -> None:
    # Tiles and thumbnails have their own ispe; the largest is the full image.
    ipco = _find(data, start, end, b"iprp", b"ipco")
    sizes = [struct.unpack_from(">II", data, body + 4)
             for kind, body, body_end in (_children(data, *ipco) if ipco else ())
             if kind == b"ispe" and body_end - body >= 12]
    if sizes:
        info.width, info.height = max(sizes, key=lambda size: size[0] * size[1])
