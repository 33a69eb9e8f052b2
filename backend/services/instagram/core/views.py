"""The integration's own document: its OpenAPI description (metrics: the host's /metrics)."""
from flask import jsonify

from backend.services.instagram.core.blueprint import api, instagram_bp


@api.route(instagram_bp, "/openapi.json", "GET", "This API as an OpenAPI 3.1 document")
def openapi():
    return jsonify(api.document())
