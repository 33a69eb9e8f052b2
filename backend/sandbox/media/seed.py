"""Seeded media per persona: posts of every type spread over past months, and stories."""
import hashlib
import random

from .objects import MediaObject

SEED_COUNTS = {"business": 120, "creator": 60, "personal": 24}
DEFAULT_COUNT = 24
DAY = 24 * 3600
HOUR = 3600
IMAGE_SIZES = ((1080, 1350), (1080, 1080), (1080, 566))
PHRASES = ("Behind the scenes", "New in this week", "From the archive", "Thanks for 1k!",
           "Morning light", "Team day out", "Tips and tricks", "Coming soon")
# Stories: (hours ago, media_type, viewers). Under 5 viewers: no insights (error 10). The
# last one is over 24 hours old: readable by id, no longer in /stories.
STORIES = ((2, "IMAGE", None), (5, "VIDEO", 3), (30, "IMAGE", None))


def seeded_id(username, *parts):
    """A stable 17-digit media id for a seeded item."""
    digest = hashlib.sha256(":".join([username, *map(str, parts)]).encode()).hexdigest()
    return f"179{int(digest, 16) % 10 ** 14:014d}"


def _post(account, index, count, now, rng):
    """The index-th newest post: reels, images and three-item carousels in turn."""
    media_id = seeded_id(account.username, "post", index)
    timestamp = now - (index + 1) * DAY - rng.randrange(0, 10 * HOUR)
    caption = (f"{rng.choice(PHRASES)} ({count - index}) #sandbox #{account.persona}"
               + (" with @sandbox_creator" if index % 7 == 3 else ""))
    common = dict(id=media_id, account_id=account.professional_id, timestamp=timestamp,
                  caption=caption, audience=account.followers_count, seeded=True,
                  comments_enabled=index % 10 != 9)
    shape = index % 4
    if shape == 0:
        return MediaObject(media_type="VIDEO", product="REELS", width=1080, height=1920,
                           duration=float(rng.randrange(8, 60)), shared_to_feed=True, **common)
    if shape == 2:
        album = MediaObject(media_type="CAROUSEL_ALBUM", product="FEED", width=1080,
                            height=1080, **common)
        album.children = [
            MediaObject(id=seeded_id(account.username, "child", index, n),
                        account_id=account.professional_id, timestamp=timestamp,
                        media_type=kind, product="FEED", width=1080, height=1080,
                        duration=12.0 if kind == "VIDEO" else None, parent_id=media_id,
                        audience=account.followers_count, seeded=True)
            for n, kind in enumerate(("IMAGE", "IMAGE", "VIDEO"))]
        return album
    width, height = rng.choice(IMAGE_SIZES)
    return MediaObject(media_type="IMAGE", product="FEED", width=width, height=height,
                       alt_text=f"Photo {count - index}" if index % 3 == 1 else None, **common)


def _story(account, number, hours, media_type, viewers, now):
    return MediaObject(id=seeded_id(account.username, "story", number),
                       account_id=account.professional_id, media_type=media_type,
                       product="STORY", timestamp=now - hours * HOUR, width=1080, height=1920,
                       duration=15.0 if media_type == "VIDEO" else None,
                       audience=account.followers_count, viewers=viewers, seeded=True)


def seed_account(account, now):
    """The account's seeded media (top-level objects; album children hang off their album)."""
    rng = random.Random(f"seed:{account.username}")
    now = int(now)  # Meta's timestamps have whole seconds
    count = SEED_COUNTS.get(account.persona, DEFAULT_COUNT)
    media = [_post(account, index, count, now, rng) for index in range(count)]
    media += [_story(account, number, *spec, now) for number, spec in enumerate(STORIES)]
    return media
