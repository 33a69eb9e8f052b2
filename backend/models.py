"""Host models: User, SNSAccount, SNSPost, SNSAnalytics and OAuthState, for every network."""
from datetime import datetime, timezone

from sqlalchemy import types
from werkzeug.security import check_password_hash, generate_password_hash

from backend.extensions import db


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTime(types.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = types.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class TimestampMixin:
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)


class SNSAccount(TimestampMixin, db.Model):
    """A social-network account connected by a user; one row per (user, platform, account)."""

    __tablename__ = "sns_accounts"
    __table_args__ = (
        db.UniqueConstraint("user_id", "platform", "platform_user_id",
                            name="uq_sns_accounts_user_platform_account"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    # The network's id of the account (Instagram professional account id).
    platform_user_id = db.Column(db.String(64), nullable=False)
    # Other ids the network gives the same account (app-scoped id, Facebook Page).
    app_scoped_id = db.Column(db.String(64))
    page_id = db.Column(db.String(64))
    page_name = db.Column(db.String(255))
    username = db.Column(db.String(255))
    name = db.Column(db.String(255))
    account_type = db.Column(db.String(32))
    login_type = db.Column(db.String(32), nullable=False, default="instagram")
    # Ciphertext only (MultiFernet); never the clear token. Written only by the token store.
    access_token_encrypted = db.Column(db.Text)
    # Bumped by every new token (connect, refresh, disconnect): the token store's writes are
    # compare-and-set on it, so a writer holding an older token changes nothing.
    token_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    token_issued_at = db.Column(UTCDateTime())
    token_expires_at = db.Column(UTCDateTime())
    token_refreshed_at = db.Column(UTCDateTime())
    data_access_expires_at = db.Column(UTCDateTime())
    permissions = db.Column(db.JSON, nullable=False, default=list)
    declined_permissions = db.Column(db.JSON, nullable=False, default=list)
    # active | needs_reauth | disconnected; "expiring" and "missing_permissions" are derived.
    status = db.Column(db.String(32), nullable=False, default="active")
    last_error = db.Column(db.JSON)
    refresh_failures = db.Column(db.Integer, nullable=False, default=0)
    profile = db.Column(db.JSON, nullable=False, default=dict)
    profile_synced_at = db.Column(UTCDateTime())
    connected_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    disconnected_at = db.Column(UTCDateTime())
    # Lease (core/leases.py): the claim holding this row, and until when (database clock).
    lease_owner = db.Column(db.String(64))
    lease_until = db.Column(UTCDateTime())
    # Consecutive unexpected failures of jobs on this row (reset by a success).
    job_failures = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # When the insights sync last stored this account's daily totals.
    insights_synced_at = db.Column(UTCDateTime())
    # Posting schedule (publishing/scheduling.py): the account's time zone (IANA name),
    # slots per weekday {"mon": ["09:00", "18:30"], ...} and the minimum minutes between
    # two scheduled posts (None: INSTAGRAM_MIN_POST_SPACING_MINUTES).
    timezone = db.Column(db.String(64))
    posting_slots = db.Column(db.JSON)
    min_spacing_minutes = db.Column(db.Integer)


class SNSPost(TimestampMixin, db.Model):
    """A post a user asked to publish, with every step of its publication recorded."""

    __tablename__ = "sns_posts"
    __table_args__ = (
        db.UniqueConstraint("user_id", "idempotency_key", name="uq_sns_posts_user_idem_key"),
        db.Index("ix_sns_posts_user_created", "user_id", "created_at"),
        db.Index("ix_sns_posts_status_next_check", "status", "next_check_at"),
        db.Index("ix_sns_posts_status_publish_at", "status", "publish_at"),
        db.Index("ix_sns_posts_account_publish_at", "account_id", "publish_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    account_id = db.Column(db.Integer, db.ForeignKey("sns_accounts.id"), nullable=False,
                           index=True)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    post_type = db.Column(db.String(32), nullable=False)
    status = db.Column(db.String(32), nullable=False, default="pending")
    caption = db.Column(db.Text)
    request = db.Column(db.JSON, nullable=False, default=dict)
    # Per item: media URL, container id and status, so a resumed job never recreates them.
    items = db.Column(db.JSON, nullable=False, default=list)
    container_id = db.Column(db.String(64))
    platform_post_id = db.Column(db.String(64), index=True)
    permalink = db.Column(db.String(512))
    media_product_type = db.Column(db.String(32))
    error_code = db.Column(db.String(64))
    error_subcode = db.Column(db.String(64))
    error_message = db.Column(db.Text)
    error_category = db.Column(db.String(32))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    graph_calls = db.Column(db.Integer, nullable=False, default=0)
    idempotency_key = db.Column(db.String(255))
    request_hash = db.Column(db.String(64))
    next_check_at = db.Column(UTCDateTime())
    # Until when the post may wait for Meta (limits, outages) before it fails.
    deadline_at = db.Column(UTCDateTime())
    published_at = db.Column(UTCDateTime())
    # Progress of publishing: media processing from its first container to all FINISHED,
    # the first media_publish call (the window its media is looked for in), why it waits,
    # and until when an unknown outcome is reconciled.
    processing_started_at = db.Column(UTCDateTime())
    ready_at = db.Column(UTCDateTime())
    publish_started_at = db.Column(UTCDateTime())
    last_publish_at = db.Column(UTCDateTime())  # the latest media_publish call
    reconcile_until = db.Column(UTCDateTime())
    wait_reason = db.Column(db.String(32))
    status_reads = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    containers_created = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # Scheduling: when the post goes live, how that time was chosen (at, next_slot, best,
    # publishing_limit), what to do at the publishing limit (refuse, queue), and a draft's
    # stored validation (the preview's report at its last save).
    publish_at = db.Column(UTCDateTime())
    schedule_kind = db.Column(db.String(32))
    when_limited = db.Column(db.String(16))
    validation = db.Column(db.JSON)
    lease_owner = db.Column(db.String(64))
    lease_until = db.Column(UTCDateTime())
    job_failures = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # Insights sync: last fetch, and when the decaying schedule wants the next one.
    insights_synced_at = db.Column(UTCDateTime())
    insights_next_at = db.Column(UTCDateTime(), index=True)


class SNSAnalytics(db.Model):
    """One metric value of a post or an account, as fetched at a point in time."""

    __tablename__ = "sns_analytics"
    __table_args__ = (
        db.Index("ix_sns_analytics_post_metric", "post_id", "metric", "fetched_at"),
        # Account rows have no media_id: (account_id, media_id) keeps the account's own
        # series apart from the many rows of its media (see tests/benchmarks).
        db.Index("ix_sns_analytics_account_series", "account_id", "media_id", "metric",
                 "end_time"),
        # "Latest fetch of a media" and its history read by media and time.
        db.Index("ix_sns_analytics_media_fetched", "media_id", "fetched_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    account_id = db.Column(db.Integer, db.ForeignKey("sns_accounts.id"), nullable=False)
    post_id = db.Column(db.Integer, db.ForeignKey("sns_posts.id"))
    media_id = db.Column(db.String(64))
    # FEED, CAROUSEL, REELS or STORY: which metrics a media has (media rows only).
    media_kind = db.Column(db.String(16))
    metric = db.Column(db.String(64), nullable=False)
    value = db.Column(db.Float)
    breakdown = db.Column(db.JSON)
    period = db.Column(db.String(32))
    # Totals over a range keep both ends; lifetime values of media have neither.
    start_time = db.Column(UTCDateTime())
    end_time = db.Column(UTCDateTime())
    fetched_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)


class OAuthState(db.Model):
    """A pending OAuth authorisation: random state bound to a user and a flow, used once."""

    __tablename__ = "oauth_states"

    id = db.Column(db.Integer, primary_key=True)
    # SHA-256 of the state; the state itself is only ever in the user's redirect.
    state_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    flow = db.Column(db.String(32), nullable=False)
    redirect_uri = db.Column(db.String(512), nullable=False)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime(), nullable=False)
    used_at = db.Column(UTCDateTime())


class Notification(db.Model):
    """Something a user should know (a token that cannot be refreshed, a failed post).

    `dedupe_key` is unique: the same event seen by several workers is stored once.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        db.Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    # e.g. instagram.token_refresh_failed, instagram.post_failed
    kind = db.Column(db.String(64), nullable=False)
    title = db.Column(db.String(255), nullable=False)
    message = db.Column(db.Text, nullable=False)
    # What the user should do about it, in words (None when nothing).
    action = db.Column(db.Text)
    # Ids of what it is about (account_id, post_id) and Meta's codes; never a secret.
    data = db.Column(db.JSON, nullable=False, default=dict)
    dedupe_key = db.Column(db.String(255), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime())
