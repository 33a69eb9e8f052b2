"""Comments: the IGComment node, replies, moderation, @mentions and follower controls."""
