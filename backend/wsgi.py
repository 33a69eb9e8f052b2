"""WSGI entry point for production servers: gunicorn 'backend.wsgi:app'."""
from dotenv import load_dotenv

from backend.app import create_app, start_background_jobs

load_dotenv()
app = create_app()
start_background_jobs(app)
