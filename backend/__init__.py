"""Host platform: app factory, models, auth and the Instagram integration."""
