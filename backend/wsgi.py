"""WSGI entry point for production servers: gunicorn 'backend.wsgi:app'."""
import logging
import os

from dotenv import load_dotenv

from backend.app import create_app, start_background_jobs

load_dotenv()
app = create_app()
start_background_jobs(app)
# gunicorn sets SERVER_SOFTWARE; without gunicorn.conf.py each worker would answer /metrics
# with its own samples only.
if "gunicorn" in os.environ.get("SERVER_SOFTWARE", "") and not os.environ.get(
        "PROMETHEUS_MULTIPROC_DIR"):
    logging.getLogger(__name__).warning(
        "PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows one worker's samples. Start "
        "gunicorn from the repository (it reads gunicorn.conf.py) or with -c gunicorn.conf.py")
