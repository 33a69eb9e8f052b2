"""The sandbox's Flask app factory: one app for every Meta host, routes registered by module."""
from flask import Flask

from . import (containers, control, debug_token, dialogs, graph_fb, graph_ig, hooks,
               insights_account, insights_media, media_nodes, nodes, oauth, publishing, rupload,
               samples)
from .context import EXTENSION, Runtime
from .hosts import HostMiddleware
from .nodes import NodeRegistry
from .state import SandboxState

# Each module has init_app(app): it adds its routes, node types or hooks. Modules that add
# edges or fields to a node type come after the module that defines it.
MODULES = (hooks, control, samples, dialogs, oauth, debug_token, graph_ig, graph_fb, containers,
           media_nodes, publishing, rupload, insights_media, insights_account, nodes)


def create_sandbox_app(settings=None):
    """A new sandbox with its own state; `settings` override the defaults (see settings.py)."""
    app = Flask(__name__, host_matching=True, static_folder=None)
    app.json.sort_keys = False  # Graph answers keep the requested field order
    app.extensions[EXTENSION] = Runtime(state=SandboxState(settings), nodes=NodeRegistry())
    for module in MODULES:
        module.init_app(app)
    app.wsgi_app = HostMiddleware(app.wsgi_app)
    return app
