"""Hashtags in captions as Instagram reads them, and `hashtags` appended to a caption.

Here, below the platform, so the client's scripts and the platform's pre-flight build the
same caption from the same rule.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Iterator

# A "#" glued to a word or an HTML entity ("AT&T#1", "a#b") does not start a hashtag.
_HASH_START = re.compile(r"(?<![\w&#])#")


def tag_char(ch: str) -> bool:
    # Combining marks count too, or Devanagari and Thai tags would be cut mid-word.
    return ch == "_" or ch.isalnum() or unicodedata.category(ch).startswith("M")


def hashtag_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each hashtag in `text`, "#" included."""
    for match in _HASH_START.finditer(text):
        end = match.end()
        while end < len(text) and tag_char(text[end]):
            end += 1
        if end > match.end():
            yield match.start(), end


def find_hashtags(text: str) -> list[str]:
    """Hashtags in `text` (without "#"), in order, duplicates kept."""
    return [text[start + 1:end] for start, end in hashtag_spans(text)]


def hashtag_list(hashtags: str | Iterable[Any] | None) -> list[Any]:
    """Hashtags as a list: one text is split on commas and spaces ("food, #autumn" or
    "food autumn"), as a form sends them; a string is never read letter by letter."""
    if isinstance(hashtags, str):
        return [tag for tag in re.split(r"[\s,]+", hashtags) if tag]
    return list(hashtags or ())


def clean_hashtags(hashtags: Iterable[Any] | None) -> tuple[list[str], list[tuple[int, Any]]]:
    """(tags, invalid): tags without "#", trimmed, de-duplicated case-insensitively (first
    spelling wins); invalid lists (index, value) of those that are not a hashtag."""
    tags, seen, invalid = [], set(), []
    for i, raw in enumerate(hashtags or ()):
        tag = raw.strip() if isinstance(raw, str) else ""
        tag = tag[1:] if tag.startswith("#") else tag
        if not tag or not all(map(tag_char, tag)):
            invalid.append((i, raw))
        elif tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags, invalid


def build_caption(caption: str | None, hashtags: Iterable[Any] | None) -> str:
    """The caption with the valid hashtags it lacks appended on a new line."""
    text = caption or ""
    present = {tag.casefold() for tag in find_hashtags(text)}
    tags, _ = clean_hashtags(hashtags)
    extra = " ".join("#" + tag for tag in tags if tag.casefold() not in present)
    if not extra:
        return text
    return f"{text.rstrip()}\n{extra}" if text.strip() else extra
