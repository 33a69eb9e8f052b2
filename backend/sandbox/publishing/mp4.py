"""MP4/MOV boxes: building the sample videos and reading a video's header boxes back."""
import struct
from dataclasses import dataclass

TIMESCALE = 1000
MAX_MOOV_BYTES = 4 * 1024 * 1024
_MAX_TOP_BOXES = 64
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_BRANDS = {"mp4": (b"isom", 0x200, (b"isom", b"iso2", b"avc1", b"mp41")),
           "mov": (b"qt  ", 0, (b"qt  ",))}


def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind, version, flags, payload):
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _ftyp(container):
    major, minor, compatible = _BRANDS[container]
    return box(b"ftyp", major + struct.pack(">I", minor) + b"".join(compatible))


def _moov(duration_ms, width, height):
    mvhd = full_box(b"mvhd", 0, 0, struct.pack(">4I", 0, 0, TIMESCALE, duration_ms)
                    + struct.pack(">IH", 0x10000, 0x100) + bytes(10) + _MATRIX + bytes(24)
                    + struct.pack(">I", 2))
    tkhd = full_box(b"tkhd", 0, 3, struct.pack(">5I", 0, 0, 1, 0, duration_ms) + bytes(8)
                    + struct.pack(">4H", 0, 0, 0, 0) + _MATRIX
                    + struct.pack(">2I", width << 16, height << 16))
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">4I", 0, 0, TIMESCALE, duration_ms)
                    + struct.pack(">2H", 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, struct.pack(">I4s", 0, b"vide") + bytes(12)
                    + b"VideoHandler\0")
    return box(b"moov", mvhd + box(b"trak", tkhd + box(b"mdia", mdhd + hdlr)))


def sample_video_parts(duration, width, height, container="mp4", moov_end=False,
                       payload_bytes=1024):
    """The parts of a sample video: bytes, and ints standing for that many zero bytes (the
    mdat payload, streamed lazily so a "large" video costs nothing to serve)."""
    head = _ftyp(container)
    moov = _moov(round(duration * TIMESCALE), width, height)
    if payload_bytes + 8 < 2 ** 32:
        mdat = [struct.pack(">I4s", payload_bytes + 8, b"mdat"), payload_bytes]
    else:
        mdat = [struct.pack(">I4sQ", 1, b"mdat", payload_bytes + 16), payload_bytes]
    return [head] + (mdat + [moov] if moov_end else [moov] + mdat)


@dataclass
class VideoInfo:
    """What a video's boxes say; `duration` is None when no readable moov box was found."""

    container: str  # mp4 or mov
    duration: float = None
    width: int = None
    height: int = None
    has_video: bool = False
    moov_first: bool = True


def container_of(head):
    """'mp4' or 'mov' from an ftyp box at the start, else None."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    return "mov" if head[8:12] == b"qt  " else "mp4"


def probe_video(read_at, total):
    """Walk the top-level boxes (ranged reads, skipping mdat) and parse the moov box."""
    container = container_of(read_at(0, 16))
    if container is None:
        return None
    info = VideoInfo(container)
    offset, mdat_seen = 0, False
    for _ in range(_MAX_TOP_BOXES):
        header = read_at(offset, 16)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header[:8])
        header_len = 8
        if size == 1 and len(header) >= 16:
            size, header_len = struct.unpack(">Q", header[8:16])[0], 16
        elif size == 0:
            size = (total - offset) if total else MAX_MOOV_BYTES
        if size < header_len:
            break
        if kind == b"moov":
            info.moov_first = not mdat_seen
            _parse_moov(read_at(offset + header_len, min(size - header_len, MAX_MOOV_BYTES)),
                        info)
            break
        mdat_seen = mdat_seen or kind == b"mdat"
        offset += size
        if total is not None and offset >= total:
            break
    return info


def _children(data):
    """(kind, payload) of the boxes laid end to end in `data`."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        header_len = 8
        if size == 1 and offset + 16 <= len(data):
            size, header_len = struct.unpack_from(">Q", data, offset + 8)[0], 16
        if size < header_len:
            return
        yield kind, data[offset + header_len:offset + size]
        offset += size


def _parse_moov(data, info):
    for kind, payload in _children(data):
        if kind == b"mvhd" and len(payload) >= 20:
            if payload[0] == 1 and len(payload) >= 32:
                timescale, duration = struct.unpack_from(">IQ", payload, 20)
            else:
                timescale, duration = struct.unpack_from(">II", payload, 12)
            info.duration = duration / timescale if timescale else None
        elif kind == b"trak":
            _parse_trak(payload, info)


def _parse_trak(data, info):
    size, is_video = None, False
    for kind, payload in _children(data):
        if kind == b"tkhd":
            at = 88 if payload[:1] == b"\x01" else 76
            if len(payload) >= at + 8:
                width, height = struct.unpack_from(">II", payload, at)
                size = (width >> 16, height >> 16)
        elif kind == b"mdia":
            is_video = any(k == b"hdlr" and p[8:12] == b"vide" for k, p in _children(payload))
    if is_video and not info.has_video:
        info.has_video = True
        if size:
            info.width, info.height = size
