"""Sandbox settings: defaults, and validation of values set at creation or at run time."""

DEFAULTS = {
    "app_id": "100000000000001",
    "app_secret": "sandbox-app-secret",
    "app_name": "Sandbox App",
    "facebook_app_id": None,  # None: same as app_id
    "facebook_app_secret": None,  # None: same as app_secret
    "redirect_uris": [],  # empty: any http(s) URI is accepted
    "flat_token_response": False,
    "refresh_too_young_code": 100,
    "short_lived_seconds": 3600,
    "long_lived_seconds": 5184000,
    "fb_user_token_seconds": 5400,
    "code_seconds": 3600,
    "usage_calls_per_hour": 200,
    "latency_ms": 0,
    "require_appsecret_proof": False,
    "default_api_version": "v25.0",
    # Publishing (see docs/sandbox.md, "Publishing")
    "image_processing_seconds": 0,  # 0: images (carousel children too) FINISHED at creation
    # A video processes for video_processing_seconds + per_second * its duration in seconds
    # + per_mb * its size in MiB (docs/sandbox.md); the rates at 0 give a fixed time.
    "video_processing_seconds": 3,
    "video_processing_per_second": 0,
    "video_processing_per_mb": 0,
    "video_outcome": "auto",  # auto: the spec checks decide; finish or error: forced
    "publish_quota": 100,
    "container_quota": 400,
    "republish_answer": "error",  # error, or same_id: answer the first publish's media id
    "resumable_uri": False,  # add "uri" to a resumable container's answer
    "fetch_timeout_ms": 10000,
    "insights_lag_seconds": 600,
    # `GET /?ids=` naming an id the token cannot read: 100 (100/33 naming the id) or 803
    # ("Some of the aliases you requested do not exist"); Meta's choice is unconfirmed.
    "multi_id_unknown_code": 100,
}
NUMBER = (int, float)

_TYPES = {
    "app_id": str, "app_secret": str, "app_name": str,
    "facebook_app_id": (str, type(None)), "facebook_app_secret": (str, type(None)),
    "redirect_uris": list, "flat_token_response": bool, "refresh_too_young_code": int,
    "short_lived_seconds": int, "long_lived_seconds": int, "fb_user_token_seconds": int,
    "code_seconds": int, "usage_calls_per_hour": int, "latency_ms": int,
    "require_appsecret_proof": bool, "default_api_version": str,
    "image_processing_seconds": NUMBER, "video_processing_seconds": NUMBER,
    "video_processing_per_second": NUMBER, "video_processing_per_mb": NUMBER,
    "video_outcome": str, "publish_quota": int,
    "container_quota": int, "republish_answer": str, "resumable_uri": bool,
    "fetch_timeout_ms": int, "insights_lag_seconds": int, "multi_id_unknown_code": int,
}
_CHOICES = {"video_outcome": ("auto", "finish", "error"),
            "republish_answer": ("error", "same_id"),
            "multi_id_unknown_code": (100, 803)}


class SettingsError(ValueError):
    """A setting name or value that the sandbox does not accept."""


def validate(changes):
    """Return `changes` checked against the known names and types (bool is not an int here)."""
    checked = {}
    for name, value in (changes or {}).items():
        if name not in DEFAULTS:
            raise SettingsError(f"unknown setting: {name}")
        expected = _TYPES[name]
        is_bool_as_number = isinstance(value, bool) and expected is not bool
        if is_bool_as_number or not isinstance(value, expected):
            raise SettingsError(f"setting {name} has the wrong type")
        if isinstance(value, NUMBER) and not isinstance(value, bool) and value < 0:
            raise SettingsError(f"setting {name} must not be negative")
        if name in _CHOICES and value not in _CHOICES[name]:
            raise SettingsError(f"setting {name} must be one of "
                                f"{', '.join(map(str, _CHOICES[name]))}")
        if name == "redirect_uris" and not all(isinstance(uri, str) for uri in value):
            raise SettingsError("redirect_uris must be a list of strings")
        checked[name] = value
    return checked


class Settings(dict):
    """Current settings; the Facebook app credentials fall back to the Instagram app's."""

    @property
    def fb_app_id(self):
        return self["facebook_app_id"] or self["app_id"]

    @property
    def fb_app_secret(self):
        return self["facebook_app_secret"] or self["app_secret"]

    def app_for(self, facebook):
        """(app id, app secret) of the Facebook-Login app or the Instagram-Login app."""
        if facebook:
            return self.fb_app_id, self.fb_app_secret
        return self["app_id"], self["app_secret"]

    def public(self):
        """Settings as JSON-ready values (the sandbox may show its own secrets)."""
        return dict(self, facebook_app_id=self.fb_app_id, facebook_app_secret=self.fb_app_secret)
