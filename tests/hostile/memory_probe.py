"""Run as a program: upload images to a fresh platform and print its peak memory as JSON.

A separate process, so that the peak (ru_maxrss, a high-water mark) is of uploads alone
and not of whatever the test process did before. Usage:
    python -m tests.hostile.memory_probe TMPDIR FILE [FILE...]   (each FILE uploaded 3 times
    at once, after a warm-up upload)
"""
import json
import resource
import sys
import threading
from pathlib import Path

from tests.conftest import make_app


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(tmp, files):
    app = make_app(Path(tmp), "http://127.0.0.1:9")  # uploads never call Meta
    client = app.test_client()
    credentials = {"email": "memory@example.com", "password": "correct horse battery"}
    client.post("/api/auth/register", json=credentials)
    token = client.post("/api/auth/login", json=credentials).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def upload(path, answers):
        with open(path, "rb") as fh:
            response = app.test_client().post(
                "/api/sns/instagram/uploads", headers=headers,
                data={"file": (fh, Path(path).name)}, content_type="multipart/form-data")
        answers.append([response.status_code, (response.get_json().get("error") or {})
                        .get("code")])

    upload(files[0], [])  # warm-up: Pillow's plugins, the app's first request
    baseline = peak_mb()
    results = {}
    for path in files:
        answers = []
        threads = [threading.Thread(target=upload, args=(path, answers)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results[Path(path).name] = sorted(answers)
    print(json.dumps({"baseline_mb": baseline, "peak_mb": peak_mb(), "answers": results}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
