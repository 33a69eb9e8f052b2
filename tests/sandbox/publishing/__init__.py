"""Tests of the sandbox's publishing package."""
