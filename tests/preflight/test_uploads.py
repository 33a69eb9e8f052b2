"""Uploaded files: byte cap, Pillow verification, clean JPEG re-encoding, tokens and purging."""
import io
import os
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, features

from backend.services.instagram.preflight import uploads
from backend.services.instagram.preflight.uploads import (TOKEN_PATTERN, UploadRejected,
                                                          UploadTooLarge, purge_uploads,
                                                          resolve_upload, store_upload)

from .builders import image_bytes, mp4

MAX = 5 * 1024 * 1024


def store(data, tmp_path, name="photo", **options):
    options.setdefault("max_bytes", MAX)
    return store_upload(io.BytesIO(data), name, upload_dir=tmp_path, **options)


def rejected(data, tmp_path, **options):
    with pytest.raises(UploadRejected) as info:
        store(data, tmp_path, **options)
    assert os.listdir(tmp_path) == []  # nothing half-stored is left behind
    return info.value.code


def test_jpeg_is_reencoded_with_orientation_applied_and_gps_stripped(tmp_path):
    original = image_bytes(40, 20, orientation=6, gps=True, quality=95)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    stored = store(original, tmp_path)
    assert (stored.width, stored.height, stored.format) == (20, 40, "jpeg")
    assert (stored.original_format, stored.converted) == ("jpeg", False)
    with Image.open(stored.path) as img:
        assert (img.format, img.size) == ("JPEG", (20, 40))
        assert dict(img.getexif()) == {}
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(img.info)
        # Orientation 6 turns the red left half to the top.
        red, blue = img.getpixel((10, 5)), img.getpixel((10, 35))
        assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    assert stored.info.orientation is None and stored.bytes == os.path.getsize(stored.path)


def test_stored_name_is_an_unguessable_token(tmp_path):
    first, second = (store(image_bytes(10, 10), tmp_path) for _ in range(2))
    assert TOKEN_PATTERN.fullmatch(first.token) and first.token != second.token
    assert first.path == str(tmp_path / f"{first.token}.jpg")
    assert sorted(os.listdir(tmp_path)) == sorted([f"{first.token}.jpg",
                                                   f"{second.token}.jpg"])


@pytest.mark.parametrize("fmt, options, original", [
    ("PNG", {}, "png"), ("WEBP", {}, "webp"), ("GIF", {}, "gif"),
    ("JPEG", {"comment": b"secret"}, "jpeg")])
def test_other_formats_are_converted_to_jpeg(tmp_path, fmt, options, original):
    stored = store(image_bytes(30, 20, fmt, **options), tmp_path)
    assert (stored.format, stored.original_format) == ("jpeg", original)
    assert stored.converted is (original != "jpeg")
    with Image.open(stored.path) as img:
        assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (30, 20))
        assert "comment" not in img.info


def test_multi_picture_jpeg_keeps_its_first_picture(tmp_path):
    img = Image.new("RGB", (30, 20), "green")
    out = io.BytesIO()
    img.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (30, 20), "red")])
    stored = store(out.getvalue(), tmp_path)
    assert (stored.original_format, stored.converted, stored.info.format) == ("mpo", True, "jpeg")


@pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")
def test_avif_is_converted(tmp_path):
    assert store(image_bytes(30, 20, "AVIF"), tmp_path).original_format == "avif"


def test_transparency_is_flattened_on_white(tmp_path):
    img = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")
    with Image.open(store(out.getvalue(), tmp_path).path) as result:
        assert min(result.getpixel((5, 5))) > 245


def test_icc_profiles_are_removed_and_foreign_ones_converted(tmp_path, monkeypatch):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, b"not a profile"):
        with Image.open(store(image_bytes(20, 20, icc_profile=icc), tmp_path).path) as img:
            assert "icc_profile" not in img.info
    # Pretend the embedded profile is Display P3, to run the conversion path.
    converted = []
    real = ImageCms.profileToProfile
    monkeypatch.setattr(ImageCms, "getProfileDescription", lambda profile: "Display P3")
    monkeypatch.setattr(ImageCms, "profileToProfile",
                        lambda *args, **kwargs: converted.append(1) or real(*args, **kwargs))
    stored = store(image_bytes(20, 20, "PNG", icc_profile=srgb), tmp_path)
    assert converted and (stored.width, stored.height) == (20, 20)


def test_wide_images_are_scaled_down_for_the_feed(tmp_path):
    stored = store(image_bytes(2000, 1000), tmp_path, max_width=1440)
    assert (stored.width, stored.height) == (1440, 720)
    assert (store(image_bytes(2000, 1000), tmp_path).width) == 2000


@pytest.mark.parametrize("seconds, major, suffix", [(9.5, b"isom", ".mp4"),
                                                    (4.0, b"qt  ", ".mov")])
def test_videos_are_stored_as_they_are(tmp_path, seconds, major, suffix):
    data = mp4(seconds=seconds, major=major)
    stored = store(data, tmp_path, name="clip")
    assert stored.path.endswith(suffix) and Path(stored.path).read_bytes() == data
    assert (stored.converted, stored.bytes, stored.info.duration_s) == (False, len(data), seconds)
    assert (stored.width, stored.height) == (1080, 1920)


def test_too_large_is_refused_without_reading_everything(tmp_path):
    class Endless(io.RawIOBase):
        read_bytes = 0

        def readinto(self, buffer):
            buffer[:] = bytes(len(buffer))
            Endless.read_bytes += len(buffer)
            return len(buffer)
    with pytest.raises(UploadTooLarge) as info:
        store_upload(Endless(), "huge.jpg", upload_dir=tmp_path, max_bytes=3_000_000)
    assert info.value.code == "upload_too_large" and "huge.jpg" in info.value.message
    assert Endless.read_bytes <= 3_000_000 + uploads.CHUNK_BYTES
    assert os.listdir(tmp_path) == []


def test_exactly_max_bytes_is_accepted(tmp_path):
    data = image_bytes(10, 10)
    assert store(data, tmp_path, max_bytes=len(data)).original_format == "jpeg"


@pytest.mark.parametrize("data, code", [
    (b"", "upload_empty"), (b"hello, not an image", "upload_not_media"),
    (image_bytes(10, 10, "BMP"), "upload_not_media"),
    (image_bytes(10, 10, "TIFF"), "upload_not_media"),
    (image_bytes(40, 40)[:200], "upload_not_media"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "upload_not_media")])
def test_files_that_are_not_publishable_images_are_rejected(tmp_path, data, code):
    assert rejected(data, tmp_path) == code


def test_decompression_bombs_are_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert rejected(image_bytes(100, 100, "PNG"), tmp_path) == "image_too_many_pixels"
    # Between the limit and twice the limit Pillow only warns: that is refused too.
    with pytest.warns(Image.DecompressionBombWarning):
        assert rejected(image_bytes(40, 40, "PNG"), tmp_path) == "image_too_many_pixels"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert rejected(image_bytes(40, 40, "PNG"), tmp_path) == "image_too_many_pixels"


def test_resolve_upload_accepts_only_exact_tokens(tmp_path):
    stored = store(image_bytes(10, 10), tmp_path)
    assert resolve_upload(tmp_path, stored.token) == stored.path
    for token in (f"../{stored.token}", stored.token + ".jpg", stored.token[:-1],
                  f"{stored.token}/../{stored.token}", "", None, "/etc/passwd",
                  "." * 32):
        assert resolve_upload(tmp_path, token) is None
    other = "A" * 32
    (tmp_path / f"{other}.jpg").symlink_to("/etc/hostname")
    assert resolve_upload(tmp_path, other) is None


def test_purge_removes_old_files_except_kept_ones(tmp_path):
    now = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
    old, kept, fresh = (store(image_bytes(10, 10), tmp_path) for _ in range(3))
    leftover = tmp_path / ("B" * 32 + ".part")
    leftover.write_bytes(b"partial")
    stranger = tmp_path / "notes.txt"
    stranger.write_text("not ours")
    two_days_ago = (now - timedelta(days=2)).timestamp()
    for path in (old.path, kept.path, leftover, stranger):
        os.utime(path, (two_days_ago, two_days_ago))
    os.utime(fresh.path, (now.timestamp(), now.timestamp()))
    assert purge_uploads(tmp_path, now - timedelta(days=1), keep={kept.token}) == 2
    assert sorted(os.listdir(tmp_path)) == sorted([f"{kept.token}.jpg", f"{fresh.token}.jpg",
                                                   "notes.txt"])
    # A naive datetime is taken as UTC.
    assert purge_uploads(tmp_path, datetime(2025, 6, 1, 13)) == 2
    assert purge_uploads(tmp_path / "missing", now) == 0
