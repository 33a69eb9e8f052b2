"""Which media a published post became, when Meta's answer to media_publish was lost.

The container says PUBLISHED but not which media it became (contract 2.3), so the media is
identified among the account's recent media (or its stories, which `/media` leaves out) by
the time publishing began, the product type, the media type and the caption, never taking
an id another post holds (lessons 19). When not exactly one media matches, nothing is
guessed: the post is marked for reconciling and looked at again later.
"""
from __future__ import annotations

from backend.extensions import db
from backend.models import SNSAccount, SNSPost
from backend.services.instagram.graph.content_publishing import matching_media
from backend.services.instagram.publishing.containers import ig_user

# Meta's media_product_type and media_type per post type (contract 2.4).
EXPECTED = {"feed": ("FEED", ("IMAGE",)), "carousel": ("FEED", ("CAROUSEL_ALBUM",)),
            "reel": ("REELS", ("VIDEO",)), "story": ("STORY", ("IMAGE", "VIDEO"))}


def held_elsewhere(post):
    """Media ids other posts already hold on the same Instagram account (whichever
    platform user connected it)."""
    owner = db.session.get(SNSAccount, post.account_id).platform_user_id
    return set(db.session.execute(
        db.select(SNSPost.platform_post_id)
        .join(SNSAccount, SNSAccount.id == SNSPost.account_id)
        .where(SNSAccount.platform_user_id == owner, SNSPost.id != post.id,
               SNSPost.platform_post_id.is_not(None))).scalars())


def candidates(post, client):
    """Recent media of the account that can be this post's, read from Meta."""
    story = post.post_type == "story"
    product, media_types = EXPECTED.get(post.post_type, (None, ()))
    if story and post.items:
        media_types = ("VIDEO",) if post.items[0].get("kind") == "video" else ("IMAGE",)
    since = post.publish_started_at or post.created_at
    return matching_media(client.recent_media(ig_user(post), story=story, since=since),
                          since=since,
                          caption=post.caption, product_type=product, media_types=media_types,
                          exclude=held_elsewhere(post), check_caption=not story)


def identify(post, client):
    """(media, candidate_ids): the one media this post became, or None with what matched."""
    found = candidates(post, client)
    if len(found) == 1:
        return found[0], [str(found[0]["id"])]
    return None, [str(m["id"]) for m in found]
