"""The Instagram preview page's HTML: escaping, highlighting, validation panel, media layout."""
import re

import pytest

from backend.services.instagram.preflight.preview_page import (frame_ratio, highlight,
                                                               render_preview_html)
from tests.preflight.preview_samples import XSS_CAPTION, media_item, preview

ACCOUNT = {"username": "shop.example", "profile_picture_url": "https://cdn.example.com/me.jpg"}


def test_caption_markup_stays_text_and_tags_are_highlighted():
    page = render_preview_html(preview(caption=XSS_CAPTION), ACCOUNT)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<span class="ig-tag ig-hashtag">#tag</span>' in page
    assert '<span class="ig-tag ig-mention">@friend</span>' in page
    assert '<b class="ig-user">shop.example</b>' in page


def test_highlight_never_treats_escaped_entities_or_emails_as_tags():
    html = highlight("it's \"5\" & <b>#ok</b> mail a@b.com, @x. AT&T#1 #café")
    assert "<b>" not in html
    assert "&#39;" in html and "&amp;" in html and "&#34;" in html
    tags = re.findall(r'<span class="ig-tag ig-(\w+)">([^<]*)</span>', html)
    assert tags == [("hashtag", "#ok"), ("mention", "@x"), ("hashtag", "#café")]


def test_more_suffix_is_grey_and_caption_newlines_survive():
    page = render_preview_html(preview(caption="line one\nline two\nline three #x",
                                       feed_preview="line one\nline two... more"), ACCOUNT)
    assert 'line one\nline two<span class="ig-more">... more</span>' in page
    assert "line three" not in page.split('class="ig-caption"')[1].split("</div>")[0]


def test_error_messages_fields_and_usernames_are_escaped():
    bad = "<img src=x onerror=alert(2)>"
    page = render_preview_html(
        preview(valid=False, errors=[{"field": f"caption{bad}", "code": f"c{bad}",
                                      "message": f"Too many {bad}"}],
                warnings=[{"field": "image_url", "code": "w", "message": f"Low {bad}"}]),
        {"username": f"u{bad}", "profile_picture_url": None})
    assert "<img src=x" not in page
    assert page.count("&lt;img src=x onerror=alert(2)&gt;") >= 5
    assert '<li class="error">' in page and '<li class="warning">' in page


def test_ready_to_publish_only_when_valid():
    assert "Ready to publish" in render_preview_html(preview(), ACCOUNT)
    page = render_preview_html(preview(valid=False, errors=[
        {"field": "caption", "code": "too_many_hashtags", "message": "Hashtags 31; max 30."}]),
        ACCOUNT)
    assert "Ready to publish" not in page
    assert "Hashtags 31; max 30." in page and "too_many_hashtags" in page


def test_carousel_renders_one_media_element_per_item_and_dots():
    items = [media_item(f"https://cdn.example.com/{i}.jpg", field=f"items[{i}].image_url")
             for i in range(3)]
    items.append(media_item("https://cdn.example.com/3.mp4", field="items[3].video_url",
                            kind="video"))
    page = render_preview_html(preview(kind="carousel", media=items), ACCOUNT)
    assert page.count('<img class="ig-image"') == 3
    assert page.count('<video class="ig-video"') == 1
    assert page.count('<div class="ig-slide">') == 4
    assert '<span class="ig-counter">1/4</span>' in page
    dots = page.split('<div class="ig-dots">')[1].split("</div>")[0]
    assert dots.count("<span") == 4 and dots.count('class="on"') == 1


def test_video_items_use_video_and_reels_are_nine_by_sixteen():
    reel = media_item("https://cdn.example.com/r.mp4", field="video_url", kind="video",
                      width=1080, height=1920)
    page = render_preview_html(preview(kind="reel", media=[reel]), ACCOUNT)
    assert '<video class="ig-video" src="https://cdn.example.com/r.mp4"' in page
    assert "<img class=\"ig-image\"" not in page
    assert "aspect-ratio:0.5625" in page and "12.5 s" in page


@pytest.mark.parametrize("width,height,expected", [
    (1080, 1350, 0.8), (1080, 1920, 0.8), (1080, 1080, 1.0), (1920, 600, 1.91),
    (1200, 800, 1.5), (None, None, 1.0)])
def test_feed_frame_is_the_image_ratio_clamped(width, height, expected):
    item = media_item(width=width, height=height, aspect_ratio=None)
    assert frame_ratio("feed", [item]) == pytest.approx(expected)
    assert frame_ratio("story", [item]) == pytest.approx(9 / 16)


def test_account_defaults_placeholder_avatar_and_unsafe_urls():
    page = render_preview_html(preview(media=[media_item("javascript:alert(3)")]), None)
    assert "your_account" in page
    assert '<span class="ig-avatar">y</span>' in page
    assert "javascript:" not in page and "Media not available" in page
    page = render_preview_html(preview(), ACCOUNT)
    assert '<img class="ig-avatar" src="https://cdn.example.com/me.jpg"' in page


def test_counts_and_media_facts_with_null_facts():
    item = {"field": "image_url", "url": "https://cdn.example.com/x.png", "kind": "image",
            "format": None, "width": None, "height": None, "aspect_ratio": None,
            "bytes": None, "duration_s": None, "will_convert_to_jpeg": True}
    body = dict(preview(media=[item]), counts={"characters": 2300, "hashtags": 3,
                                               "mentions": 1})
    page = render_preview_html(body, ACCOUNT)
    assert '<td class="over">2300/2200</td>' in page
    assert "<td>3/30</td>" in page and "<td>1/20</td>" in page
    assert "will be converted to JPEG" in page and "unknown" in page
    page = render_preview_html(preview(), ACCOUNT)
    assert "1080 x 1350" in page and "0.80" in page and "120.6 KB" in page


def test_page_is_standalone_without_scripts_or_external_resources():
    page = render_preview_html(preview(), ACCOUNT)
    assert page.startswith("<!DOCTYPE html>")
    assert 'class="ig-post' in page and "<style>" in page
    assert "<link" not in page and "<script" not in page.lower()
    urls = set(re.findall(r'(?:src|href)="([^"]+)"', page))
    assert urls == {"https://cdn.example.com/a.jpg", "https://cdn.example.com/me.jpg"}
