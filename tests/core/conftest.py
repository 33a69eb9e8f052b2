"""Rows to hold leases on: one user, one account, three posts (no Meta involved)."""
import pytest

from backend.extensions import db
from backend.models import SNSPost
from tests.rows import user_and_account


@pytest.fixture
def post_ids(app):
    with app.app_context():
        user, account = user_and_account("rows@b.co")
        posts = [SNSPost(user_id=user.id, account_id=account.id, post_type="feed")
                 for _ in range(3)]
        db.session.add_all(posts)
        db.session.commit()
        return [p.id for p in posts]


@pytest.fixture
def post_id(post_ids):
    return post_ids[0]
