"""Preview dicts shaped like the preview endpoint's output, for the HTML rendering tests."""

XSS_CAPTION = "<script>alert(1)</script> #tag @friend"


def media_item(url="https://cdn.example.com/a.jpg", *, field="image_url", kind="image",
               width=1080, height=1350, **extra):
    item = {"field": field, "url": url, "kind": kind, "format": "jpeg" if kind == "image"
            else "mp4", "width": width, "height": height,
            "aspect_ratio": round(width / height, 4) if width and height else None,
            "bytes": 123456, "duration_s": None if kind == "image" else 12.5,
            "will_convert_to_jpeg": False}
    item.update(extra)
    return item


def preview(*, valid=True, kind="feed", caption=XSS_CAPTION, media=None, errors=(),
            warnings=(), feed_preview=None):
    return {"valid": valid, "type": kind, "errors": list(errors), "warnings": list(warnings),
            "caption": caption,
            "feed_caption_preview": caption if feed_preview is None else feed_preview,
            "counts": {"characters": len(caption), "hashtags": caption.count("#"),
                       "mentions": caption.count("@")},
            "media": [media_item()] if media is None else media}
