"""Tables of the comments feature: the inbox, @mentions, first comments, each account's feed."""
from backend.extensions import db
from backend.models import SNSPost, TimestampMixin, UTCDateTime


# None is SQL NULL (not the JSON text 'null'), so "IS NULL" finds rows set back to None.
NULLABLE_JSON = db.JSON(none_as_null=True)
# Row ids are db.Integer, 32 bits on PostgreSQL: a larger id (a tampered cursor) names no row.
MAX_ROW_ID = 2 ** 31


class LeasedMixin:
    """Columns core/leases.py and core/row_jobs.py work with."""

    lease_owner = db.Column(db.String(64))
    lease_until = db.Column(UTCDateTime())
    job_failures = db.Column(db.Integer, nullable=False, default=0, server_default="0")


class SNSComment(TimestampMixin, db.Model):
    """A comment on one of an account's media, as the inbox keeps it (Meta's field names).

    One row per (connected account, comment): two users who connected the same Instagram
    account each have their own inbox. `created_at` is when the platform first saw it.
    """

    __tablename__ = "sns_comments"
    __table_args__ = (
        db.UniqueConstraint("account_id", "comment_id", name="uq_sns_comments_account_comment"),
        db.Index("ix_sns_comments_account_timestamp", "account_id", "timestamp"),
        db.Index("ix_sns_comments_account_media", "account_id", "media_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    account_id = db.Column(db.Integer, db.ForeignKey("sns_accounts.id"), nullable=False)
    comment_id = db.Column(db.String(64), nullable=False)
    media_id = db.Column(db.String(64))
    media_product_type = db.Column(db.String(32))
    # Set on replies: the top-level comment they answer.
    parent_id = db.Column(db.String(64))
    text = db.Column(db.Text)
    username = db.Column(db.String(255))
    # The commenter's Instagram-scoped id (`from.id`).
    from_id = db.Column(db.String(64))
    # Meta's timestamp of the comment (webhooks carry none: the event's time then).
    timestamp = db.Column(UTCDateTime(), nullable=False)
    hidden = db.Column(db.Boolean, nullable=False, default=False)
    like_count = db.Column(db.Integer)
    # Written by the account itself (its replies, its first comments): never unread.
    own = db.Column(db.Boolean, nullable=False, default=False)
    # webhook, poll or platform (made through this platform).
    source = db.Column(db.String(16), nullable=False)
    read_at = db.Column(UTCDateTime())
    deleted_at = db.Column(UTCDateTime())


class SNSMention(TimestampMixin, db.Model):
    """A media caption or a comment, of another account, that @mentions a connected account."""

    __tablename__ = "sns_mentions"
    __table_args__ = (
        db.UniqueConstraint("account_id", "media_id", "mention_key",
                            name="uq_sns_mentions_account_media_key"),
    )

    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    account_id = db.Column(db.Integer, db.ForeignKey("sns_accounts.id"), nullable=False,
                           index=True)
    media_id = db.Column(db.String(64), nullable=False)
    # The mentioning comment's id; empty for a mention in the media's caption (unique keys
    # must not be NULL to be unique on every database).
    mention_key = db.Column(db.String(64), nullable=False, default="")
    comment_id = db.Column(db.String(64))
    # What Meta tells about it (Facebook Login only: Instagram Login cannot read it).
    text = db.Column(db.Text)
    username = db.Column(db.String(255))
    permalink = db.Column(db.String(512))
    media_type = db.Column(db.String(32))
    timestamp = db.Column(UTCDateTime(), nullable=False)
    details_error = db.Column(NULLABLE_JSON)
    replied_comment_id = db.Column(db.String(64))
    read_at = db.Column(UTCDateTime())


class SNSFirstComment(TimestampMixin, LeasedMixin, db.Model):
    """The comment a post asked to be posted on its media right after it is live, and how
    far that went: waiting, posting (sent, outcome unknown), posted, failed or skipped."""

    __tablename__ = "sns_first_comments"

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("sns_posts.id"), nullable=False,
                        unique=True)
    account_id = db.Column(db.Integer, db.ForeignKey("sns_accounts.id"), nullable=False)
    message = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="waiting")
    comment_id = db.Column(db.String(64))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    # When the last create call was sent (for the record).
    attempt_started_at = db.Column(UTCDateTime())
    next_attempt_at = db.Column(UTCDateTime(), index=True)
    posted_at = db.Column(UTCDateTime())
    last_error = db.Column(NULLABLE_JSON)

    post = db.relationship(SNSPost)


class SNSCommentFeed(TimestampMixin, LeasedMixin, db.Model):
    """How an account's comments reach the platform: its webhook subscription (subscribed
    fields, or why it failed) and, when there is none, the budgeted poll's state."""

    __tablename__ = "sns_comment_feeds"

    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("sns_accounts.id"), nullable=False,
                           unique=True)
    subscribed_fields = db.Column(NULLABLE_JSON)
    subscribed_at = db.Column(UTCDateTime())
    subscription_error = db.Column(NULLABLE_JSON)
    subscribe_attempts = db.Column(db.Integer, nullable=False, default=0)
    next_subscribe_at = db.Column(UTCDateTime())
    last_event_at = db.Column(UTCDateTime())
    polled_at = db.Column(UTCDateTime())
    next_poll_at = db.Column(UTCDateTime())
    # media id -> comments_count at the last poll: only media whose count moved are read.
    media_counts = db.Column(db.JSON, nullable=False, default=dict)
