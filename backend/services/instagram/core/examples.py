"""Request examples of the integration's endpoints for the OpenAPI document and /docs.

Media URLs point at the sandbox's sample media in sandbox mode, so "Try it out" in /docs
works offline as written; with Meta they are placeholders to replace.
"""
from flask import has_app_context

from backend.services.instagram.core.runtime import runtime

PREFIX = "/api/sns/instagram"
V1 = "/api/v1/instagram"


def media_base():
    """Where example media live: the sandbox's samples, or a placeholder host."""
    if has_app_context():
        settings = runtime().settings
        if settings.INSTAGRAM_SANDBOX:
            return f"{settings.INSTAGRAM_SANDBOX_URL.rstrip('/')}/_sandbox/samples"
    return "https://media.example.com"


def integration_examples():
    """{"METHOD path": request body example} of the endpoints that take a body."""
    base = media_base()
    photo = f"{base}/image.jpg?w=1080&h=1350"
    feed = {"account_id": 1, "image_url": photo, "caption": "Autumn menu is here",
            "hashtags": ["food", "autumn"], "alt_text": "A bowl of pumpkin soup"}
    return {
        f"POST {PREFIX}/oauth/authorize": {"login": "instagram"},
        f"POST {PREFIX}/posts": feed,
        f"POST {PREFIX}/stories": {"account_id": 1,
                                   "image_url": f"{base}/image.jpg?w=1080&h=1920"},
        f"POST {PREFIX}/reels": {"account_id": 1,
                                 "video_url": f"{base}/video.mp4?duration=12&w=1080&h=1920",
                                 "caption": "Behind the scenes", "hashtags": ["bts"],
                                 "share_to_feed": True},
        f"POST {PREFIX}/preview": {"type": "feed", **feed},
        f"POST {PREFIX}/drafts": {"type": "feed", **feed},
        f"PATCH {PREFIX}/drafts/{{post_id}}": {"caption": "Autumn menu, now with soup"},
        f"POST {PREFIX}/drafts/{{post_id}}/publish": {"publish_at": "next_slot"},
        f"PATCH {PREFIX}/posts/{{post_id}}/schedule": {
            "publish_at": "2030-12-01T09:30:00+01:00"},
        f"PUT {PREFIX}/accounts/{{account_id}}/schedule": {
            "timezone": "Europe/Paris", "min_spacing_minutes": 30,
            "slots": {"mon": ["09:00", "18:00"], "sat": ["11:00"]}},
        f"POST {PREFIX}/media/{{media_id}}/comments": {"account_id": 1,
                                                       "message": "Thanks everyone!"},
        f"POST {PREFIX}/comments/{{comment_id}}/replies": {"account_id": 1,
                                                           "message": "Yes, all of it!"},
        f"PATCH {PREFIX}/comments/{{comment_id}}": {"account_id": 1, "hidden": True},
        f"POST {PREFIX}/comments/read": {"all": True, "account_id": 1},
        f"POST {PREFIX}/mentions/{{mention_id}}/replies": {"message": "Happy to help!"},
        f"POST {PREFIX}/mentions/read": {"all": True, "account_id": 1},
        "POST /api/v1/auth/instagram/connect": {"login": "instagram"},
        f"POST {V1}/publish/photo": {"image_url": photo, "caption": "Autumn menu is here",
                                     "hashtags": ["food", "autumn"]},
        f"POST {V1}/preview": {"image_url": photo, "caption": "Autumn menu is here",
                               "hashtags": ["food", "autumn"]},
    }
