"""Tests of the sandbox's core package."""
