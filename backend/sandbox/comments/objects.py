"""Comments and @mentions (contract 8): the models and the store, seeded per media."""
import hashlib
import itertools
from dataclasses import dataclass

from ..core.context import get_state
from ..insights.engagement import rng_for
from ..media.objects import store as media_store

STORE = "comments"
MAX_MESSAGE = 2200
# Commenters of seeded comments and the default follower of the control endpoints.
FANS = ("sandbox_fan", "coffee.lover", "urban_sketcher", "trail.runner", "plant_parent")
PHRASES = ("Love this!", "Where was this taken?", "So good 😍", "Need this in my life",
           "Great tips, thanks", "Can't wait!", "Beautiful colours")
SEEDED_PREFIX = "1781"


def igsid_of(username):
    """A stable Instagram-scoped id for a commenter (what `from.id` carries)."""
    digest = hashlib.sha256(f"igsid:{username}".encode()).hexdigest()
    return f"6{int(digest, 16) % 10 ** 15:015d}"


@dataclass
class Comment:
    """An IG Comment on a media; `parent_id` is set on replies (always a top-level id)."""

    id: str
    media_id: str
    username: str
    text: str
    timestamp: float
    parent_id: str = None
    hidden: bool = False
    like_count: int = 0
    deleted: bool = False
    by_owner: bool = False  # written by the media's own account (through the API)
    kind = "ig_comment"

    @property
    def from_id(self):
        return igsid_of(self.username)


@dataclass
class CommentAuthor:
    """The `from` of a comment: the commenter's scoped id and username."""

    comment: Comment
    kind = "ig_comment_from"


class CommentStore:
    """Comments by id and per media, and which (account, media, comment) @mention whom.

    Seeded media get a few deterministic comments the first time their comments are looked
    at; their ids are stable across resets, as seeded media ids are.
    """

    def __init__(self, state):
        self.state = state
        self.by_id = {}
        self._by_media = {}
        self._seeded = set()
        self._ids = itertools.count(1)
        self.mentions = set()  # (mentioned account's professional id, media id, comment id)

    def find(self, object_id):
        object_id = str(object_id)
        if object_id not in self.by_id and object_id.startswith(SEEDED_PREFIX):
            # A seeded id read before its media's comments were: seed every media (a
            # lookup in the media store seeds the accounts not seeded yet).
            media_store().find(object_id)
            for media in list(media_store().by_id.values()):
                self._seed(media)
        comment = self.by_id.get(object_id)
        return None if comment is None or comment.deleted else comment

    def new_id(self):
        return f"1780{next(self._ids):013d}"

    def add(self, comment):
        self.by_id[comment.id] = comment
        self._by_media.setdefault(comment.media_id, []).append(comment)
        return comment

    def of_media(self, media, top_level=True):
        """The media's live comments, newest first (top-level ones, or all with replies)."""
        self._seed(media)
        items = [c for c in self._by_media.get(media.id, []) if not c.deleted
                 and (not top_level or c.parent_id is None)]
        return sorted(items, key=lambda c: (c.timestamp, c.id), reverse=True)

    def replies_of(self, comment):
        items = [c for c in self._by_media.get(comment.media_id, [])
                 if c.parent_id == comment.id and not c.deleted]
        return sorted(items, key=lambda c: (c.timestamp, c.id), reverse=True)

    def count(self, media):
        """`comments_count`: every live comment of the media, replies included."""
        return len(self.of_media(media, top_level=False))

    def delete(self, comment):
        comment.deleted = True
        for reply in self.replies_of(comment):
            reply.deleted = True

    def _seed(self, media):
        if not media.seeded or media.id in self._seeded:
            return
        self._seeded.add(media.id)
        if media.is_story or media.parent_id or not media.comments_enabled:
            return
        rng = rng_for("comments", media.id)
        owner = self.state.accounts.find(media.account_id)
        for number in range(rng.randrange(0, 5)):
            top = self.add(Comment(
                id=_seeded_id(media.id, number), media_id=media.id, username=rng.choice(FANS),
                text=rng.choice(PHRASES), timestamp=media.timestamp + 3600 * (number + 1),
                like_count=rng.randrange(0, 9), hidden=rng.random() < 0.1))
            if number == 0 and owner is not None:
                self.add(Comment(id=_seeded_id(media.id, number, "reply"), media_id=media.id,
                                 username=owner.username, text="Thank you!",
                                 timestamp=top.timestamp + 600, parent_id=top.id,
                                 by_owner=True))


def _seeded_id(media_id, *parts):
    digest = hashlib.sha256(":".join(["comment", media_id, *map(str, parts)]).encode())
    return f"{SEEDED_PREFIX}{int(digest.hexdigest(), 16) % 10 ** 13:013d}"


def store():
    return get_state().stores[STORE]
