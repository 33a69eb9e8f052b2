"""Graph nodes: node types with fields and edges, `fields=` rendering, and the generic routes."""
from dataclasses import dataclass, field

from flask import current_app, request

from ..oauth.auth import authenticate, presented_token
from .context import get_state, meta_host, request_params, runtime, use_account
from .errors import (GraphError, invalid_parameter, nonexisting_field, object_not_found,
                     unknown_path)
from .fields import FieldSpec, parse_fields
from .hosts import GRAPH_HOSTS, IG_GRAPH, add_route
from .paging import page_response

OMIT = object()  # a field getter's answer for "leave this key out"
MAX_IDS = 50  # ids in one `GET /?ids=` (Meta's figure, unconfirmed)


@dataclass
class NodeRef:
    """A field value that is another node, rendered with the field's `{sub,fields}`."""

    obj: object


@dataclass
class NodeList:
    """A field value that is a list of nodes, rendered as `{"data": [...]}` like an edge."""

    objs: list


@dataclass
class NodeType:
    """How one kind of object reads on one host.

    Getters and handlers take `(obj, token)`; edge handlers also take the path part after
    the edge (or None) and return a JSON-ready value or a response. `can_read(obj, token)`
    returns False for "does not exist or no access" and may raise a more specific error.
    `account_of(obj)` names the Instagram account a call on the node is charged to.
    """

    kind: str
    host: str
    name: str
    id_of: object
    fields: dict
    default_fields: tuple = ("id",)
    can_read: object = None
    edges: dict = field(default_factory=dict)
    methods: dict = field(default_factory=dict)
    account_of: object = None


class NodeRegistry:
    """Node types by (host, kind), and what `me` means per host.

    A module adds a node type (or fields and edges to an existing one) in its `init_app`;
    the routes `/<id>`, `/<id>/<edge>` and `/<id>/<edge>/<sub>` on both Graph hosts serve it.
    """

    def __init__(self):
        self.types = {}
        self.me = {}

    def add(self, node_type):
        self.types[(node_type.host, node_type.kind)] = node_type
        return node_type

    def get(self, host, kind):
        return self.types.get((host, kind))

    def resolve(self, host, node_id, token, method):
        """The node type and object behind `node_id` for this token, or 100/33."""
        obj = self.me[host](token) if node_id == "me" else get_state().find_object(node_id)
        node_type = self.get(host, obj.kind) if obj is not None else None
        if node_type is None or (node_type.can_read and not node_type.can_read(obj, token)):
            raise object_not_found(node_id, method)
        if node_type.account_of is not None:
            use_account(node_type.account_of(obj))
        return node_type, obj


def _path_node(host, path):
    """The node type and object named by the path's first segment (not `me`), or Nones."""
    first = path.strip("/").split("/")[0]
    obj = get_state().find_object(first) if first and first != "me" else None
    node_type = runtime().nodes.get(host, obj.kind) if obj is not None else None
    return node_type, obj


def targets_account(host, path):
    """Whether a call is on an Instagram account (its BUC budget applies, not the app's)."""
    if host == IG_GRAPH:
        return True
    node_type, _ = _path_node(host, path)
    return node_type is not None and node_type.account_of is not None


def request_account(host, path):
    """The Instagram account a call is on, from its path or (graph.instagram.com) its token,
    without checking anything; None when neither names one."""
    node_type, obj = _path_node(host, path)
    if node_type is not None and node_type.account_of is not None:
        return node_type.account_of(obj)
    token = get_state().tokens.get(presented_token() or "") if host == IG_GRAPH else None
    if token is None or token.host != host:
        return None
    return get_state().accounts.find(token.subject_id)


def render(node_type, obj, specs, token):
    """The node's requested fields in request order; `id` always, last when not asked for."""
    specs = specs or [FieldSpec(name) for name in node_type.default_fields]
    for spec in specs:
        if spec.name not in node_type.fields:
            raise nonexisting_field(spec.name, node_type.name)
    out = {}
    for spec in specs:
        value = node_type.fields[spec.name](obj, token)
        if value is OMIT:
            continue
        if isinstance(value, NodeRef):
            value = _render_child(node_type.host, value.obj, spec, token)
        elif isinstance(value, NodeList):
            value = {"data": [_render_child(node_type.host, child, spec, token)
                              for child in value.objs]}
        out[spec.name] = value
    out.setdefault("id", node_type.id_of(obj))
    return out


def _render_child(host, obj, spec, token):
    child_type = runtime().nodes.get(host, obj.kind)
    return render(child_type, obj, spec.children or [FieldSpec("id")], token)


def requested_fields():
    return parse_fields(request_params().get("fields"))


def node_page(kind, items, token):
    """One cursor page of nodes of `kind`, each rendered with the request's `fields`."""
    node_type = runtime().nodes.get(meta_host(), kind)
    specs = requested_fields()
    return page_response(items, node_type.id_of, lambda obj: render(node_type, obj, specs,
                                                                    token))


def json_response(value):
    if isinstance(value, current_app.response_class):
        return value
    return current_app.json.response(value)


def _resolve(node_id):
    token = authenticate()
    node_type, obj = runtime().nodes.resolve(meta_host(), node_id, token, request.method)
    return token, node_type, obj


def node_view(node_id):
    token, node_type, obj = _resolve(node_id)
    if request.method == "GET":
        return json_response(render(node_type, obj, requested_fields(), token))
    handler = node_type.methods.get(request.method)
    if handler is None:
        raise object_not_found(node_id, request.method)
    return json_response(handler(obj, token))


def edge_view(node_id, edge, sub=None):
    token, node_type, obj = _resolve(node_id)
    handlers = node_type.edges.get(edge)
    if handlers is None:
        raise unknown_path(f"/{edge}" + (f"/{sub}" if sub else ""))
    handler = handlers.get(request.method)
    if handler is None:
        raise object_not_found(node_id, request.method)
    return json_response(handler(obj, token, sub))


def _unknown_in_ids(node_id):
    """The error for an id of `?ids=` the token cannot read (which code: a setting)."""
    if get_state().settings["multi_id_unknown_code"] == 803:
        return GraphError(803, f"(#803) Some of the aliases you requested do not exist: "
                               f"{node_id}")
    return object_not_found(node_id, "GET")


def ids_view():
    """`GET /?ids=a,b&fields=..`: `{"a": {..}, "b": {..}}`, keyed as asked; one id the token
    cannot read fails the whole request, as Meta does."""
    raw = request_params().get("ids")
    if not raw:
        raise unknown_path("/")  # what `/` without ids has always answered
    token = authenticate()
    ids = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if len(ids) > MAX_IDS:
        raise invalid_parameter(f"Too many IDs. Maximum: {MAX_IDS}. Actual: {len(ids)}.")
    specs, registry, answer = requested_fields(), runtime().nodes, {}
    for node_id in ids:
        try:
            node_type, obj = registry.resolve(meta_host(), node_id, token, "GET")
        except GraphError as exc:
            if (exc.code, exc.subcode) == (100, 33):
                raise _unknown_in_ids(node_id) from None
            raise
        answer[node_id] = render(node_type, obj, specs, token)
    return json_response(answer)


def init_app(app):
    add_route(app, GRAPH_HOSTS, "/", ids_view)
    methods = ("GET", "POST", "DELETE")
    add_route(app, GRAPH_HOSTS, "/<node_id>", node_view, methods)
    add_route(app, GRAPH_HOSTS, "/<node_id>/<edge>", edge_view, methods)
    add_route(app, GRAPH_HOSTS, "/<node_id>/<edge>/<path:sub>", edge_view, methods)
