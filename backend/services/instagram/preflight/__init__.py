"""Checks before anything reaches Meta: caption rules, media specs, probes, uploads, preview."""
