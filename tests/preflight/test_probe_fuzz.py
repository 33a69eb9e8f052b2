"""Mutation fuzzing of the media parsers: whatever the bytes, the probe answers a MediaInfo or
a MediaProbeError, never another exception (a 500 on every route that probes media).

A mutation fuzz found 668 inputs that crashed the MP4 parser (a moov whose mvhd or tkhd
stopped at its header); these tests would have found the first at once. Bounded: a fixed
number of examples, derandomized, so the run takes a second or two and fails the same way
every time.
"""
import math
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.services.instagram.preflight.probe import MediaProbeError, parse_media

from .builders import box, ftyp, full_box, heic, image_bytes, moov, mp4, mvhd, tkhd

SEEDS = (mp4(), mp4(moov_first=False), mp4(major=b"qt  ", mvhd_version=1, version=1),
         mp4(mdat_bytes=4000, moov_first=False), heic(), image_bytes(64, 48),
         image_bytes(64, 48, orientation=6), image_bytes(64, 48, "PNG"),
         image_bytes(64, 48, "WEBP"), image_bytes(64, 48, "GIF"))
BOX_TYPES = (b"ftyp", b"moov", b"mvhd", b"trak", b"tkhd", b"mdia", b"hdlr", b"minf", b"stbl",
             b"stsd", b"mdat", b"meta", b"iprp", b"ipco", b"ispe")
SPECIAL_U32 = (0, 1, 7, 8, 9, 12, 15, 16, 20, 0xFFFFFFFF, 0x7FFFFFFF)
FUZZ = settings(max_examples=1500, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def landmarks(data):
    """Where structure is: each box's size field and the ends of its header and body (and a
    JPEG's markers), so mutations hit what parsers read rather than pixels."""
    marks = set()
    for kind in BOX_TYPES:
        at = data.find(kind)
        while at >= 4:
            size = struct.unpack_from(">I", data, at - 4)[0]
            marks.update((at - 4, at + 4, at + 5, at + 8, min(len(data), at - 4 + size)))
            at = data.find(kind, at + 1)
    marks.update(i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] != 0)
    return sorted(m for m in marks if 0 <= m <= len(data)) or [0]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        anywhere = st.integers(0, max(0, len(data) - 1))
        at = draw(st.sampled_from(landmarks(bytes(data))) | anywhere)
        kind = draw(st.sampled_from(("byte", "cut", "u32", "insert")))
        if kind == "byte" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            data = data[:at]
        elif kind == "u32" and len(data) >= 4:
            struct.pack_into(">I", data, min(at, len(data) - 4),
                             draw(st.sampled_from(SPECIAL_U32) | st.integers(0, 2**32 - 1)))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def assert_sane(data, **reading):
    try:
        info = parse_media(data, **reading)
    except MediaProbeError as exc:
        assert exc.code and exc.message
        return
    for value in (info.width, info.height):
        assert value is None or (isinstance(value, int) and value >= 0)
    assert info.duration_s is None or (math.isfinite(info.duration_s) and info.duration_s >= 0)


@FUZZ
@given(mutated())
def test_any_mutation_of_a_media_file_is_parsed_or_refused(data):
    # As a URL's first bytes (nothing more to read), and as a file read further in small
    # windows (a moov after mdat, or cut off by the window).
    assert_sane(data)
    assert_sane(data[:64], total=len(data), window=64,
                read_at=lambda offset, length: data[offset:offset + length])


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_behind_a_media_signature_are_parsed_or_refused(tail):
    for head in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP", b"GIF89a",
                 ftyp(), b"\0\0\0\x10moov", ftyp(b"heic", (b"mif1",))):
        assert_sane(head + tail)


def test_the_reported_inputs_are_refused():
    # 36 bytes: ftyp, then a moov holding an mvhd of its 8-byte header only.
    issue = ftyp(b"isom", (b"isom",)) + box(b"moov", box(b"mvhd"))
    assert len(issue) == 36
    header_only_tkhd = ftyp() + box(b"moov", mvhd(600, 6000) + box(b"trak", box(b"tkhd")))
    short_tkhd = ftyp() + box(b"moov", mvhd(600, 6000) + box(b"trak", tkhd(1080, 1920)[:20]))
    version_only = ftyp() + box(b"moov", full_box(b"mvhd", 1, b"") + box(b"trak"))
    for data in (issue, header_only_tkhd, short_tkhd, version_only, ftyp() + box(b"moov")):
        try:
            parse_media(data)
        except MediaProbeError as exc:
            assert exc.code == "video_unreadable"
        else:
            raise AssertionError(f"accepted {data!r}")


def test_a_moov_cut_off_by_the_read_only_leaves_dimensions_unknown():
    # A URL's first bytes may stop inside moov: that is not damage, only unknown.
    data = mp4()
    cut = data.index(b"trak") + 4
    info = parse_media(data[:cut])
    assert (info.kind, info.width, info.duration_s) == ("video", None, 10.0)
    assert parse_media(ftyp() + moov()[:40]).width is None
