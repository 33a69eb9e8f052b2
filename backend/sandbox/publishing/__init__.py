"""Content publishing: containers, media checks, media_publish, quota and rupload."""
