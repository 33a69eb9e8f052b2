"""Access tokens, permission grants and OAuth codes issued by the sandbox."""
import secrets
import string
from dataclasses import dataclass, field

from ..core.clock import graph_time
from ..core.hosts import FB_GRAPH, IG_GRAPH
from ..core.persistence import build, record

IG_SHORT = "ig_short"
IG_LONG = "ig_long"
FB_SHORT = "fb_user_short"
FB_LONG = "fb_user_long"
FB_PAGE = "fb_page"
KINDS = {IG_SHORT: IG_GRAPH, IG_LONG: IG_GRAPH, FB_SHORT: FB_GRAPH, FB_LONG: FB_GRAPH,
         FB_PAGE: FB_GRAPH}
_ALPHABET = string.ascii_letters + string.digits


def random_string(length, alphabet=_ALPHABET):
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class Grant:
    """What one user granted one app; tokens read their scopes from here, as Meta's do."""

    app_id: str
    subject_id: str
    granted: list = field(default_factory=list)
    declined: list = field(default_factory=list)

    def apply(self, granted, declined):
        """Record a dialog's answer; scopes not asked about keep their status."""
        for scope in granted:
            _move(scope, self.declined, self.granted)
        for scope in declined:
            _move(scope, self.granted, self.declined)

    def revoke(self, scope):
        _move(scope, self.granted, self.declined)

    def statuses(self):
        return ([{"permission": s, "status": "granted"} for s in self.granted]
                + [{"permission": s, "status": "declined"} for s in self.declined])


def _move(scope, source, target):
    if scope in source:
        source.remove(scope)
    if scope not in target:
        target.append(scope)


@dataclass
class Token:
    """An access token. `subject_id` is the IG professional id or the Facebook user id."""

    value: str
    kind: str
    app_id: str
    subject_id: str
    issued_at: float
    expires_at: float = None  # None: never expires
    page_id: str = None
    invalid_subcode: int = None

    @property
    def host(self):
        return KINDS[self.kind]

    @property
    def is_user(self):
        return self.kind in (FB_SHORT, FB_LONG)

    @property
    def is_page(self):
        return self.kind == FB_PAGE

    def expired(self, now):
        return self.expires_at is not None and now >= self.expires_at

    def expires_in(self, now):
        return max(0, int(self.expires_at - now))


@dataclass
class AuthCode:
    """An authorization code from a dialog: single use, short-lived, bound to its request."""

    value: str
    facebook: bool
    client_id: str
    redirect_uri: str
    subject_id: str
    expires_at: float
    scopes: list = field(default_factory=list)
    used: bool = False


class TokenStore:
    """Issued tokens, grants and codes."""

    def __init__(self):
        self.tokens = {}
        self.grants = {}
        self.codes = {}

    def grant(self, app_id, subject_id):
        key = (app_id, subject_id)
        if key not in self.grants:
            self.grants[key] = Grant(app_id, subject_id)
        return self.grants[key]

    def grant_of(self, token):
        return self.grant(token.app_id, token.subject_id)

    def issue(self, kind, app_id, subject_id, now, lifetime=None, page_id=None, expires_at=None):
        """A new token; `lifetime` seconds from `now`, or the given `expires_at`."""
        prefix = "IGAA" if KINDS[kind] == IG_GRAPH else "EAA"
        if lifetime is not None:
            expires_at = now + lifetime
        token = Token(value=prefix + random_string(150), kind=kind, app_id=app_id,
                      subject_id=subject_id, issued_at=now, expires_at=expires_at,
                      page_id=page_id)
        self.tokens[token.value] = token
        return token

    def get(self, value):
        return self.tokens.get(value)

    def page_token(self, page, user_token, now):
        """A Page token for `user_token`'s user: reused while valid; it never expires when the
        user token is long-lived and otherwise expires with the user token."""
        expires_at = None if user_token.kind == FB_LONG else user_token.expires_at
        for token in self.tokens.values():
            if (token.kind == FB_PAGE and token.page_id == page.id
                    and token.subject_id == user_token.subject_id
                    and token.expires_at == expires_at and token.invalid_subcode is None):
                return token
        return self.issue(FB_PAGE, user_token.app_id, user_token.subject_id, now,
                          page_id=page.id, expires_at=expires_at)

    def invalidate(self, subject_ids, subcode, app_id=None):
        """Make every token of these subjects fail with 190/`subcode` from now on."""
        for token in self.tokens.values():
            if token.subject_id in subject_ids and app_id in (None, token.app_id):
                token.invalid_subcode = subcode

    def new_code(self, facebook, client_id, redirect_uri, subject_id, expires_at, scopes):
        code = AuthCode(value="AQB" + random_string(200, _ALPHABET + "-_"), facebook=facebook,
                        client_id=client_id, redirect_uri=redirect_uri,
                        subject_id=subject_id, expires_at=expires_at, scopes=list(scopes))
        self.codes[code.value] = code
        return code

    def snapshot(self):
        return {"tokens": [record(t) for t in self.tokens.values()],
                "grants": [record(g) for g in self.grants.values()],
                "codes": [record(c) for c in self.codes.values()]}

    def restore(self, data):
        self.tokens = {row["value"]: build(Token, row) for row in data["tokens"]}
        grants = [build(Grant, row) for row in data["grants"]]
        self.grants = {(g.app_id, g.subject_id): g for g in grants}
        self.codes = {row["value"]: build(AuthCode, row) for row in data["codes"]}

    def listing(self, now, owner_name):
        """Tokens as JSON-ready dicts; `owner_name(token)` names the owning account."""
        return [{
            "access_token": t.value, "kind": t.kind, "host": t.host, "app_id": t.app_id,
            "owner": owner_name(t), "subject_id": t.subject_id, "page_id": t.page_id,
            "issued": graph_time(t.issued_at),
            "expires": graph_time(t.expires_at) if t.expires_at is not None else None,
            "expired": t.expired(now), "invalid_subcode": t.invalid_subcode,
            "scopes": list(self.grant_of(t).granted),
        } for t in self.tokens.values()]
