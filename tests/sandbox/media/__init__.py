"""Tests of the sandbox's media package."""
