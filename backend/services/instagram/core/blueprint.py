"""The integration's blueprint object and its endpoint registry (views register on both)."""
from flask import Blueprint, jsonify

from backend.services.instagram.core.registry import Registry

instagram_bp = Blueprint("instagram", __name__, url_prefix="/api/sns/instagram")
api = Registry("Instagram integration", "1.0.0", instagram_bp.url_prefix)


def dump(model, data, status=200):
    """A pydantic response model's JSON, validated on the way out: (response, status)."""
    return jsonify(model.model_validate(data).model_dump(mode="json")), status
