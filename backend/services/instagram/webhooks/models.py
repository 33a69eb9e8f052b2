"""The table of received webhook events: stored as they came, then processed by a job."""
from backend.extensions import db
from backend.models import TimestampMixin, UTCDateTime
from backend.services.instagram.comments.models import LeasedMixin


class SNSWebhookEvent(TimestampMixin, LeasedMixin, db.Model):
    """One change of one entry of a signed delivery from Meta.

    `event_key` is a digest of (object, entry id, entry time, field, value): a redelivery of
    the same event has the same key, so it is stored once. `created_at` is its arrival.
    """

    __tablename__ = "sns_webhook_events"
    __table_args__ = (
        db.Index("ix_sns_webhook_events_status_id", "status", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    platform = db.Column(db.String(32), nullable=False, default="instagram")
    event_key = db.Column(db.String(64), nullable=False, unique=True)
    object = db.Column(db.String(32), nullable=False)
    # The Instagram professional account the entry is about.
    entry_id = db.Column(db.String(64), nullable=False, index=True)
    entry_time = db.Column(UTCDateTime(), nullable=False)
    field = db.Column(db.String(64), nullable=False)
    value = db.Column(db.JSON, nullable=False)
    # pending, processed or ignored (`outcome` says why).
    status = db.Column(db.String(16), nullable=False, default="pending")
    outcome = db.Column(db.String(64))
    processed_at = db.Column(UTCDateTime())
