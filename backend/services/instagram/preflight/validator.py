"""One validator for preview and publish: content rules, then probes of every media source."""
import time
from concurrent.futures import ThreadPoolExecutor

from backend.services.instagram.preflight import rules, specs
from backend.services.instagram.preflight.probe import MediaProbeError, probe_file, probe_url
from backend.services.instagram.preflight.rules import Problem
from backend.services.instagram.preflight.uploads import resolve_upload

# probe_url's own limits per medium: (connect, read) timeouts and total seconds.
PROBE_TIMEOUT, PROBE_SECONDS = (3.05, 10.0), 30.0

USES = {("feed", "image"): "feed_image", ("carousel", "image"): "carousel_image",
        ("carousel", "video"): "carousel_video", ("story", "image"): "story_image",
        ("story", "video"): "story_video", ("reel", "video"): "reel_video"}


def kind_of(post_type, payload):
    """feed with items is a carousel; otherwise the type is the kind."""
    return "carousel" if post_type == "feed" and payload.get("items") else post_type


def media_sources(kind, payload):
    """(field, expected kind or None, url or None, upload token or None) of every medium."""
    entries = (payload.get("items") or []) if kind == "carousel" else [payload]
    sources = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        prefix = f"items[{index}]." if kind == "carousel" else ""
        for key, expected in (("image_url", "image"), ("video_url", "video"),
                              ("upload_token", None)):
            if entry.get(key):
                sources.append((prefix + key, expected,
                                entry[key] if key != "upload_token" else None,
                                entry[key] if key == "upload_token" else None))
    return sources


class Validator:
    """Checks a post the way Meta will, without calling Meta."""

    def __init__(self, *, sandbox, upload_dir, public_url, deadline=None):
        self.sandbox = sandbox
        self.upload_dir = upload_dir
        self.public_url = public_url
        # A time.monotonic() value: media hosts are not waited for past it.
        self.deadline = deadline

    def check(self, post_type, payload):
        """The preview report: valid, errors, warnings, caption, counts, media."""
        kind = kind_of(post_type, payload)
        problems = rules.check_post(kind, payload, allow_loopback_http=self.sandbox)
        sources = media_sources(kind, payload)
        if kind == "carousel" and len(payload.get("items") or ()) > rules.CAROUSEL_MAX_ITEMS:
            sources = []  # refused for its count already: no item is downloaded
        with ThreadPoolExecutor(max_workers=min(4, max(1, len(sources)))) as pool:
            probed = list(pool.map(self._probe, sources))
        media, infos = [], []
        for (field, expected, url, token), (info, hosted, found) in zip(sources, probed):
            problems += found
            entry = {"field": field, "url": url or (self.public_url(token) if token else None)}
            if info is not None:
                use = USES.get((kind, expected or info.kind))
                if use is None:
                    problems.append(Problem(field, "media_type_not_allowed",
                                            f"A {kind} cannot use a {info.kind} here."))
                else:
                    problems += specs.check_media(info, use, hosted_by_platform=hosted,
                                                  field=field)
                entry.update(specs.media_summary(info, hosted_by_platform=hosted))
                infos.append(info)
            media.append(entry)
        if kind == "carousel" and len(infos) > 1:
            problems += specs.check_carousel_media(infos)
        if kind == "reel" and payload.get("cover_url"):
            info, _hosted, found = self._probe(("cover_url", "image", payload["cover_url"],
                                                None))
            problems += found
            if info is not None:
                problems += specs.check_media(info, "reel_cover", field="cover_url")
        caption = payload.get("caption") if kind != "story" else None
        summary = rules.caption_summary(caption, payload.get("hashtags"))
        errors = [p.to_dict() for p in problems if p.severity == "error"]
        return {
            "valid": not errors, "type": kind, "errors": errors,
            "warnings": [p.to_dict() for p in problems if p.severity != "error"],
            "caption": summary["text"],
            "counts": {k: summary[k] for k in ("characters", "hashtags", "mentions")},
            "feed_caption_preview": summary["feed_preview"], "media": media,
        }

    def _probe(self, source):
        """(MediaInfo or None, hosted by the platform, problems) of one medium."""
        field, _expected, url, token = source
        try:
            if token:
                path = resolve_upload(self.upload_dir, token)
                if path is None:
                    return None, True, [Problem(field, "upload_not_found", "No upload with this "
                                                "token; upload the file again.")]
                return probe_file(path), True, []
            return probe_url(url, allow_loopback=self.sandbox, **self._time_limits()), False, []
        except MediaProbeError as exc:
            return None, False, [Problem(field, exc.code, exc.message)]

    def _time_limits(self):
        left = PROBE_SECONDS if self.deadline is None else self.deadline - time.monotonic()
        if left <= 0:
            raise MediaProbeError("url_timeout", "There was no time left to check this media "
                                                 "URL; try again.")
        return {"timeout": tuple(min(t, left) for t in PROBE_TIMEOUT),
                "max_seconds": min(PROBE_SECONDS, left)}


def item_plan(kind, payload, report):
    """What to create at Meta, one entry per medium, with its own options (carousel items
    carry their user tags and alt text); container ids and statuses are filled in later."""
    entries = (payload.get("items") or []) if kind == "carousel" else [{}]
    plan = []
    for media, entry in zip(report["media"], entries):
        options = {k: entry[k] for k in ("user_tags", "alt_text") if entry.get(k)}
        plan.append({"field": media["field"], "kind": media.get("kind") or "image",
                     "url": media["url"], "options": options, "container_id": None,
                     "status": None, "duration_s": media.get("duration_s"),
                     "bytes": media.get("bytes")})
    return plan
