"""Accounts: the seeded personas and their user, Page and Instagram-user nodes."""
