"""Listing an account's media from Meta."""
