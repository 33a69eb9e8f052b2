"""Header parsers: format sniffing, dimensions, orientation, duration, moov position."""
import io
import struct

import pytest
from PIL import Image, features

from backend.services.instagram.preflight.probe import MediaProbeError, parse_media, probe_file

from .builders import ROTATE_90, box, ftyp, full_box, heic, image_bytes, moov, mp4, trak


def dims(info):
    return info.format, info.width, info.height


@pytest.mark.parametrize("fmt, options, expected", [
    ("JPEG", {}, "jpeg"), ("JPEG", {"progressive": True}, "jpeg"), ("PNG", {}, "png"),
    ("GIF", {}, "gif"), ("WEBP", {}, "webp"), ("WEBP", {"lossless": True}, "webp"),
    ("WEBP", {"exif": Image.Exif()}, "webp")])
def test_image_dimensions_from_headers(fmt, options, expected):
    info = parse_media(image_bytes(301, 157, fmt, **options))
    assert (info.kind, *dims(info)) == ("image", expected, 301, 157)
    assert info.aspect_ratio == pytest.approx(301 / 157)


def test_webp_variants_are_each_parsed():
    chunks = {image_bytes(9, 9, "WEBP", **options)[12:16]
              for options in ({}, {"lossless": True}, {"orientation": 1})}
    assert chunks == {b"VP8 ", b"VP8L", b"VP8X"}


@pytest.mark.parametrize("orientation, expected", [(1, (40, 20)), (3, (40, 20)), (5, (20, 40)),
                                                   (6, (20, 40)), (8, (20, 40))])
def test_exif_orientation_gives_displayed_dimensions(orientation, expected):
    info = parse_media(image_bytes(40, 20, orientation=orientation))
    assert (info.width, info.height, info.orientation) == (*expected, orientation)


def handmade_jpeg(tiff: bytes, sof_marker=0xC2, width=640, height=480):
    app1 = b"Exif\0\0" + tiff
    sof = struct.pack(">BHHB", 8, height, width, 3) + bytes(9)
    return (b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
            + b"\xff\xff" + bytes([0xFF, sof_marker]) + struct.pack(">H", len(sof) + 2) + sof
            + b"\xff\xda\x00\x02")


def test_big_endian_exif_and_progressive_sof_with_fill_bytes():
    tiff = b"MM\0*" + struct.pack(">IHHHIHH", 8, 1, 0x0112, 3, 1, 6, 0)
    info = parse_media(handmade_jpeg(tiff))
    assert (info.width, info.height, info.orientation) == (480, 640, 6)


def test_corrupt_exif_is_ignored():
    info = parse_media(handmade_jpeg(b"XX garbage"))
    assert (info.width, info.height, info.orientation) == (640, 480, None)


def test_multi_picture_jpeg_is_reported_as_mpo():
    img = Image.new("RGB", (30, 20), "green")
    out = io.BytesIO()
    img.save(out, "MPO", save_all=True, append_images=[img])
    info = parse_media(out.getvalue())
    assert (info.format, info.mime, info.width) == ("mpo", "image/jpeg", 30)


def test_heic_takes_the_largest_ispe():
    info = parse_media(heic())
    assert (info.kind, *dims(info)) == ("image", "heic", 4032, 3024)


@pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")
def test_avif_from_pillow():
    info = parse_media(image_bytes(64, 48, "AVIF"))
    assert dims(info) == ("avif", 64, 48)


def test_mp4_with_moov_first():
    info = parse_media(mp4(seconds=12.5, width=1080, height=1920))
    assert (info.kind, *dims(info)) == ("video", "mp4", 1080, 1920)
    assert (info.duration_s, info.video_codec, info.moov_before_mdat) == (12.5, "avc1", True)


def test_mvhd_and_tkhd_version_1():
    info = parse_media(mp4(seconds=3600.0, timescale=90000, mvhd_version=1, version=1,
                           width=1280, height=720))
    assert (info.duration_s, info.width, info.height) == (3600.0, 1280, 720)


def test_rotation_matrix_swaps_dimensions():
    info = parse_media(mp4(width=1920, height=1080, matrix=ROTATE_90, codec=b"hvc1"))
    assert (info.width, info.height, info.video_codec) == (1080, 1920, "hvc1")


def test_mov_brand_and_quicktime_without_ftyp():
    assert parse_media(mp4(major=b"qt  ")).format == "mov"
    bare = moov(seconds=4.0) + box(b"mdat", bytes(16))
    info = parse_media(bare)
    assert (info.format, info.mime, info.duration_s) == ("mov", "video/quicktime", 4.0)


def test_3gp_is_a_video_of_another_format():
    info = parse_media(ftyp(b"3gp5", (b"3gp5",)) + moov(seconds=5.0))
    assert (info.kind, info.format) == ("video", "3gp")


def test_moov_after_mdat_in_a_file_is_read_with_a_seek(tmp_path):
    path = tmp_path / "late.mp4"
    path.write_bytes(mp4(seconds=61.0, moov_first=False, mdat_bytes=300_000))
    info = probe_file(path, max_header_bytes=2048)
    assert (info.duration_s, info.moov_before_mdat, info.bytes) == (61.0, False,
                                                                    path.stat().st_size)


def test_large_mdat_size_and_mdat_to_end_of_file():
    large = struct.pack(">I4sQ", 1, b"mdat", 16 + 100) + bytes(100)
    info = parse_media(ftyp() + large + moov(seconds=7.0))
    assert (info.duration_s, info.moov_before_mdat) == (7.0, False)
    to_end = struct.pack(">I4s", 0, b"mdat") + bytes(100)
    info = parse_media(ftyp() + moov(seconds=8.0) + to_end)
    assert (info.duration_s, info.moov_before_mdat) == (8.0, True)


def test_unknown_duration_is_none():
    header = box(b"moov", full_box(b"mvhd", 0, struct.pack(">IIII", 0, 0, 600, 0xFFFFFFFF)
                                   + bytes(80)) + trak(b"vide", 1080, 1920))
    assert parse_media(ftyp() + header).duration_s is None


def test_file_object_keeps_its_position_and_a_pipe_works():
    data = b"junk" + image_bytes(50, 60, "PNG")
    fh = io.BytesIO(data)
    fh.seek(4)
    info = probe_file(fh)
    assert (dims(info), info.bytes, fh.tell()) == (("png", 50, 60), len(data) - 4, 4)

    class Pipe(io.RawIOBase):
        def __init__(self, payload):
            self.stream = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self.stream.readinto(buffer)
    info = probe_file(io.BufferedReader(Pipe(image_bytes(50, 60, "GIF"))))
    assert (dims(info), info.bytes) == (("gif", 50, 60), None)


@pytest.mark.parametrize("data", [b"", b"hello world", b"<html></html>", b"BM" + bytes(60),
                                  b"%PDF-1.7\n"])
def test_unrecognised_bytes_raise_unsupported_content_type(data):
    with pytest.raises(MediaProbeError) as info:
        parse_media(data, declared_mime="image/png")
    assert info.value.code == "unsupported_content_type"
    assert "image/png" in info.value.message


@pytest.mark.parametrize("data", [image_bytes(40, 30, orientation=6), image_bytes(40, 30, "PNG"),
                                  image_bytes(40, 30, "WEBP"), heic(),
                                  mp4(moov_first=False, mdat_bytes=64), mp4(version=1)])
def test_truncated_files_never_crash(data):
    for cut in range(3, len(data), max(1, len(data) // 97)):
        try:
            parse_media(data[:cut])
        except MediaProbeError as error:
            assert error.code == "unsupported_content_type"


def test_to_dict_includes_the_aspect_ratio():
    info = parse_media(image_bytes(100, 50))
    assert info.to_dict()["aspect_ratio"] == 2.0
    assert info.to_dict()["format"] == "jpeg"
