"""A foreign Flask host, with error pages, a rate limiter, JWT and logs of its own, that adds
Instagram with the two documented lines. Run in a fresh interpreter (nothing of the
platform's create_app has run in it) by tests/core/test_drop_in.py:

    python -m tests.core.bare_host <instance dir> [enabled|disabled] [late-limiter] [/prefix]
        [nested]

Its limiter's default (1/minute) is below the integration's own (2/minute); with
`late-limiter` the host sets its limiter up after registering the blueprint; with a
`/prefix` it mounts the blueprint there (register_blueprint(..., url_prefix=...)); with
`nested` too, inside a blueprint of its own mounted at /api (so at /api/prefix).

It prints, as JSON, what the host answered and what registering the blueprint changed.
"""
import json
import logging
import sys

from flask import Blueprint, Flask
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.extensions import db, scheduler


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = {}

    def emit(self, record):
        self.messages[record.name] = record.getMessage()


def make_host(instance, enabled, late_limiter=False, url_prefix=None, nested=False):
    host = Flask("foreign_host", instance_path=instance)
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", JWT_SECRET_KEY="j" * 40,
                       SECRET_KEY="s" * 40, RATELIMIT_DEFAULT="1/minute",
                       RATELIMIT_STORAGE_URI="memory://", INSTAGRAM_RATE_LIMIT="2/minute",
                       INSTAGRAM_ENABLED=enabled)
    db.init_app(host)
    JWTManager(host)  # the host's own, with flask-jwt-extended's default answers
    if not late_limiter:
        Limiter(get_remote_address, app=host)  # the host's own, its default from its config

    @host.errorhandler(404)
    def host_not_found(_error):
        return "<h1>Host page not found</h1>", 404

    @host.errorhandler(405)
    def host_method(_error):
        return "<h1>Host method not allowed</h1>", 405

    @host.route("/hello")
    def hello():
        return "hello"

    before = app_hooks(host)
    # The two lines a host adds.
    from backend.services.instagram import instagram_bp
    if nested:
        parent = Blueprint("host_api", __name__, url_prefix="/api")
        parent.register_blueprint(instagram_bp, url_prefix=url_prefix)
        host.register_blueprint(parent)
    elif url_prefix:
        host.register_blueprint(instagram_bp, url_prefix=url_prefix)
    else:
        host.register_blueprint(instagram_bp)
    host.config["hooks_before_instagram"] = before
    if late_limiter:
        Limiter(get_remote_address, app=host)
    with host.app_context():
        db.create_all()
    return host


def app_hooks(host):
    """The app-wide error handlers and request hooks (not those of a blueprint)."""
    handlers = {f"{code}:{cls.__name__}": name(func)
                for code, by_class in host.error_handler_spec[None].items()
                for cls, func in by_class.items()}
    return {"handlers": handlers,
            "before": [name(f) for f in host.before_request_funcs.get(None, [])],
            "after": [name(f) for f in host.after_request_funcs.get(None, [])]}


def name(function):
    return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"


def answer(response):
    body = response.get_json(silent=True)
    return {"status": response.status_code, "json": body,
            "text": None if body is not None else response.get_data(as_text=True)[:200],
            "headers": {k: v for k, v in response.headers.items()
                        if k.lower().startswith(("retry-after", "x-ratelimit", "allow",
                                                 "x-request-id"))}}


def observe(host, prefix="/api/sns/instagram"):
    client = host.test_client()
    get = client.get
    report = {
        "host_404": answer(get("/nope")),
        "host_405": answer(client.post("/hello")),
        "host_hello": [answer(get("/hello")) for _ in range(6)],
        "host_404_at_default_prefix": answer(get("/api/sns/instagram/nope")),
        "ig_404": answer(get(f"{prefix}/nope")),
        "ig_v1_404": answer(get("/api/v1/instagram/nope")),
        "ig_405": answer(client.put(f"{prefix}/accounts")),
        "ig_401": answer(get(f"{prefix}/accounts")),
        "ig_bad_jwt": answer(get(f"{prefix}/accounts",
                                 headers={"Authorization": "Bearer not.a.jwt"})),
        "ig_document": [answer(get(f"{prefix}/openapi.json")) for _ in range(3)],
        # Past the limit by now: a 429 of the integration, with the client's id.
        "ig_401_given_id": answer(get(f"{prefix}/accounts",
                                      headers={"X-Request-ID": "client-trace-1234"})),
        "jobs": scheduler.job_ids(),
        "cli": "instagram" in host.cli.commands,
        "documented": len(host.extensions.get("openapi_registries", [])),
        "hooks_before": host.config["hooks_before_instagram"],
        "hooks_after": app_hooks(host),
    }
    records = Records()
    for name in ("foreign_host.views", "backend.services.instagram.example"):
        logger = logging.getLogger(name)
        logger.addHandler(records)
        logger.warning("calling https://x.test/me?access_token=EAAsecret123456789")
    report["logs"] = records.messages
    return report


if __name__ == "__main__":
    prefix = next((arg for arg in sys.argv[3:] if arg.startswith("/")), None)
    nested = "nested" in sys.argv[3:]
    app = make_host(sys.argv[1], enabled=sys.argv[2] != "disabled",
                    late_limiter="late-limiter" in sys.argv[3:], url_prefix=prefix,
                    nested=nested)
    report = observe(app, ("/api" if nested else "") + (prefix or "/api/sns/instagram"))
    first = report["ig_document"][0]
    report["document_paths"] = sorted(first["json"]["paths"]) if first["status"] == 200 else []
    for item in report["ig_document"]:
        item["json"] = None if item["status"] == 200 else item["json"]  # no need for the doc
    print(json.dumps(report))
