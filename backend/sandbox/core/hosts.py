"""Meta host names, the host-prefix WSGI middleware and the base URLs a client configures."""
import re
import socket
import time

IG_GRAPH = "graph.instagram.com"
FB_GRAPH = "graph.facebook.com"
IG_OAUTH = "api.instagram.com"
IG_DIALOG = "www.instagram.com"
FB_DIALOG = "www.facebook.com"
RUPLOAD = "rupload.facebook.com"
META_HOSTS = (IG_GRAPH, FB_GRAPH, IG_OAUTH, IG_DIALOG, FB_DIALOG, RUPLOAD)
GRAPH_HOSTS = (IG_GRAPH, FB_GRAPH)
# Pseudo host for the sandbox's own pages and /_sandbox control endpoints.
SANDBOX_HOST = "sandbox"

CONFIG_KEYS = {
    "INSTAGRAM_GRAPH_URL": IG_GRAPH,
    "FACEBOOK_GRAPH_URL": FB_GRAPH,
    "INSTAGRAM_OAUTH_URL": IG_OAUTH,
    "INSTAGRAM_DIALOG_URL": IG_DIALOG,
    "FACEBOOK_DIALOG_URL": FB_DIALOG,
    "INSTAGRAM_RUPLOAD_URL": RUPLOAD,
}

_VERSION = re.compile(r"^v\d+\.\d+$")

# Keys the middleware leaves in the WSGI environ.
ENV_HOST = "sandbox.host"
ENV_VERSION = "sandbox.version"
ENV_BASE_URL = "sandbox.base_url"
ENV_ROOT_URL = "sandbox.root_url"
ENV_DROP = "sandbox.drop_connection"
# (trickle_ms, chunk_bytes) when a fault asks for the status line and headers to trickle.
ENV_TRICKLE_HEADERS = "sandbox.trickle_headers"
# Headers whose names have an underscore (rupload's `file_size`, `file_url`, ...): WSGI
# servers drop them from the environ, so the sandbox's request handler keeps them here.
ENV_UNDERSCORE_HEADERS = "sandbox.underscore_headers"


def base_urls(root_url):
    """Map the platform's config keys to this sandbox's per-host base URLs."""
    root = root_url.rstrip("/")
    return {key: f"{root}/{host}" for key, host in CONFIG_KEYS.items()}


def host_base_url(environ, host):
    """Base URL under which `host` is reachable from the client of this request."""
    return f"{environ[ENV_ROOT_URL]}/{host}"


class HostMiddleware:
    """Route by Meta host: take it from a leading path segment or a Meta `Host` header.

    Flask then matches routes on `HTTP_HOST` (host_matching), so the middleware rewrites it
    to the Meta host name (or `SANDBOX_HOST`) and keeps the client-facing URLs in the environ.
    A leading `/vNN.0` segment is removed and recorded. It also closes the socket without a
    response when a fault asked for a dropped connection.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        self._route(environ)
        answer = []

        def start(status, headers, exc_info=None):
            # A trickled answer is written to the socket here, status line first.
            if environ.get(ENV_TRICKLE_HEADERS) and environ.get("werkzeug.socket"):
                answer[:] = [status, headers]
                return _refuse_write
            return start_response(status, headers, exc_info)

        result = self.app(environ, start)
        if environ.get(ENV_DROP):
            if hasattr(result, "close"):
                result.close()
            return _drop(environ, start_response)
        if answer:
            return _trickle(environ, *answer, result)
        return result

    @staticmethod
    def _route(environ):
        scheme = environ.get("wsgi.url_scheme", "http")
        client_host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        root = f"{scheme}://{client_host}{script}"
        segments = environ.get("PATH_INFO", "").split("/")
        header_host = client_host.split(":")[0].lower()
        if len(segments) > 1 and segments[1] == "_sandbox":
            host, base = SANDBOX_HOST, root
        elif len(segments) > 1 and segments[1].lower() in META_HOSTS:
            host = segments[1].lower()
            del segments[1]
            base = f"{root}/{host}"
        elif header_host in META_HOSTS:
            host, base = header_host, root
        else:
            host, base = SANDBOX_HOST, root
        version = None
        if host != SANDBOX_HOST and len(segments) > 1 and _VERSION.match(segments[1]):
            version = segments.pop(1)
        environ.update({
            ENV_HOST: host, ENV_VERSION: version, ENV_BASE_URL: base, ENV_ROOT_URL: root,
            "PATH_INFO": "/".join(segments) or "/", "HTTP_HOST": host,
        })


def _drop(environ, start_response):
    """Close the client connection without an HTTP response."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return []
    # Without access to the socket: promise a body and send none, which clients report as a
    # broken connection (IncompleteRead) rather than as a response.
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "64")])
    return [b"{"]


def _refuse_write(data):
    raise RuntimeError("a trickled answer is written by the middleware")


def _trickle(environ, status, headers, body):
    """Write the whole answer to the socket ourselves: the status line and headers
    `chunk_bytes` at a time with `trickle_ms` between chunks (a server can only be that slow
    before its headers are complete by writing them itself), then the body, which ends when
    the connection closes. Then the server is told the client is gone, so it writes nothing
    more and logs nothing."""
    trickle_ms, step = environ[ENV_TRICKLE_HEADERS]
    sock = environ["werkzeug.socket"]
    kept = [(k, v) for k, v in headers
            if k.lower() not in ("content-length", "transfer-encoding", "connection")]
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept)
    head = (head + "Connection: close\r\n\r\n").encode("latin-1")
    try:
        for start in range(0, len(head), step):
            if start:
                time.sleep(trickle_ms / 1000)
            sock.sendall(head[start:start + step])
        for chunk in body:
            sock.sendall(chunk)
        sock.shutdown(socket.SHUT_WR)
    finally:
        if hasattr(body, "close"):
            body.close()
    # werkzeug treats a ConnectionError as a client that hung up: nothing more is sent.
    raise ConnectionAbortedError("trickled answer sent")
    yield b""  # a generator: werkzeug runs it (in the request's thread) as it serves


def add_route(app, hosts, rule, view, methods=("GET",)):
    """Register `view` for `rule` on each of `hosts` (Flask host matching)."""
    for host in hosts:
        app.add_url_rule(rule, endpoint=f"{host}:{view.__name__}:{rule}", view_func=view,
                         host=host, methods=list(methods))
