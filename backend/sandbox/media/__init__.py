"""Published media: the media store, its seed, the IGMedia node and its edges."""
