"""Host register/login endpoints (JWT) and JWT failures in the one error envelope."""
import hashlib
import logging
import re
from typing import Annotated

from flask import Blueprint, request
from flask_jwt_extended import create_access_token, get_jwt_identity
from limits.strategies import FixedWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError

from backend.endpoints import dump
from backend.errors import JWT_MESSAGES, APIError, error_response
from backend.extensions import db, jwt, limiter
from backend.host_api import platform_api
from backend.inputs import MAX_ID
from backend.models import User

log = logging.getLogger(__name__)
auth_bp = Blueprint("auth", __name__, url_prefix="/api/auth")

MIN_PASSWORD = 8
# A user id as create_access_token writes it: decimal digits within the id column's range.
SUBJECT_RE = re.compile(r"[1-9][0-9]{0,9}")
# Password guessing is limited by where it comes from and by whom it targets; a JWT sent
# along changes neither (the default key would give every valid JWT its own allowance).
LOGIN_PER_ADDRESS, LOGIN_FAILURES_PER_EMAIL = "20/minute", "10/minute;50/hour"
REGISTER_PER_ADDRESS, REGISTER_PER_EMAIL = "10/minute", "5/minute"

# Compared as the views store it: surrounding spaces dropped, lower case.
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
# Bounded so that hashing a password costs what it should, whatever a client sends.
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
EXAMPLE = {"email": "me@example.com", "password": "correct-horse"}


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    email: Email
    password: Password


class Registration(Credentials):
    password: Annotated[Password, Field(min_length=MIN_PASSWORD,
                                        description=f"At least {MIN_PASSWORD} characters.")]


class UserOut(BaseModel):
    id: int
    email: str


class Registered(BaseModel):
    user: UserOut


class LoggedIn(BaseModel):
    access_token: str = Field(description="The JWT: send it as `Authorization: Bearer <it>`.")
    token_type: str = "Bearer"
    user: UserOut


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


@platform_api.route(auth_bp, "/register", "POST", "Create a user", auth=False,
                    body=Registration, response=Registered, status=201, errors=(409, 429),
                    tag="Auth", example=EXAMPLE,
                    description="409 `email_taken`. Limited per address (10 a minute) and per "
                                "email (5 a minute).")
@limiter.limit(REGISTER_PER_ADDRESS, key_func=client_address)
@limiter.limit(REGISTER_PER_EMAIL, key_func=email_tried)
def register(body):
    user = User(email=body.email)
    user.set_password(body.password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise APIError("An account with this email already exists.", code="email_taken",
                       status=409)
    return dump(Registered, {"user": {"id": user.id, "email": user.email}}, 201)


@platform_api.route(auth_bp, "/login", "POST", "Log in: a JWT for the other endpoints",
                    auth=False, body=Credentials, response=LoggedIn, errors=(401, 429),
                    tag="Auth", example=EXAMPLE,
                    description="401 `invalid_credentials`. Limited per address (20 a minute) "
                                "and per email (10 failures a minute, 50 an hour).")
@limiter.limit(LOGIN_PER_ADDRESS, key_func=client_address)
# Only failures count per email (_refund_unless_failed), so a user who logs in often is
# never locked out by it.
@limiter.limit(LOGIN_FAILURES_PER_EMAIL, key_func=email_tried)
def login(body):
    user = db.session.execute(db.select(User).filter_by(email=body.email)).scalar_one_or_none()
    if user is None or not user.check_password(body.password):
        raise APIError("Wrong email or password.", code="invalid_credentials", status=401)
    token = create_access_token(identity=str(user.id))
    return dump(LoggedIn, {"access_token": token, "user": {"id": user.id, "email": user.email}})


def _jwt_error(code):
    def handler(*_args):
        return error_response(code, JWT_MESSAGES[code], 401)
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
    jwt.token_verification_failed_loader(_jwt_error("invalid_token"))
    jwt.unauthorized_loader(_jwt_error("authorization_required"))
    jwt.invalid_token_loader(_jwt_error("invalid_token"))
    jwt.expired_token_loader(_jwt_error("token_expired"))
    jwt.revoked_token_loader(_jwt_error("token_revoked"))
    jwt.needs_fresh_token_loader(_jwt_error("fresh_token_required"))
    jwt.user_lookup_error_loader(_jwt_error("unknown_user"))
    app.register_blueprint(auth_bp)


def current_user_id():
    """The authenticated user's id (views call this once the JWT is verified)."""
    return int(get_jwt_identity())
