"""A local HTTP server that serves media with and without Range support, redirects and stalls."""
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.services.instagram.preflight.probe import probe_url

PAD_LIMIT = 4 * 1024 * 1024  # a "huge" file without Range support stops after this much


class MediaServer:
    """Routes: /range/NAME (honours Range), /plain/NAME (ignores it), /redirect/N/NAME,
    /to?location=URL, /status/CODE, /stall (never answers), /drip (one byte at a time)."""

    def __init__(self):
        self.files, self.requests = {}, []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"

    def add(self, name, data, *, content_type="application/octet-stream", total=None):
        """Serve `data`; `total` pretends the file is that big (zeros after `data`)."""
        self.files[name] = (data, content_type, total or len(data))
        return name

    def url(self, path):
        return self.base + path

    def ranges(self, name):
        return [rng for path, rng in self.requests if path.endswith("/" + name)]


def _handler(server):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = urlsplit(self.path).path
            server.requests.append((path, self.headers.get("Range")))
            route, _, rest = path.strip("/").partition("/")
            if route in ("plain", "range") and rest not in server.files:
                route = "not_found"
            try:
                getattr(self, "_" + route, self._not_found)(rest)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the probe hangs up once it has what it needs, or has given up

        def _not_found(self, _):
            self._reply(404, b"not found", "text/plain")

        def _status(self, code):
            self._reply(int(code), b"<html>error</html>", "text/html")

        def _to(self, _):
            location = parse_qs(urlsplit(self.path).query)["location"][0]
            self._reply(302, b"", "text/plain", Location=location)

        def _redirect(self, rest):
            hops, _, name = rest.partition("/")
            target = f"/redirect/{int(hops) - 1}/{name}" if int(hops) > 1 else f"/range/{name}"
            self._reply(302, b"", "text/plain", Location=target)

        def _stall(self, _):
            time.sleep(1.0)
            self._reply(200, b"late", "text/plain")

        def _drip(self, _):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"\xff")
                self.wfile.flush()
                time.sleep(0.05)

        def _plain(self, name):
            data, content_type, total = server.files[name]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            self._write(data, min(total, len(data) + PAD_LIMIT) - len(data))

        def _range(self, name):
            data, content_type, total = server.files[name]
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
            if not match:
                return self._plain(name)
            start = int(match.group(1))
            end = min(int(match.group(2) or total - 1), total - 1)
            if start >= total:
                return self._reply(416, b"", "text/plain")
            self.send_response(206)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Range", f"bytes {start}-{end}/{total}")
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            body = data[start:end + 1]
            self._write(body, end - start + 1 - len(body))

        def _write(self, body, zeros):
            self.wfile.write(body)
            while zeros > 0:
                self.wfile.write(bytes(min(zeros, 65536)))
                zeros -= 65536

        def _reply(self, status, body, content_type, **headers):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def media_server():
    server = MediaServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def probe_local(media_server):
    """probe_url for the loopback server (loopback and plain http allowed, as in sandbox
    mode)."""
    def probe(path, **options):
        options.setdefault("allow_loopback", True)
        return probe_url(media_server.url(path), **options)
    return probe
