"""Tests of the sandbox's oauth package."""
