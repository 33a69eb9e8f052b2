"""The sandbox's Flask app factory: one app for every Meta host, routes registered by module."""
from flask import Flask

from ..accounts import facebook, instagram
from ..comments import control as comment_controls
from ..comments import graph as comments
from ..insights import account as account_insights
from ..insights import media as media_insights
from ..media import reads as media_reads
from ..oauth import debug_token, dialogs, exchanges
from ..publishing import containers, media_publish, publish_errors, rupload, samples
from ..webhooks import control as webhooks
from . import control, hooks, nodes
from .context import EXTENSION, Runtime
from .hosts import HostMiddleware
from .nodes import NodeRegistry
from .state import SandboxState

# Each module has init_app(app): it adds its routes, node types or hooks. Modules that add
# edges or fields to a node type come after the module that defines it.
MODULES = (hooks, control, samples, dialogs, exchanges, debug_token, instagram, facebook,
           publish_errors, containers, media_reads, media_publish, rupload, media_insights,
           account_insights, webhooks, comments, comment_controls, nodes)


def create_sandbox_app(settings=None):
    """A new sandbox with its own state; `settings` override the defaults (see settings.py)."""
    app = Flask(__name__, host_matching=True, static_folder=None)
    app.json.sort_keys = False  # Graph answers keep the requested field order
    app.extensions[EXTENSION] = Runtime(state=SandboxState(settings), nodes=NodeRegistry())
    for module in MODULES:
        module.init_app(app)
    app.wsgi_app = HostMiddleware(app.wsgi_app)
    return app
