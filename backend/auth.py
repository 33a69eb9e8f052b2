"""Host register/login endpoints (JWT) and JWT failures in the one error envelope."""
import hashlib
import logging
import re

from flask import Blueprint, jsonify, request
from flask_jwt_extended import create_access_token, get_jwt_identity
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.exc import IntegrityError

from backend.errors import APIError, error_response
from backend.extensions import db, jwt, limiter
from backend.inputs import MAX_ID, unstorable_text
from backend.models import User

log = logging.getLogger(__name__)
auth_bp = Blueprint("auth", __name__, url_prefix="/api/auth")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
# A user id as create_access_token writes it: decimal digits within the id column's range.
SUBJECT_RE = re.compile(r"[1-9][0-9]{0,9}")
# Password guessing is limited by where it comes from and by whom it targets; a JWT sent
# along changes neither (the default key would give every valid JWT its own allowance).
LOGIN_PER_ADDRESS, LOGIN_FAILURES_PER_EMAIL = "20/minute", "10/minute;50/hour"
REGISTER_PER_ADDRESS, REGISTER_PER_EMAIL = "10/minute", "5/minute"


def client_address():
    """Rate-limit key: the client's address, whatever the request carries."""
    return f"ip:{request.remote_addr or 'unknown'}"


EMAIL_KEY = "email:"


def email_tried():
    """Rate-limit key: the email a login or registration is for, as the view normalises it.

    Hashed, so the limiter's storage holds no addresses and keys stay short.
    """
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    text = email.strip().lower() if isinstance(email, str) else ""
    return EMAIL_KEY + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


@auth_bp.after_request
def _refund_unless_failed(response):
    """Only failed logins count per email. Every attempt is counted when it arrives (a
    check then and a count after the answer let concurrent guesses all pass the check:
    20 of 40 at once got to try a password, against a limit of 10); once the answer is
    known, all but a wrong password are given back, refusals (429) included."""
    if request.endpoint != "auth.login" or response.status_code == 401 \
            or not isinstance(limiter.limiter, FixedWindowRateLimiter):
        return response  # other strategies cannot give back: every attempt counts
    try:
        for hit in limiter.current_limits:
            if any(str(arg).startswith(EMAIL_KEY) for arg in hit.request_args):
                limiter.limiter.hit(hit.limit, *hit.request_args, cost=-1)
    except Exception:  # the storage failed since the check: the attempt stays counted
        log.warning("could not give back a login attempt to the per-email limit",
                    exc_info=True)
    return response


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
    bad = {str(path[0]): f"contains {reason}"
           for path, reason in unstorable_text({"email": email, "password": password})}
    if bad:
        raise APIError("The email or password has characters that cannot be stored.",
                       code="validation_error", status=422, details={"fields": bad})
    return email.strip().lower(), password


@auth_bp.post("/register")
@limiter.limit(REGISTER_PER_ADDRESS, key_func=client_address)
@limiter.limit(REGISTER_PER_EMAIL, key_func=email_tried)
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
@limiter.limit(LOGIN_PER_ADDRESS, key_func=client_address)
# Only failures count per email (_refund_unless_failed), so a user who logs in often is
# never locked out by it.
@limiter.limit(LOGIN_FAILURES_PER_EMAIL, key_func=email_tried)
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


def _claims_usable(_header, claims):
    """Only tokens as login issues them: with an expiry, for a user id the database can hold.

    A signed token without `exp` would be valid forever; a non-numeric `sub` would fail
    later, in current_user_id().
    """
    subject = claims.get("sub")
    return ("exp" in claims and isinstance(subject, str)
            and SUBJECT_RE.fullmatch(subject) is not None and int(subject) <= MAX_ID)


def init_app(app):
    """Bind JWT failure callbacks so every one answers in the envelope, and add the routes."""
    jwt.token_verification_loader(_claims_usable)
    jwt.token_verification_failed_loader(_jwt_error("invalid_token",
                                                    "The access token is not valid."))
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
