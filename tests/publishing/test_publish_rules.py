"""Publishing rules that need no Meta round trip: upload limits and single-runner leases."""
import io

from PIL import Image

from backend.extensions import db
from backend.models import SNSAccount, SNSPost, User, utcnow
from backend.services.instagram.core import leases
from tests.conftest import make_app


def test_oversized_upload_is_413_in_the_envelope(tmp_path, fresh_sandbox):
    app = make_app(tmp_path, fresh_sandbox.url, INSTAGRAM_UPLOAD_MAX_BYTES=2000)
    client = app.test_client()
    client.post("/api/auth/register", json={"email": "u@b.co", "password": "longenough1"})
    token = client.post("/api/auth/login", json={"email": "u@b.co", "password": "longenough1"}
                        ).get_json()["access_token"]
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, "PNG")
    response = client.post("/api/sns/instagram/uploads",
                           headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO(buffer.getvalue()), "big.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "upload_too_large"


def test_a_post_lease_is_held_by_exactly_one_worker(app):
    with app.app_context():
        user = User(email="l@b.co", password_hash="x")
        db.session.add(user)
        db.session.flush()
        account = SNSAccount(user_id=user.id, platform_user_id="1", connected_at=utcnow())
        db.session.add(account)
        db.session.flush()
        post = SNSPost(user_id=user.id, account_id=account.id, post_type="feed")
        db.session.add(post)
        db.session.commit()
        assert leases.claim(SNSPost, post.id, 60, owner="worker-a") is True
        assert leases.claim(SNSPost, post.id, 60, owner="worker-b") is False
        leases.release(SNSPost, post.id, owner="worker-a")
        assert leases.claim(SNSPost, post.id, 60, owner="worker-b") is True
