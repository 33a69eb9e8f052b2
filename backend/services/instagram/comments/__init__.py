"""Comments: a media's comments and moderation, the inbox, @mentions and first comments."""
