"""Graph API sandbox: a local stand-in for Meta's Instagram and Facebook hosts."""
from .core.hosts import base_urls

__all__ = ["base_urls"]
