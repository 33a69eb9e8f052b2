"""Rows to hold leases on: one user, one account, three posts (no Meta involved)."""
import pytest

from backend.extensions import db
from backend.models import SNSAccount, SNSPost, User, utcnow


@pytest.fixture
def post_ids(app):
    with app.app_context():
        user = User(email="rows@b.co", password_hash="x")
        db.session.add(user)
        db.session.flush()
        account = SNSAccount(user_id=user.id, platform_user_id="1", connected_at=utcnow())
        db.session.add(account)
        db.session.flush()
        posts = [SNSPost(user_id=user.id, account_id=account.id, post_type="feed")
                 for _ in range(3)]
        db.session.add_all(posts)
        db.session.commit()
        return [p.id for p in posts]


@pytest.fixture
def post_id(post_ids):
    return post_ids[0]
