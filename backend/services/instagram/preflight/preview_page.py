"""The post preview page: a post as the Instagram feed shows it, plus its checks."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from backend.services.instagram.core.templating import macro, render
from backend.services.instagram.graph.captions import hashtag_spans
from backend.services.instagram.preflight.rules import MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS

FEED_MIN_RATIO, FEED_MAX_RATIO, TALL_RATIO = 0.8, 1.91, 9 / 16
_MORE = "... more"
# Same rule as preflight.rules: "@" not after a word character, a dot or "@".
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._]+)")
_KINDS = ("feed", "carousel", "story", "reel")
_LIMITS = (("characters", MAX_CAPTION_CHARS), ("hashtags", MAX_HASHTAGS),
           ("mentions", MAX_MENTIONS))


def _safe_url(url) -> str | None:
    """The URL if it is an absolute http(s) or data:image URL, else None (never javascript:)."""
    if not isinstance(url, str) or not url.strip():
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme in ("http", "https") or (scheme == "data" and url.strip()[5:11] == "image/"):
        return url.strip()
    return None


def _tokens(text: str):
    """Split `text` into (kind, piece) with kind "text", "hashtag" or "mention"."""
    spans = [(start, end, "hashtag") for start, end in hashtag_spans(text)]
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
    """Escaped caption HTML with hashtags and mentions wrapped in highlight spans."""
    return str(macro("highlight.html", "highlight")(list(_tokens(text or ""))))


def _caption(preview: dict) -> dict | None:
    """The caption as the feed shows it (cut, with a grey "... more"), None when empty."""
    text = preview.get("feed_caption_preview")
    if not isinstance(text, str):
        text = preview.get("caption") if isinstance(preview.get("caption"), str) else ""
    if not text.strip():
        return None
    more = text.endswith(_MORE)
    if more:
        text = text[:-len(_MORE)]
    return {"tokens": list(_tokens(text)), "more": more}


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


def _problems(preview: dict) -> list[dict]:
    rows = []
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for problem in preview.get(key) or ():
            problem = problem if isinstance(problem, dict) else {"message": problem}
            rows.append({"severity": severity, "field": problem.get("field") or "post",
                         "code": problem.get("code"), "message": problem.get("message")})
    return rows


def _size(value) -> str:
    if not isinstance(value, (int, float)):
        return "unknown"
    if value < 1024:
        return f"{value:.0f} B"
    return f"{value / 1024:.1f} KB" if value < 1024 ** 2 else f"{value / 1024 ** 2:.1f} MB"


def _counts(counts: dict) -> list[dict]:
    rows = []
    for key, limit in _LIMITS:
        value = counts.get(key)
        rows.append({"label": key.capitalize(), "limit": limit,
                     "shown": value if isinstance(value, int) else "?",
                     "over": isinstance(value, int) and value > limit})
    return rows


def _facts(item: dict) -> dict:
    width, height, ratio = item.get("width"), item.get("height"), _ratio(item)
    duration = item.get("duration_s")
    notes = [f"{duration:.1f} s"] if isinstance(duration, (int, float)) else []
    if item.get("will_convert_to_jpeg"):
        notes.append("will be converted to JPEG")
    return {"field": item.get("field"), "kind": item.get("kind"),
            "format": item.get("format") or "unknown",
            "dims": f"{width} x {height}" if width and height else "unknown",
            "ratio": f"{ratio:.2f}" if ratio else "unknown",
            "size": _size(item.get("bytes")), "notes": "; ".join(notes)}


def render_preview_html(preview: dict, account: dict | None) -> str:
    """A complete HTML page (inline CSS, no script) showing `preview` as an Instagram post
    of `account` (None shows "your_account"), followed by its validation result."""
    preview = preview or {}
    account = account or {}
    kind = preview.get("type") if preview.get("type") in _KINDS else "feed"
    media = [item for item in preview.get("media") or () if isinstance(item, dict)]
    counts = preview.get("counts") if isinstance(preview.get("counts"), dict) else {}
    return render(
        "preview.html", kind=kind, username=account.get("username") or "your_account",
        avatar_url=_safe_url(account.get("profile_picture_url")),
        ratio=frame_ratio(kind, media),
        slides=[{"url": _safe_url(item.get("url")), "video": item.get("kind") == "video"}
                for item in media],
        dots=len(media) if kind == "carousel" else 0, caption=_caption(preview),
        valid=bool(preview.get("valid")), problems=_problems(preview),
        counts=_counts(counts), facts=[_facts(item) for item in media])
