"""Rows for tests that need an owner and an account, with no Meta involved."""
from backend.extensions import db
from backend.models import SNSAccount, User, utcnow


def user_and_account(email, platform_user_id="1"):
    """In an app context: a user and an account of theirs, flushed (their ids set); the
    caller commits."""
    user = User(email=email, password_hash="x")
    db.session.add(user)
    db.session.flush()
    account = SNSAccount(user_id=user.id, platform_user_id=platform_user_id,
                         connected_at=utcnow())
    db.session.add(account)
    db.session.flush()
    return user, account
