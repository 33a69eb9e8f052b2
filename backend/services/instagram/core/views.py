"""The integration's own document: its OpenAPI description (metrics: the host's /metrics)."""
from flask import jsonify, request

from backend import openapi
from backend.services.instagram.core.blueprint import api, instagram_bp


@api.route(instagram_bp, "/openapi.json", "GET", "This integration's OpenAPI 3.1 document",
           auth=False, description="Public. The platform's whole document (host endpoints "
           "too) is at /openapi.json, and browsable at /docs.")
def openapi_document():
    return jsonify(openapi.document([api], title=api.title, version=api.version,
                                    server_url=request.url_root.rstrip("/")))
