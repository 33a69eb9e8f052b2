"""Run as a program: send requests to a fresh platform and print its peak memory as JSON.

A separate process, so that the peak (ru_maxrss, a high-water mark) is of those requests
alone and not of whatever the test process did before. Usage:
    python -m tests.hostile.memory_probe TMPDIR FILE [FILE...]
        each FILE uploaded 3 times at once, after a warm-up upload
    python -m tests.hostile.memory_probe --json TMPDIR PATH=FILE [PATH=FILE...]
        each FILE's bytes sent 3 times at once as a JSON body to PATH, after a warm-up
        request with an empty object to each PATH
"""
import json
import resource
import sys
import threading
from pathlib import Path

from tests.conftest import make_app

UPLOADS = "/api/sns/instagram/uploads"


def peak_mb():
    """This process's peak resident memory. VmHWM, of this program's own memory map:
    ru_maxrss keeps across exec the peak of the process that forked it (pytest's, after it
    wrote large test files)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def logged_in(tmp):
    app = make_app(Path(tmp), "http://127.0.0.1:9")  # these requests never call Meta
    client = app.test_client()
    credentials = {"email": "memory@example.com", "password": "correct horse battery"}
    client.post("/api/auth/register", json=credentials)
    token = client.post("/api/auth/login", json=credentials).get_json()["access_token"]
    return app, {"Authorization": f"Bearer {token}"}


def upload(app, headers, path):
    with open(path, "rb") as fh:
        return app.test_client().post(UPLOADS, headers=headers,
                                      data={"file": (fh, Path(path).name)},
                                      content_type="multipart/form-data")


def post_json(app, headers, target, warm_up=False):
    path, _, body = target.partition("=")
    return app.test_client().post(path, headers=headers,
                                  data=b"{}" if warm_up else Path(body).read_bytes(),
                                  content_type="application/json")


def warm_up_uploads(app, headers, targets):
    upload(app, headers, targets[0])  # Pillow's plugins, the app's first request


def warm_up_json(app, headers, targets):
    for target in targets:  # each route's first request, with a body that costs nothing
        post_json(app, headers, target, warm_up=True)


def main(tmp, targets, send, warm_up):
    app, headers = logged_in(tmp)
    warm_up(app, headers, targets)
    baseline = peak_mb()
    results = {}
    for target in targets:
        answers = []

        def one():
            response = send(app, headers, target)
            answers.append([response.status_code,
                            ((response.get_json(silent=True) or {}).get("error") or {})
                            .get("code")])
        threads = [threading.Thread(target=one) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results[Path(target).name] = sorted(answers)
    print(json.dumps({"baseline_mb": baseline, "peak_mb": peak_mb(), "answers": results}))


if __name__ == "__main__":
    if sys.argv[1] == "--json":
        main(sys.argv[2], sys.argv[3:], post_json, warm_up_json)
    else:
        main(sys.argv[1], sys.argv[2:], upload, warm_up_uploads)
