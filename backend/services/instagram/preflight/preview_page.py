"""Standalone HTML page showing a post preview as the Instagram feed would, plus its checks."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from markupsafe import escape

from backend.services.instagram.preflight.rules import MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS

FEED_MIN_RATIO, FEED_MAX_RATIO, TALL_RATIO = 0.8, 1.91, 9 / 16
_MORE = "... more"
# Same rules as post_rules: "#" glued to a word does not start a tag; "@" not after word/dot/@.
_HASH_START = re.compile(r"(?<![\w&#])#")
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._]+)")
# No script may run at all; media may come from any http(s) host (or be inlined as data:).
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; "
        "media-src http: https: data:")

_CSS = """
*{box-sizing:border-box}body{margin:0;background:#fafafa;color:#262626;
font:14px/18px -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.page{max-width:470px;margin:16px auto;padding:0 8px}
.ig-post{background:#fff;border:1px solid #dbdbdb;border-radius:8px;overflow:hidden}
.ig-header{display:flex;align-items:center;gap:10px;padding:10px 12px}
.ig-avatar{width:32px;height:32px;border-radius:50%;object-fit:cover;flex:none;
background:linear-gradient(45deg,#f58529,#dd2a7b,#8134af);color:#fff;font-weight:600;
display:flex;align-items:center;justify-content:center;text-transform:uppercase}
.ig-user{font-weight:600}
.ig-media{position:relative;background:#000;overflow:hidden}
.ig-strip{display:flex;height:100%;overflow-x:auto;scroll-snap-type:x mandatory;
scrollbar-width:none}
.ig-slide{flex:0 0 100%;height:100%;scroll-snap-align:start;display:flex}
.ig-slide img,.ig-slide video{width:100%;height:100%;object-fit:cover;display:block}
.ig-missing{margin:auto;color:#8e8e8e;font-size:13px}
.ig-counter{position:absolute;top:12px;right:12px;background:rgba(0,0,0,.6);color:#fff;
border-radius:12px;padding:2px 8px;font-size:12px}
.ig-bars{position:absolute;top:8px;left:8px;right:8px;display:flex;gap:4px}
.ig-bars span{flex:1;height:2px;border-radius:1px;background:rgba(255,255,255,.9)}
.ig-badge{position:absolute;bottom:12px;left:12px;color:#fff;font-size:12px;font-weight:600;
text-shadow:0 1px 2px rgba(0,0,0,.6)}
.ig-actions{position:relative;display:flex;align-items:center;gap:14px;padding:8px 12px 4px}
.ig-actions svg{width:24px;height:24px;fill:none;stroke:#262626;stroke-width:2;
stroke-linejoin:round;stroke-linecap:round}
.ig-save{margin-left:auto}
.ig-dots{display:flex;gap:4px;position:absolute;left:50%;transform:translateX(-50%)}
.ig-dots span{width:6px;height:6px;border-radius:50%;background:#dbdbdb}
.ig-dots span.on{background:#0095f6}
.ig-caption{padding:4px 12px 4px;white-space:pre-wrap;word-wrap:break-word}
.ig-caption b{font-weight:600}.ig-more{color:#8e8e8e}.ig-tag{color:#00376b}
.ig-time{padding:4px 12px 12px;color:#8e8e8e;font-size:10px;letter-spacing:.2px;
text-transform:uppercase}
.ig-type-story{position:relative}.ig-type-story .ig-header{position:absolute;top:14px;
left:0;right:0;z-index:1;color:#fff;text-shadow:0 1px 2px rgba(0,0,0,.5)}
.ig-type-story .ig-comment,.ig-type-story .ig-save,.ig-type-story .ig-time{display:none}
.ig-type-story .ig-actions{padding:10px 12px}.ig-type-story .ig-actions::before{
content:"Send message";flex:1;border:1px solid #dbdbdb;border-radius:20px;padding:8px 14px;
color:#8e8e8e}
.checks{margin-top:16px;background:#fff;border:1px solid #dbdbdb;border-radius:8px;padding:12px}
.status{font-weight:600;padding:8px 10px;border-radius:6px;margin-bottom:10px}
.ready{background:#e6f6ea;color:#1a7f37}.blocked{background:#fdecea;color:#c62828}
.problems{list-style:none;margin:0 0 10px;padding:0}
.problems li{padding:6px 8px;margin-bottom:4px;border-left:4px solid;border-radius:3px}
.problems li.error{border-color:#d32f2f;background:#fdecea;color:#b71c1c}
.problems li.warning{border-color:#f0a500;background:#fff6e0;color:#8a5a00}
.problems code{font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;margin-top:8px;font-size:12px}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #efefef}
td{white-space:nowrap}.media-facts td:last-child{white-space:normal}
.counts{width:auto}.counts th{padding-right:24px}th{color:#8e8e8e;font-weight:600}
.over{color:#c62828;font-weight:600}
"""

_ICONS = {
    "like": '<path d="M12 20.5s-7.5-4.6-9.3-9.2C1.5 8.2 3.4 4.5 7 4.5c2.2 0 3.6 1.3 5 3'
            ' 1.4-1.7 2.8-3 5-3 3.6 0 5.5 3.7 4.3 6.8-1.8 4.6-9.3 9.2-9.3 9.2z"/>',
    "comment": '<path d="M20.7 16.6A9.5 9.5 0 1 0 17.3 20l4.2 1.5z"/>',
    "share": '<path d="M22 3 9.2 10.1M22 3l-7.1 18-5.7-10.9L2 6.6z"/>',
    "save": '<path d="M19.5 21 12 14.2 4.5 21V3h15z"/>',
}


def _e(value) -> str:
    """Escaped text for HTML content and quoted attributes; None becomes empty."""
    return str(escape("" if value is None else value))


def _safe_url(url) -> str | None:
    """The URL if it is an absolute http(s) or data:image URL, else None (never javascript:)."""
    if not isinstance(url, str) or not url.strip():
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme in ("http", "https") or (scheme == "data" and url.strip()[5:11] == "image/"):
        return url.strip()
    return None


def _tag_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum() or unicodedata.category(ch).startswith("M")


def _tokens(text: str):
    """Split `text` into (kind, piece) with kind "text", "hashtag" or "mention"."""
    spans = []
    for match in _HASH_START.finditer(text):
        end = match.end()
        while end < len(text) and _tag_char(text[end]):
            end += 1
        if end > match.end():
            spans.append((match.start(), end, "hashtag"))
    for match in _MENTION.finditer(text):
        end = match.start() + 1 + len(match.group(1).rstrip("."))
        if end > match.start() + 1:
            spans.append((match.start(), end, "mention"))
    pos = 0
    for start, end, kind in sorted(spans):
        if start < pos:  # overlapping matches cannot occur, but never emit text twice
            continue
        if start > pos:
            yield "text", text[pos:start]
        yield kind, text[start:end]
        pos = end
    if pos < len(text):
        yield "text", text[pos:]


def highlight(text: str) -> str:
    """Escaped caption HTML with hashtags and mentions wrapped in highlight spans.

    Every piece is escaped before any markup is added around it, so markup in the caption
    (even a "#" inside "&#39;") stays text."""
    parts = []
    for kind, piece in _tokens(text or ""):
        if kind == "text":
            parts.append(_e(piece))
        else:
            parts.append(f'<span class="ig-tag ig-{kind}">{_e(piece)}</span>')
    return "".join(parts)


def _caption_html(username: str, preview: dict) -> str:
    text = preview.get("feed_caption_preview")
    if not isinstance(text, str):
        text = preview.get("caption") if isinstance(preview.get("caption"), str) else ""
    if not text.strip():
        return ""
    more = ""
    if text.endswith(_MORE):
        text, more = text[:-len(_MORE)], '<span class="ig-more">... more</span>'
    return (f'<div class="ig-caption"><b class="ig-user">{_e(username)}</b> '
            f"{highlight(text)}{more}</div>")


def _ratio(item: dict) -> float | None:
    ratio = item.get("aspect_ratio")
    if not isinstance(ratio, (int, float)) or ratio <= 0:
        width, height = item.get("width"), item.get("height")
        if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
            ratio = width / height
        else:
            return None
    return float(ratio)


def frame_ratio(kind: str, media: list) -> float:
    """Width/height of the media frame: 9:16 for story and reel; otherwise the first item's
    own ratio clamped to what the feed shows (4:5 to 1.91:1), square when unknown."""
    if kind in ("story", "reel"):
        return TALL_RATIO
    ratio = _ratio(media[0]) if media else None
    return 1.0 if ratio is None else min(max(ratio, FEED_MIN_RATIO), FEED_MAX_RATIO)


def _media_element(item: dict) -> str:
    url = _safe_url(item.get("url"))
    if url is None:
        return '<span class="ig-missing">Media not available</span>'
    if item.get("kind") == "video":
        return (f'<video class="ig-video" src="{_e(url)}" muted loop playsinline '
                'preload="metadata"></video>')
    return f'<img class="ig-image" src="{_e(url)}" alt="">'


def _media_html(kind: str, media: list) -> str:
    ratio = frame_ratio(kind, media)
    slides = "".join(f'<div class="ig-slide">{_media_element(item)}</div>' for item in media)
    slides = slides or '<div class="ig-slide"><span class="ig-missing">No media</span></div>'
    overlay = ""
    if kind == "carousel" and len(media) > 1:
        overlay = f'<span class="ig-counter">1/{len(media)}</span>'
    elif kind == "story":
        overlay = '<div class="ig-bars"><span></span></div>'
    elif kind == "reel":
        overlay = '<span class="ig-badge">&#9654; Reel</span>'
    return (f'<div class="ig-media ig-{_e(kind)}" style="aspect-ratio:{ratio:.4f}">'
            f'<div class="ig-strip">{slides}</div>{overlay}</div>')


def _actions_html(count: int) -> str:
    def icon(name: str, extra: str = "") -> str:
        return (f'<svg class="ig-icon ig-{name}{extra}" viewBox="0 0 24 24" aria-label="{name}">'
                f"{_ICONS[name]}</svg>")

    dots = ""
    if count > 1:
        spans = "".join('<span class="on"></span>' if i == 0 else "<span></span>"
                        for i in range(count))
        dots = f'<div class="ig-dots">{spans}</div>'
    return (f'<div class="ig-actions">{icon("like")}{icon("comment")}{icon("share")}'
            f'{dots}{icon("save", " ig-save")}</div>')


def _header_html(username: str, picture) -> str:
    url = _safe_url(picture)
    if url:
        avatar = f'<img class="ig-avatar" src="{_e(url)}" alt="">'
    else:
        avatar = f'<span class="ig-avatar">{_e(username[:1] or "?")}</span>'
    return f'<div class="ig-header">{avatar}<span class="ig-user">{_e(username)}</span></div>'


def _problems_html(preview: dict) -> str:
    rows = []
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for problem in preview.get(key) or ():
            problem = problem if isinstance(problem, dict) else {"message": problem}
            code = f' <code>{_e(problem["code"])}</code>' if problem.get("code") else ""
            rows.append(f'<li class="{severity}"><b>{_e(problem.get("field") or "post")}</b>'
                        f'{code}: {_e(problem.get("message"))}</li>')
    if preview.get("valid"):
        status = '<div class="status ready">&#10003; Ready to publish</div>'
    else:
        status = '<div class="status blocked">&#10007; Cannot be published yet</div>'
    return status + (f'<ul class="problems">{"".join(rows)}</ul>' if rows else "")


def _size(value) -> str:
    if not isinstance(value, (int, float)):
        return "unknown"
    if value < 1024:
        return f"{value:.0f} B"
    return f"{value / 1024:.1f} KB" if value < 1024 ** 2 else f"{value / 1024 ** 2:.1f} MB"


def _counts_html(counts: dict) -> str:
    cells = []
    for key, limit in (("characters", MAX_CAPTION_CHARS), ("hashtags", MAX_HASHTAGS),
                       ("mentions", MAX_MENTIONS)):
        value = counts.get(key)
        shown = value if isinstance(value, int) else "?"
        over = ' class="over"' if isinstance(value, int) and value > limit else ""
        cells.append(f"<tr><th>{key.capitalize()}</th><td{over}>{_e(shown)}/{limit}</td></tr>")
    return f'<table class="counts">{"".join(cells)}</table>'


def _facts_html(media: list) -> str:
    if not media:
        return ""
    rows = []
    for item in media:
        width, height, ratio = item.get("width"), item.get("height"), _ratio(item)
        dims = f"{_e(width)} x {_e(height)}" if width and height else "unknown"
        duration = item.get("duration_s")
        notes = [f"{duration:.1f} s"] if isinstance(duration, (int, float)) else []
        if item.get("will_convert_to_jpeg"):
            notes.append("will be converted to JPEG")
        rows.append(f"<tr><td>{_e(item.get('field'))}</td><td>{_e(item.get('kind'))}</td>"
                    f"<td>{_e(item.get('format') or 'unknown')}</td><td>{dims}</td>"
                    f"<td>{f'{ratio:.2f}' if ratio else 'unknown'}</td>"
                    f"<td>{_size(item.get('bytes'))}</td><td>{_e('; '.join(notes))}</td></tr>")
    head = ("<tr><th>Field</th><th>Kind</th><th>Format</th><th>Size (px)</th><th>Ratio</th>"
            "<th>Bytes</th><th>Notes</th></tr>")
    return f'<table class="media-facts">{head}{"".join(rows)}</table>'


def render_preview_html(preview: dict, account: dict | None) -> str:
    """A complete HTML page (inline CSS, no script) showing `preview` as an Instagram post
    of `account` (None shows "your_account"), followed by its validation result."""
    preview = preview or {}
    account = account or {}
    username = account.get("username") or "your_account"
    kind = preview.get("type") if preview.get("type") in ("feed", "carousel", "story", "reel") \
        else "feed"
    media = [item for item in preview.get("media") or () if isinstance(item, dict)]
    counts = preview.get("counts") if isinstance(preview.get("counts"), dict) else {}
    post = (f'<article class="ig-post ig-type-{kind}">'
            f'{_header_html(username, account.get("profile_picture_url"))}'
            f"{_media_html(kind, media)}{_actions_html(len(media) if kind == 'carousel' else 0)}"
            f'{_caption_html(username, preview)}<div class="ig-time">Just now</div></article>')
    checks = (f'<section class="checks">{_problems_html(preview)}'
              f"{_counts_html(counts)}{_facts_html(media)}</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>Instagram preview: {_e(username)} ({kind})</title>"
            f"<style>{_CSS}</style></head><body><main class=\"page\">{post}{checks}</main>"
            "</body></html>\n")
