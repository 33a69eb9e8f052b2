"""Instagram integration: the instagram_bp blueprint and the InstagramAPI client.

Both are loaded on first use, so importing a submodule (the client in a plain script,
say) does not pull in Flask views.
"""

__all__ = ["instagram_bp", "InstagramAPI"]


def __getattr__(name):
    if name == "instagram_bp":
        from backend.services.instagram.plugin import instagram_bp
        return instagram_bp
    if name == "InstagramAPI":
        from backend.services.instagram.graph.client import InstagramAPI
        return InstagramAPI
    raise AttributeError(name)
