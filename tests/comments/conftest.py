"""Fixtures of the comments tests: a desk (a user with a connected account) on the live platform."""
from tests.comments.helpers import desk, open_desk  # noqa: F401
