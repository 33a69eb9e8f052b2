"""Host register/login endpoints (JWT) and JWT failures in the one error envelope."""
import re

from flask import Blueprint, jsonify, request
from flask_jwt_extended import create_access_token, get_jwt_identity
from sqlalchemy.exc import IntegrityError

from backend.errors import APIError, error_response
from backend.extensions import db, jwt, limiter
from backend.models import User

auth_bp = Blueprint("auth", __name__, url_prefix="/api/auth")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def _credentials():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise APIError("Send a JSON object with email and password.", code="invalid_body")
    email = body.get("email")
    password = body.get("password")
    problems = {}
    if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
        problems["email"] = "a valid email address is required"
    if not isinstance(password, str) or not password:
        problems["password"] = "a password is required"
    if problems:
        raise APIError("Email and password are required.", code="validation_error",
                       status=422, details={"fields": problems})
    return email.strip().lower(), password


@auth_bp.post("/register")
@limiter.limit("10/minute")
def register():
    email, password = _credentials()
    if len(password) < MIN_PASSWORD:
        raise APIError(f"The password must have at least {MIN_PASSWORD} characters.",
                       code="validation_error", status=422,
                       details={"fields": {"password": "too short"}})
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise APIError("An account with this email already exists.", code="email_taken",
                       status=409)
    return jsonify({"user": {"id": user.id, "email": user.email}}), 201


@auth_bp.post("/login")
@limiter.limit("20/minute")
def login():
    email, password = _credentials()
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None or not user.check_password(password):
        raise APIError("Wrong email or password.", code="invalid_credentials", status=401)
    token = create_access_token(identity=str(user.id))
    return jsonify({"access_token": token, "token_type": "Bearer",
                    "user": {"id": user.id, "email": user.email}})


def _jwt_error(code, message):
    def handler(*_args):
        return error_response(code, message, 401)
    return handler


def init_app(app):
    """Bind JWT failure callbacks so every one answers in the envelope, and add the routes."""
    jwt.unauthorized_loader(_jwt_error(
        "authorization_required", "Send 'Authorization: Bearer <token>' from /api/auth/login."))
    jwt.invalid_token_loader(_jwt_error("invalid_token", "The access token is not valid."))
    jwt.expired_token_loader(_jwt_error("token_expired", "The access token has expired; "
                                                         "log in again."))
    jwt.revoked_token_loader(_jwt_error("token_revoked", "The access token was revoked."))
    jwt.needs_fresh_token_loader(_jwt_error("fresh_token_required", "Log in again."))
    jwt.user_lookup_error_loader(_jwt_error("unknown_user", "The user no longer exists."))
    app.register_blueprint(auth_bp)


def current_user_id():
    """The authenticated user's id (views call this once the JWT is verified)."""
    return int(get_jwt_identity())
