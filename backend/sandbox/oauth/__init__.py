"""Login and tokens: the login dialogs, token exchanges, the token store, debug_token."""
