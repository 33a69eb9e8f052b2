"""Sandbox mode reaches loopback (the sandbox, the platform's uploads) and no other private
address, through every field that names media."""
import pytest

from tests.hostile.conftest import PREFIX

TARGETS = ["https://10.0.0.1/a.jpg", "http://10.0.0.1/a.jpg", "https://172.16.5.4/a.jpg",
           "https://192.168.1.20/a.jpg", "https://169.254.169.254/latest/meta-data/",
           "https://[fe80::1]/a.jpg", "https://[fd00::2]/a.mp4", "http://[::ffff:10.0.0.1]/a.jpg"]


@pytest.mark.parametrize("url", TARGETS)
def test_preview_in_sandbox_mode_refuses_private_targets(client, auth_headers, url):
    bodies = [{"type": "feed", "image_url": url},
              {"type": "story", "video_url": url},
              {"type": "reel", "video_url": url, "cover_url": url},
              {"type": "feed", "items": [{"image_url": url}, {"image_url": url}]}]
    headers = auth_headers()
    for body in bodies:
        response = client.post(f"{PREFIX}/preview", json=body, headers=headers)
        assert response.status_code == 200
        report = response.get_json()
        codes = {e["code"] for e in report["errors"] if e["field"].endswith(("_url", "url"))}
        assert report["valid"] is False
        assert codes and codes <= {"url_private_address", "url_not_https"}, report["errors"]
