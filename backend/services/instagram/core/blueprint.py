"""The integration's blueprint object and its endpoint registry (views register on both)."""
from flask import Blueprint, jsonify

from backend.inputs import cap_request_body
from backend.services.instagram.core.registry import Registry

instagram_bp = Blueprint("instagram", __name__, url_prefix="/api/sns/instagram")
# The host platform caps bodies before its rate limiter; a host that does not still gets
# the cap on the integration's routes, before any view reads a body.
instagram_bp.before_request(cap_request_body)
api = Registry("Instagram integration", "1.0.0", instagram_bp.url_prefix)


def dump(model, data, status=200):
    """A pydantic response model's JSON, validated on the way out: (response, status)."""
    return jsonify(model.model_validate(data).model_dump(mode="json")), status
