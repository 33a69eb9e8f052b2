"""Webhooks: the app's callback, `subscribed_apps`, and signed deliveries of events."""
