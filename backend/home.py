"""The platform's home page, `/`: a small page linking the API docs, the sandbox and health."""
from flask import current_app, render_template

from backend.api_docs import DOCS_PATH, OPENAPI_PATH


def home():
    config = current_app.config
    sandbox_url = config.get("INSTAGRAM_SANDBOX_URL") if config.get("INSTAGRAM_SANDBOX") else None
    # Flask's template environment autoescapes .html: configured URLs are text, never markup.
    return render_template("home.html", docs_path=DOCS_PATH, openapi_path=OPENAPI_PATH,
                           sandbox_url=sandbox_url)


def init_app(app):
    app.add_url_rule("/", "home", home)
