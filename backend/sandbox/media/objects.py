"""Published media objects (contract 3.3): the model and the store, seeded per account."""
import hashlib
from dataclasses import dataclass, field

from ..core.context import get_state
from ..core.persistence import build, record

STORE = "media"
STORY_SECONDS = 24 * 3600
MAX_LISTED = 10000
_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def shortcode_of(media_id):
    digest = hashlib.sha256(f"shortcode:{media_id}".encode()).digest()
    return "".join(_SHORTCODE_ALPHABET[b % 64] for b in digest[:11])


@dataclass
class MediaObject:
    """An Instagram media: a post, reel, story, or an album child (`parent_id` set)."""

    id: str
    account_id: str
    media_type: str  # IMAGE, VIDEO or CAROUSEL_ALBUM
    product: str  # FEED, REELS or STORY
    timestamp: float
    caption: str = None
    width: int = 1080
    height: int = 1350
    duration: float = None
    children: list = field(default_factory=list)
    parent_id: str = None
    container_id: str = None
    alt_text: str = None
    shared_to_feed: bool = None
    audience: int = 0  # the account's followers when published: scales the engagement
    viewers: int = None  # stories: a fixed number of viewers
    comments_enabled: bool = True
    seeded: bool = False
    kind = "ig_media"

    @property
    def shortcode(self):
        return shortcode_of(self.id)

    @property
    def is_story(self):
        return self.product == "STORY"

    def live_story(self, now):
        return self.is_story and now < self.timestamp + STORY_SECONDS


class MediaStore:
    """Media by id and per account, newest first. Accounts are seeded on first use, so those
    created later by a dialog get media too; seeded ids are stable across resets."""

    def __init__(self, state, seeder):
        self.state, self.seeder = state, seeder
        self.by_id = {}
        self._by_account = {}
        self._last_number = 0  # of published media ids
        self._seed_all()

    def _seed_all(self):
        for account in list(self.state.accounts.ig_accounts.values()):
            if account.professional_id not in self._by_account:
                self._by_account[account.professional_id] = []
                for media in self.seeder(account, self.state.now()):
                    self.add(media)

    def find(self, object_id):
        self._seed_all()
        return self.by_id.get(str(object_id))

    def new_id(self):
        self._last_number += 1
        return f"1800{self._last_number:013d}"

    def add(self, media):
        for item in [media] + media.children:
            self.by_id[item.id] = item
        items = self._by_account.setdefault(media.account_id, [])
        items.append(media)
        items.sort(key=lambda m: (m.timestamp, m.id), reverse=True)
        return media

    def all_of(self, account):
        """Every top-level media of the account, stories included, newest first."""
        self._seed_all()
        return list(self._by_account.get(account.professional_id, []))

    def posts(self, account, since=None, until=None):
        """What `/media` lists: no stories, at most the 10,000 newest."""
        items = [m for m in self.all_of(account) if not m.is_story]
        if since is not None:
            items = [m for m in items if m.timestamp >= since]
        if until is not None:
            items = [m for m in items if m.timestamp <= until]
        return items[:MAX_LISTED]

    def live_stories(self, account, now):
        return [m for m in self.all_of(account) if m.live_story(now)]

    def snapshot(self):
        """Every account's media, seeded ones included (their timestamps were fixed when
        seeded: seeding again after a restart would move them)."""
        return {"last_number": self._last_number,
                "accounts": {account_id: [_media_record(m) for m in items]
                             for account_id, items in self._by_account.items()}}

    def restore(self, data):
        self.by_id, self._by_account = {}, {}
        self._last_number = int(data["last_number"])
        for account_id, items in data["accounts"].items():
            self._by_account[account_id] = []
            for row in items:
                self.add(_media_from(row))
        self._seed_all()  # accounts the snapshot has not seen yet


def _media_record(media):
    return {**record(media, skip=("children",)),
            "children": [record(child) for child in media.children]}


def _media_from(row):
    children = [build(MediaObject, child) for child in row.get("children") or []]
    return build(MediaObject, {k: v for k, v in row.items() if k != "children"},
                 children=children)


def store():
    return get_state().stores[STORE]
