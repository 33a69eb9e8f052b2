"""WSGI entry point for production servers: gunicorn 'backend.wsgi:app'."""
import logging
import os
import sys

from dotenv import load_dotenv

from backend.app import SETTINGS_ERRORS, create_app, start_background_jobs
from backend.logging_setup import configure_logging
from backend.startup_check import APP_LOAD_ERROR


def refuse_to_start(error):
    """One CRITICAL line naming the setting, in the configured format when it is usable."""
    try:
        configure_logging("INFO", os.environ.get("LOG_FORMAT"))
    except ValueError:
        configure_logging("INFO", "auto")
    logging.getLogger(__name__).critical("not starting: %s", error)
    sys.exit(APP_LOAD_ERROR)


load_dotenv()
try:
    app = create_app()
except SETTINGS_ERRORS as exc:
    refuse_to_start(exc)
start_background_jobs(app)
# gunicorn sets SERVER_SOFTWARE; without gunicorn.conf.py each worker would answer /metrics
# with its own samples only.
if "gunicorn" in os.environ.get("SERVER_SOFTWARE", "") and not os.environ.get(
        "PROMETHEUS_MULTIPROC_DIR"):
    logging.getLogger(__name__).warning(
        "PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows one worker's samples. Start "
        "gunicorn from the repository (it reads gunicorn.conf.py) or with -c gunicorn.conf.py")
