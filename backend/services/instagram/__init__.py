"""Instagram integration: the instagram_bp blueprint and the InstagramAPI client."""
