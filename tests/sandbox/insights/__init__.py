"""Tests of the sandbox's insights package."""
