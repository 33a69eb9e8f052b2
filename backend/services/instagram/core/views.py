"""The integration's own documents: its OpenAPI description and its operational metrics."""
from flask import jsonify, request

from backend.services.instagram.core.blueprint import api, instagram_bp
from backend.services.instagram.core.runtime import runtime


@api.route(instagram_bp, "/openapi.json", "GET", "This API as an OpenAPI 3.1 document")
def openapi():
    return jsonify(api.document())


@api.route(instagram_bp, "/metrics", "GET", "Operational metrics of the integration",
           description="JSON by default; Prometheus text with Accept: text/plain.")
def metrics():
    store = runtime().metrics
    if request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "text/plain":
        return store.render_prometheus(), 200, {"Content-Type": "text/plain; version=0.0.4"}
    return jsonify(store.snapshot())
