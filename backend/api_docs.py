"""The platform's public API documents: /openapi.json (every endpoint) and /docs (Swagger UI).

Swagger UI comes from the flask-swagger-ui package, whose wheel carries Swagger UI's own
files: /docs and its assets are served by this app, so the docs work offline (no CDN).
"""
from flask import Blueprint, current_app, jsonify, request
from flask_swagger_ui import get_swaggerui_blueprint

from backend import openapi
from backend.host_api import platform_api

DOCS_PATH = "/docs"
OPENAPI_PATH = "/openapi.json"
TITLE = "SNS platform API"
VERSION = "1.0.0"
# Swagger UI's settings: no call to swagger.io's online validator (offline, and nothing
# about the API leaves the machine); the JWT pasted in Authorize survives a reload.
SWAGGER_UI = {"app_name": TITLE, "validatorUrl": None, "persistAuthorization": True,
              "displayRequestDuration": True, "docExpansion": "list", "deepLinking": True}

docs_bp = Blueprint("api_docs", __name__)


@platform_api.route(docs_bp, OPENAPI_PATH, "GET", "The platform's OpenAPI 3.1 document: every "
                    "endpoint", auth=False, tag="Platform")
def openapi_document():
    return jsonify(openapi.document(registries(current_app), title=TITLE, version=VERSION,
                                    server_url=request.url_root.rstrip("/")))


platform_api.describe(f"{DOCS_PATH}/", "GET", "The API docs (Swagger UI, served by the "
                      "platform itself)", auth=False, produces=("text/html",), tag="Platform")


def registries(app):
    """The registries whose endpoints the document lists: the host's, then those that
    integrations add to `app.extensions["openapi_registries"]` when they are registered."""
    return app.extensions.setdefault("openapi_registries", [])


def init_app(app):
    if platform_api not in registries(app):
        registries(app).insert(0, platform_api)
    app.register_blueprint(docs_bp)
    config = dict(SWAGGER_UI, url=OPENAPI_PATH)
    app.register_blueprint(get_swaggerui_blueprint(DOCS_PATH, OPENAPI_PATH, config=config))
