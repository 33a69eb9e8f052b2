"""Connected accounts: OAuth connect, state, token store, refresh, encryption."""
