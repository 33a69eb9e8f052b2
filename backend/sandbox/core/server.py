"""Running the sandbox: in a daemon thread (tests, scripts) or in the foreground (the CLI)."""
import logging
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_sandbox_app
from .context import EXTENSION
from .hosts import ENV_UNDERSCORE_HEADERS, base_urls
from .persistence import open_state

SECRET_PARAMS = ("access_token", "input_token", "fb_exchange_token", "client_secret", "code",
                 "appsecret_proof")


def redact(path):
    """A request path with token-like query values replaced (for request logs)."""
    parts = urlsplit(path)
    query = [(k, "[redacted]" if k in SECRET_PARAMS else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return parts._replace(query=urlencode(query, safe="[]")).geturl()


class UnderscoreHeadersHandler(WSGIRequestHandler):
    """Keeps the headers werkzeug drops for having an underscore (Meta's rupload uses them)."""

    def make_environ(self):
        environ = super().make_environ()
        environ[ENV_UNDERSCORE_HEADERS] = {key.lower(): value
                                           for key, value in self.headers.items() if "_" in key}
        return environ


class RedactingRequestHandler(UnderscoreHeadersHandler):
    """Logs requests like werkzeug does, without tokens, codes or secrets."""

    def log_request(self, code="-", size="-"):
        self.log("info", '"%s %s" %s', self.command, redact(self.path), code)


class QuietRequestHandler(UnderscoreHeadersHandler):
    """No per-request log lines (an embedding program's log capture stays clean)."""

    def log_request(self, code="-", size="-"):
        pass


class SandboxServer:
    """A sandbox served on a werkzeug threaded server; `saver` keeps its state in a file."""

    def __init__(self, app, server, thread=None, saver=None):
        self.app = app
        self.server = server
        self.thread = thread
        self.saver = saver

    @property
    def url(self):
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def state(self):
        """The live state (lock it when changing it from another thread)."""
        return self.app.extensions[EXTENSION].state

    @property
    def base_urls(self):
        return base_urls(self.url)

    def keep_state(self, state_file, reset=False):
        """Load the state saved in `state_file` (unless `reset`) and keep it there from now on.
        Call it before serving."""
        self.saver = open_state(self.state, state_file, reset=reset)
        self.app.teardown_request(self.saver.mark_dirty)
        self.saver.start()

    def start_thread(self):
        """Serve in a daemon thread."""
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       name=f"graph-api-sandbox:{self.server.port}",
                                       daemon=True)
        self.thread.start()

    @property
    def state_file(self):
        """The file the state is kept in, or None (memory only)."""
        return self.saver.file.path if self.saver is not None else None

    def save_state(self):
        """Write the state file now (it is also written on change and at shutdown)."""
        if self.saver is not None:
            self.saver.save()

    def shutdown(self):
        self.server.shutdown()
        self.close()

    def close(self):
        """Free the socket and write the state a last time (after serving has stopped)."""
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.saver is not None:
            self.saver.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()


def make_sandbox_server(host, port, settings=None, quiet=False, state_file=None,
                        reset_state=False, fd=None):
    """A sandbox bound to host:port (or on the listening socket `fd`), not serving yet. With
    `state_file`, its state is loaded from that file (unless `reset_state`) and saved there
    on change and at shutdown."""
    app = create_sandbox_app(settings)
    handler = QuietRequestHandler if quiet else RedactingRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler, fd=fd)
    sandbox = SandboxServer(app, server)
    if state_file is not None:
        sandbox.keep_state(state_file, reset=reset_state)
    return sandbox


def start_sandbox(host="127.0.0.1", port=0, state_file=None, reset_state=False, **settings):
    """Serve a new sandbox in a daemon thread; port 0 picks a free port (see `.url`).

    In memory unless `state_file` names where to keep its state across restarts.
    """
    sandbox = make_sandbox_server(host, port, settings, quiet=True, state_file=state_file,
                                  reset_state=reset_state)
    sandbox.start_thread()
    return sandbox


def serve_forever(sandbox):
    """Serve in the calling thread until interrupted."""
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    try:
        sandbox.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.close()
