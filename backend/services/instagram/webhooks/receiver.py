"""Receiving Meta's deliveries: the signature first, then each change stored once, fast."""
import hashlib
import hmac
import json
import logging
import re
import threading
from contextlib import nullcontext
from datetime import datetime, timezone

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from backend.errors import APIError
from backend.extensions import db
from backend.inputs import JSONNotFinite, JSONTooDeep, parse_json
from backend.models import utcnow
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.webhooks import signature_is_valid
from backend.services.instagram.webhooks.models import SNSWebhookEvent

log = logging.getLogger(__name__)
MAX_ID = 64
MAX_DEPTH = 32
KEYS_PER_QUERY = 500  # bound parameters per IN (old SQLite builds allow 999)
NAME = re.compile(r"[a-z_]{1,32}")
# Meta's `time` is unix seconds; anything outside these years is not a time.
EARLIEST, LATEST = datetime(2010, 1, 1, tzinfo=timezone.utc).timestamp(), \
    datetime(2200, 1, 1, tzinfo=timezone.utc).timestamp()
DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_SQLITE_WRITES = threading.Lock()


def verify_subscription(mode, token, challenge):
    """Meta's verification request: the challenge when mode and verify token are right."""
    expected = runtime().settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN or ""
    token_ok = hmac.compare_digest((token or "").encode(), expected.encode())
    if mode != "subscribe" or not token_ok or not expected:
        raise APIError("The verification request does not carry this platform's verify token.",
                       code="webhook_verification_failed", status=403)
    return challenge


def secrets():
    """The app secrets a delivery may be signed with: Instagram Login's and Facebook Login's."""
    settings = runtime().settings
    return settings.INSTAGRAM_APP_SECRET, settings.INSTAGRAM_FACEBOOK_APP_SECRET


def receive(body, signature):
    """Check the signature of the raw body, then store every change it carries.

    Nothing is stored when the signature is missing or wrong. Returns counts for the
    answer: changes received, stored (new), duplicates (already stored: a redelivery) and
    skipped (not an Instagram change this platform keeps, or malformed).
    """
    if not signature_is_valid(body, signature, secrets()):
        log.warning("webhook refused: missing or wrong X-Hub-Signature-256 (%d bytes)",
                    len(body))
        raise APIError("The X-Hub-Signature-256 header is missing or is not the signature of "
                       "this body.", code="webhook_signature_invalid", status=403)
    events, skipped = parse(body)
    with _one_writer():
        stored = _insert(events)
        db.session.commit()
    return {"received": len(events) + skipped, "stored": stored,
            "duplicates": len(events) - stored, "skipped": skipped}


def parse(body):
    """(event rows, skipped count) of a delivery; a body that is not Meta's envelope is a
    400, signed or not."""
    try:
        # Meta's envelope is a few levels deep; a value nested deeper, once stored, would fail
        # wherever the job walks it. NaN, Infinity and 1e400 no database column stores.
        payload = parse_json(body, max_depth=MAX_DEPTH, max_values=None)
    except JSONTooDeep:
        raise _invalid(f"The body nests lists and objects deeper than {MAX_DEPTH} levels.") \
            from None
    except JSONNotFinite as exc:
        raise _invalid(f"The body is not JSON: {exc}") from None
    except ValueError:
        raise _invalid("The body is not JSON.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise _invalid("The body is not a webhook envelope: {\"object\", \"entry\": [...]}.")
    kind = payload.get("object")
    if not isinstance(kind, str) or not NAME.fullmatch(kind):
        raise _invalid("`object` must be a name such as \"instagram\".")
    events, skipped = [], 0
    for entry in payload["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        entry_id, moment = _entry_id(entry), _time(entry)
        if not isinstance(changes, list) or entry_id is None or moment is None:
            # Messaging entries (entry.messaging) are not kept: the platform has no use for
            # private messages.
            skipped += 1 + (len(entry.get("messaging") or []) if isinstance(entry, dict)
                            and isinstance(entry.get("messaging"), list) else 0)
            continue
        for change in changes:
            event = _event(kind, entry_id, moment, change)
            if event is None:
                skipped += 1
            else:
                events.append(event)
    return events, skipped


def _event(kind, entry_id, moment, change):
    if not isinstance(change, dict):
        return None
    field, value = change.get("field"), change.get("value")
    if not isinstance(field, str) or not NAME.fullmatch(field) or not isinstance(value, dict):
        return None
    try:
        # Lone surrogates ("\ud800") parse in Python but no database stores them.
        canonical = json.dumps([kind, entry_id, moment.timestamp(), field, value],
                               sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        canonical = canonical.encode()
    except UnicodeEncodeError:
        return None
    return {"event_key": hashlib.sha256(canonical).hexdigest(), "object": kind,
            "entry_id": entry_id, "entry_time": moment, "field": field, "value": value,
            "status": "pending"}


def _entry_id(entry):
    value = entry.get("id") if isinstance(entry, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    value = str(value)
    # ASCII digits only: str.isdigit() also takes "²" and "١٢".
    return value if value.isascii() and value.isdigit() and len(value) <= MAX_ID else None


def _time(entry):
    value = entry.get("time") if isinstance(entry, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value > LATEST * 1000 or value < EARLIEST:
        return None
    if value > LATEST:  # milliseconds (messaging events use them)
        value /= 1000
    return datetime.fromtimestamp(value, timezone.utc)


def _insert(events):
    """Store the events whose key is new; how many were. Two deliveries of one event that
    race meet on the unique key, and the database keeps one."""
    unique = {e["event_key"]: e for e in events}
    if not unique:
        return 0
    keys, known = list(unique), set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        known.update(db.session.execute(db.select(SNSWebhookEvent.event_key).where(
            SNSWebhookEvent.event_key.in_(keys[start:start + KEYS_PER_QUERY]))).scalars())
    now = utcnow()
    fresh = [{**e, "created_at": now, "updated_at": now, "job_failures": 0,
              "platform": "instagram"} for key, e in unique.items() if key not in known]
    if fresh:
        make = DIALECT_INSERT.get(db.engine.dialect.name)
        statement = insert(SNSWebhookEvent) if make is None else \
            make(SNSWebhookEvent).on_conflict_do_nothing(index_elements=["event_key"])
        db.session.execute(statement, fresh)
    return len(fresh)


def _one_writer():
    """SQLite has one writer at a time and its busy handler waits in sleeps of up to 100 ms,
    so a burst of concurrent deliveries starves some of them for seconds; queued on a lock
    in this process they wait only for the writes ahead of them. Other databases need none."""
    return _SQLITE_WRITES if db.engine.dialect.name == "sqlite" else nullcontext()


def _invalid(message):
    return APIError(message, code="webhook_payload_invalid", status=400)
