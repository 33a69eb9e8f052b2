"""Tests of the sandbox's accounts package."""
