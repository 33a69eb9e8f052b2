"""The settings the platform refuses to start with, checked without building it.

gunicorn's master runs this before it boots any worker (gunicorn.conf.py): with bad
settings the server stops with one line naming the setting. Otherwise every worker would
build the app, refuse, and exit at once, and gunicorn 27 answers two workers refusing
together with a traceback of its own (its HaltServer raised again while it stops). Nothing
here imports Flask or prometheus-client, or writes a file: the master stays as it was.
"""
import sys

from backend.config import SettingsError, check, host_settings
from backend.services.instagram.accounts.crypto import TokenKeyError, configured_cipher
from backend.services.instagram.settings import SettingsError as InstagramSettingsError
from backend.services.instagram.settings import resolve

# What a setting the platform cannot use raises at start-up (create_app too: backend/app.py
# takes this tuple); each message names the variable.
SETTINGS_ERRORS = (SettingsError, InstagramSettingsError, TokenKeyError)
# The exit status of a start refused for its settings: gunicorn stops, rather than booting
# workers again and again, when a worker exits with it (backend/wsgi.py), and its master
# exits with it too (gunicorn.conf.py), as `python -m backend.startup_check` does.
APP_LOAD_ERROR = 4


def settings_problem():
    """What create_app() would refuse to start with, from the environment, as the text of
    its error (e.g. "invalid settings: LOG_LEVEL: must be one of ..."); None when the host's
    settings, the Instagram integration's and its token keys are usable."""
    try:
        config = {key: value for key, value in host_settings().items() if value is not None}
        check(config)
        settings = resolve(config)
        if settings.INSTAGRAM_ENABLED:
            configured_cipher(settings.INSTAGRAM_TOKEN_KEYS, sandbox=settings.INSTAGRAM_SANDBOX)
    except SETTINGS_ERRORS as exc:
        return str(exc)
    return None


def main():
    """`python -m backend.startup_check`: the settings of this environment (and ./.env)
    checked as a start would check them, before a deploy or a gunicorn reload (HUP), which
    re-reads them in new workers and stops the whole server when they refuse. Prints the
    problem and exits APP_LOAD_ERROR (4), or says they are usable and exits 0."""
    from dotenv import load_dotenv
    load_dotenv()
    problem = settings_problem()
    if problem is not None:
        print(f"not starting: {problem}", file=sys.stderr)
        return APP_LOAD_ERROR
    print("settings: usable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
