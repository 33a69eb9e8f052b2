"""Publishing rules that need no Meta round trip: the upload size limit."""
import io

from PIL import Image

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
