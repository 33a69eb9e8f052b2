"""Meta's webhooks: verification, signed deliveries stored then processed, account subscriptions."""
