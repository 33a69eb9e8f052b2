"""The login dialogs of www.instagram.com and www.facebook.com, answered by sandbox_* params."""
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import redirect, request

from ..accounts.personas import DEFAULT_PERSONA, PERSONAS, USERNAME_RE
from ..core.context import api_version, base_url, get_state
from ..core.errors import DialogError
from ..core.hosts import FB_DIALOG, IG_DIALOG, add_route
from ..core.pages import render_consent
from .scopes import (FB_ALWAYS, FB_CONFIG_SCOPES, IG_DEPRECATED, IG_REQUIRED, split_scopes,
                     unknown_scopes)
from .tokens import FB_LONG, FB_SHORT

DECISIONS = ("allow", "deny", "ask")
DENIED = {"error": "access_denied", "error_reason": "user_denied",
          "error_description": "The user denied your request"}


@dataclass(frozen=True)
class Dialog:
    """What differs between the two logins' dialogs."""

    facebook: bool
    label: str
    fragment: str  # Meta appends it to every code redirect
    required: str = None


INSTAGRAM = Dialog(facebook=False, label="Instagram", fragment="#_", required=IG_REQUIRED)
FACEBOOK = Dialog(facebook=True, label="Facebook", fragment="#_=_", required=FB_ALWAYS)


def _with_query(uri, params, fragment=""):
    params = {key: value for key, value in params.items() if value is not None}
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}{fragment}"


def _check_client(dialog, args, settings):
    app_id, _ = settings.app_for(dialog.facebook)
    if args.get("client_id") != app_id:
        raise DialogError("Invalid App ID", "The provided app ID does not look like a valid "
                                            "app ID." if dialog.facebook else
                          "Invalid Request: Request parameters are invalid: Invalid platform "
                          "app")
    uri = args.get("redirect_uri", "")
    parts = urlsplit(uri)
    registered = settings["redirect_uris"]
    valid = parts.scheme in ("http", "https") and parts.netloc and not parts.fragment
    if not valid or (registered and uri not in registered):
        raise DialogError("URL Blocked", "This redirect failed because the redirect URI is not "
                                         "whitelisted in the app's Client OAuth Settings."
                          if dialog.facebook else
                          "Invalid Request: Request parameters are invalid: Invalid redirect_uri")
    return uri


def _requested_scopes(dialog, args):
    """The scopes asked for, in order, the always-granted one first."""
    if dialog.facebook and not args.get("scope") and args.get("config_id"):
        names = list(FB_CONFIG_SCOPES)
    else:
        names = split_scopes(args.get("scope", ""))
    bad = unknown_scopes(names, dialog.facebook)
    if bad:
        hint = (" (removed on 2025-01-27; use instagram_business_* names)"
                if set(bad) & set(IG_DEPRECATED) else "")
        raise DialogError("Invalid Scopes", f"Invalid Scopes: {', '.join(bad)}{hint}. This "
                                            "message is only shown to developers.")
    if not dialog.facebook and IG_REQUIRED not in names:
        raise DialogError("Invalid Scopes", f"The {IG_REQUIRED} scope is required.")
    return [dialog.required] + [name for name in names if name != dialog.required]


def _sandbox_choice(args):
    persona = args.get("sandbox_persona") or DEFAULT_PERSONA
    if persona not in PERSONAS:
        raise DialogError("Sandbox", f"sandbox_persona must be one of {', '.join(PERSONAS)}")
    username = (args.get("sandbox_username") or "").strip().lower() or None
    if username and not USERNAME_RE.match(username):
        raise DialogError("Sandbox", "sandbox_username: up to 30 letters, digits, '.' or '_'")
    decision = args.get("sandbox_decision") or None
    if decision not in (None,) + DECISIONS:
        raise DialogError("Sandbox", "sandbox_decision must be allow, deny or ask")
    return persona, username, decision


def _granted(dialog, requested, args):
    """Requested scopes the person ticked (all when `sandbox_scopes` is absent)."""
    if "sandbox_scopes" not in args:
        return list(requested)
    chosen = split_scopes(args.getlist("sandbox_scopes"))
    return [s for s in requested if s in chosen or s == dialog.required]


def authorize(dialog):
    """Answer a dialog request as the person in front of it would.

    `sandbox_decision`, `sandbox_persona`, `sandbox_scopes` and `sandbox_username` stand in
    for that person; a browser without a decision (or `ask`) gets the consent page.
    """
    state = get_state()
    args = request.args
    redirect_uri = _check_client(dialog, args, state.settings)
    response_type = args.get("response_type", "code")
    if response_type not in (("code", "token") if dialog.facebook else ("code",)):
        raise DialogError("Invalid Request", f"Unsupported response_type: {response_type}")
    requested = _requested_scopes(dialog, args)
    persona, username, decision = _sandbox_choice(args)
    browser = "text/html" in request.headers.get("Accept", "")
    if decision == "ask" or (decision is None and browser):
        action = base_url() + (f"/{api_version()}" if api_version() else "") + request.path
        return render_consent(dialog, state.settings["app_name"], action, args, requested,
                              _granted(dialog, requested, args), persona, username)
    if decision == "deny":
        fragment = dialog.fragment if dialog.facebook else ""
        return redirect(_with_query(redirect_uri, {**DENIED, "state": args.get("state")},
                                    fragment))
    granted = _granted(dialog, requested, args)
    account = state.accounts.pick(persona, username)
    subject = account.fb_user_id if dialog.facebook else account.professional_id
    app_id = args["client_id"]
    state.tokens.grant(app_id, subject).apply(granted, [s for s in requested if s not in granted])
    if response_type == "token":
        return redirect(_token_redirect(state, app_id, subject, redirect_uri, args.get("state")))
    code = state.tokens.new_code(dialog.facebook, app_id, redirect_uri, subject,
                                 state.now() + state.settings["code_seconds"], granted)
    return redirect(_with_query(redirect_uri, {"code": code.value, "state": args.get("state")},
                                dialog.fragment))


def _token_redirect(state, app_id, subject, redirect_uri, client_state):
    """Facebook's implicit flow (onboarding variant): tokens in the URL fragment."""
    now, settings = state.now(), state.settings
    short = state.tokens.issue(FB_SHORT, app_id, subject, now, settings["fb_user_token_seconds"])
    long = state.tokens.issue(FB_LONG, app_id, subject, now, settings["long_lived_seconds"])
    fragment = {"access_token": short.value, "data_access_expiration_time": int(now) + 7776000,
                "expires_in": short.expires_in(now), "long_lived_token": long.value,
                "state": client_state}
    return f"{redirect_uri}#{urlencode({k: v for k, v in fragment.items() if v is not None})}"


def instagram_dialog():
    return authorize(INSTAGRAM)


def facebook_dialog():
    return authorize(FACEBOOK)


def init_app(app):
    add_route(app, (IG_DIALOG,), "/oauth/authorize", instagram_dialog)
    add_route(app, (FB_DIALOG,), "/dialog/oauth", facebook_dialog)
