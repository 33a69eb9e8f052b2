"""Tests of the Graph API sandbox, through real HTTP on loopback."""
