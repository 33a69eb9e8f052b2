"""Integrations with social networks, one package each."""
