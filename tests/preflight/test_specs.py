"""Media specs per use (contract 2.7) on probed media."""
import pytest

from backend.services.instagram.preflight import specs
from backend.services.instagram.preflight.probe import MediaInfo
from backend.services.instagram.preflight.specs import (check_carousel_media, check_media,
                                                        media_summary)

MIB, MB = 1024 * 1024, 1000 * 1000


def image(width=1080, height=1350, fmt="jpeg", size=2 * MIB, **extra):
    mime = {"jpeg": "image/jpeg"}.get(fmt, f"image/{fmt}")
    return MediaInfo("image", fmt, mime, width, height, size, **extra)


def video(seconds=10.0, width=1080, height=1920, fmt="mp4", size=50 * MB, **extra):
    extra = {"video_codec": "avc1", "moov_before_mdat": True, **extra}
    return MediaInfo("video", fmt, "video/mp4", width, height, size, seconds, **extra)


def found(problems):
    return {(p.field, p.code, p.severity) for p in problems}


def codes(problems):
    return {p.code for p in problems}


@pytest.mark.parametrize("use, info", [
    ("feed_image", image()), ("feed_image", image(1080, 1080)), ("feed_image", image(1080, 566)),
    ("carousel_image", image(1080, 1352)), ("story_image", image(1080, 1920)),
    ("reel_cover", image(1080, 1920)), ("reel_video", video()), ("story_video", video(60.0)),
    ("carousel_video", video(14 * 60.0, 1080, 1080))])
def test_media_within_the_specs_has_no_problems(use, info):
    assert check_media(info, use) == []


def test_png_by_url_is_an_error_that_explains_the_way_out():
    [problem] = check_media(image(fmt="png"), "feed_image")
    assert (problem.field, problem.code, problem.severity) == (
        "media", "image_format_not_supported", "error")
    assert "only accepts JPEG" in problem.message and "upload" in problem.message


@pytest.mark.parametrize("fmt", ["png", "webp", "gif", "mpo"])
def test_uploaded_non_jpeg_will_be_converted(fmt):
    problems = check_media(image(fmt=fmt), "carousel_image", hosted_by_platform=True)
    assert found(problems) == {("media", "will_convert", "warning")}
    assert media_summary(image(fmt=fmt), hosted_by_platform=True)["will_convert_to_jpeg"]


def test_heic_upload_depends_on_the_installed_converter(monkeypatch):
    monkeypatch.setattr(specs, "convertible_formats", lambda: frozenset({"png"}))
    [problem] = check_media(image(fmt="heic"), "feed_image", hosted_by_platform=True)
    assert problem.code == "image_format_not_supported" and "export it as JPEG" in problem.message
    monkeypatch.setattr(specs, "convertible_formats", lambda: frozenset({"heic"}))
    assert codes(check_media(image(fmt="heic"), "feed_image", hosted_by_platform=True)) == {
        "will_convert"}


def test_image_over_8_mib():
    big = image(size=8 * MIB + 1)
    assert found(check_media(big, "feed_image")) == {("media", "image_too_large", "error")}
    assert check_media(image(size=8 * MIB), "feed_image") == []
    # A converted upload gets a new size, so the limit is only a warning before conversion.
    converted = check_media(image(fmt="png", size=9 * MIB), "feed_image", hosted_by_platform=True)
    assert ("media", "image_too_large", "warning") in found(converted)


@pytest.mark.parametrize("width, height", [(1080, 1920), (1080, 1400), (1080, 1360), (1400, 700)])
def test_feed_aspect_ratio_outside_4_5_to_1_91(width, height):
    [problem] = check_media(image(width, height), "feed_image", field="image_url")
    assert (problem.field, problem.code) == ("image_url", "aspect_ratio_out_of_range")
    assert f"{width / height:.3f}" in problem.message
    assert "4:5" in problem.message and "1.91:1" in problem.message


@pytest.mark.parametrize("width, expected", [(200, 320), (2000, 1440)])
def test_widths_outside_320_1440_are_scaled(width, expected):
    [problem] = check_media(image(width, width), "feed_image")
    assert (problem.code, problem.severity) == ("image_width_scaled", "warning")
    assert f"{expected} px" in problem.message


def test_story_image_not_9_16_is_a_warning():
    assert found(check_media(image(1080, 1080), "story_image")) == {
        ("media", "aspect_ratio_not_recommended", "warning")}


def test_unknown_size_and_dimensions_are_warnings_not_silent_passes():
    problems = check_media(image(None, None, size=None), "feed_image")
    assert found(problems) == {("media", "size_unknown", "warning"),
                               ("media", "dimensions_unknown", "warning")}
    problems = check_media(video(None, None, None, size=None), "reel_video")
    assert codes(problems) == {"duration_unknown", "size_unknown", "dimensions_unknown"}


@pytest.mark.parametrize("declared, expected", [
    ("image/jpeg", set()), ("image/jpg", set()), ("IMAGE/JPEG; charset=binary", set()),
    (None, set()), ("text/html", {"content_type_mismatch"}),
    ("image/png", {"content_type_mismatch"})])
def test_declared_content_type_mismatch_is_a_warning(declared, expected):
    assert codes(check_media(image(declared_mime=declared), "feed_image")) == expected


def test_media_kind_mismatch():
    [problem] = check_media(image(), "reel_video")
    assert problem.code == "media_kind_mismatch"
    assert codes(check_media(video(), "feed_image")) == {"media_kind_mismatch"}


@pytest.mark.parametrize("use, info, code", [
    ("reel_video", video(2.9), "video_too_short"),
    ("reel_video", video(15 * 60 + 1.0), "video_too_long"),
    ("reel_video", video(size=300 * MB + 1), "video_too_large"),
    ("story_video", video(2.0), "video_too_short"),
    ("story_video", video(60.5), "video_too_long"),
    ("story_video", video(size=100 * MB + 1), "video_too_large"),
    ("carousel_video", video(15 * 60 + 1.0, 1080, 1080), "video_too_long"),
    ("reel_video", video(fmt="3gp"), "video_format_not_supported"),
    ("reel_video", video(width=100, height=19200), "aspect_ratio_out_of_range"),
    ("story_video", video(width=100, height=1920), "aspect_ratio_out_of_range")])
def test_video_limits_are_errors(use, info, code):
    problems = [p for p in check_media(info, use) if p.severity == "error"]
    assert [(p.field, p.code) for p in problems] == [("media", code)]


def test_video_limit_messages_name_the_limit():
    [problem] = check_media(video(61.0), "story_video")
    assert "61.0 s" in problem.message and "3 s to 1 min" in problem.message
    [problem] = check_media(video(size=301 * MB), "reel_video")
    assert "300 MB" in problem.message


@pytest.mark.parametrize("info, code", [
    (video(moov_before_mdat=False), "moov_not_first"),
    (video(video_codec="mp4v"), "video_codec_not_recommended"),
    (video(width=2160, height=3840), "video_too_wide"),
    (video(width=1920, height=1080), "aspect_ratio_not_recommended")])
def test_video_warnings(info, code):
    assert found(check_media(info, "reel_video")) == {("media", code, "warning")}


def test_media_summary_for_the_preview():
    summary = media_summary(video(12.0, 1080, 1920))
    assert summary == {"kind": "video", "format": "mp4", "width": 1080, "height": 1920,
                       "aspect_ratio": 0.562, "bytes": 50 * MB, "duration_s": 12.0,
                       "will_convert_to_jpeg": False}
    assert media_summary(image(fmt="png"))["will_convert_to_jpeg"] is False  # not hosted


def test_carousel_items_with_another_ratio_are_cropped():
    problems = check_carousel_media([image(1080, 1080), image(1080, 1080), image(1080, 1350)])
    assert found(problems) == {("items[2]", "carousel_ratio_mismatch", "warning")}
    assert check_carousel_media([]) == []
