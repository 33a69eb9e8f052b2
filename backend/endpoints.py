"""The platform's endpoint registry: requests validated with pydantic, the same models documented.

Host endpoints (register, login) and the Instagram integration's register their views here
the same way, so every 422 has one shape and backend/openapi.py describes every endpoint from
the models that validate it.
"""
import functools
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable

from flask import Flask, jsonify, request
from pydantic import BaseModel, Field, ValidationError

from backend.errors import APIError, NotFound, invalid_field
from backend.identity import require_jwt
from backend.inputs import (MAX_ID, MAX_REPORTED_ERRORS, MULTIPART, JSONRefused, body_limit,
                            parse_json, request_body, takes_files, unstorable_text)

# A row id in a body or query: outside the database's integer range it names no row, and
# binding it would make the driver raise; refused with the other validation errors.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Path ids the same way, answered 404 as an unknown id is (`<thing>_not_found`). Checked in
# the view wrapper rather than with werkzeug's int(max=...): a failed conversion there still
# counts the path as matched for the other rules' methods, so PATCH /drafts/<too big> would
# answer 405.
_INT_PATH = re.compile(r"<int:([a-zA-Z_]+)>")


@dataclass
class Endpoint:
    rule: str
    method: str
    summary: str
    path: str = ""  # the URL rule as the client sees it (prefix included)
    description: str = ""
    body: type | None = None
    query: type | None = None
    response: type | None = None
    status: int = 200
    auth: bool = True
    errors: tuple = ()
    content_types: tuple = ("application/json",)
    # File parts a multipart body may carry besides the model's fields.
    files: tuple = ()
    # Media types of the success answer: JSON (the response model) unless given.
    produces: tuple = ("application/json",)
    extra_responses: dict = field(default_factory=dict)
    tag: str | None = None
    # Request body example (JSON, or a form for multipart-only endpoints); else the registry's.
    example: Any = None
    # Documented only: the view is routed elsewhere and validates its own input.
    validated: bool = True


class Registry:
    """Endpoints of one part of the platform (the host's, or an integration's).

    `tags` is [(name, description)] in display order; `module_tags` names the tag of views
    whose route() gives none, by the package their module is in. `examples` is a callable
    returning {"METHOD path": example}, read each time the document is built (examples may
    depend on the app's settings, such as the sandbox's address). `common_errors` are
    statuses any of its endpoints can answer (429 where a limit covers them all),
    `public_errors` those of its endpoints without a JWT.
    """

    def __init__(self, title, version, *, tags=(), module_tags=None,
                 examples: Callable[[], dict] | None = None, common_errors=(),
                 public_errors=(), prefix=None,
                 mounted_at: Callable[[], str | None] | None = None):
        self.title = title
        self.version = version
        # A blueprint's own url_prefix, and where the current app mounted it (a host may
        # give another with register_blueprint(..., url_prefix=...)): see path_of.
        self.prefix = prefix
        self.mounted_at = mounted_at
        self.common_errors = tuple(common_errors)
        self.public_errors = tuple(public_errors)
        self.tags = list(tags)
        self.module_tags = dict(module_tags or {})
        self.examples = examples
        self.endpoints = []

    def route(self, target, rule, method, summary, *, absolute=False, **options):
        """Register a view on `target` (a blueprint or the app): the JWT is verified first
        (unless `auth=False`), then validated `body`/`query` models are passed as keyword
        arguments.

        `absolute=True` puts a blueprint's view at `rule` itself, outside the blueprint's
        URL prefix, while it stays the blueprint's (its error handlers, hooks and limits):
        the endpoint is named `<blueprint>.<view>` exactly as Flask names its own.
        """
        prefix = "" if absolute else (getattr(target, "url_prefix", None) or "")
        endpoint = Endpoint(rule=rule, method=method.upper(), summary=summary,
                            path=prefix + rule, **options)
        self.endpoints.append(endpoint)
        ids = _INT_PATH.findall(rule)

        def decorator(view):
            if endpoint.tag is None:
                endpoint.tag = self._tag_of(view)

            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                if endpoint.auth:
                    # Who asks comes before what is asked: no JWT is a 401, never a 422.
                    # The limiter's key function decoded it already; it is not decoded twice.
                    require_jwt()
                for name in ids:
                    # werkzeug's int converter reads any Unicode digit ('١' is 1): the ids of
                    # these paths are ASCII, and their other parts are Graph ids (digits).
                    if not 1 <= kwargs[name] <= MAX_ID or not request.path.isascii():
                        thing = name.removesuffix("_id")  # post_id -> post_not_found
                        raise NotFound(f"No {thing} with this id.", code=f"{thing}_not_found")
                if endpoint.query is not None:
                    kwargs["query"] = validate(
                        endpoint.query, _single_values(endpoint.query, request.args), "query")
                if endpoint.body is not None:
                    kwargs["body"] = validate(endpoint.body, _json_body(endpoint.body), "body")
                return view(*args, **kwargs)

            if MULTIPART in endpoint.content_types:
                body_limit(takes_files)(wrapper)  # files up to MAX_CONTENT_LENGTH
            _add_rule(target, rule, view.__name__, wrapper, endpoint.method, absolute)
            return wrapper
        return decorator

    def describe(self, path, method, summary, **options):
        """Document a view that is routed elsewhere (it reads its own input)."""
        endpoint = Endpoint(rule=path, method=method.upper(), summary=summary, path=path,
                            validated=False, **options)
        self.endpoints.append(endpoint)
        return endpoint

    def path_of(self, endpoint):
        """The endpoint's URL rule where the current app serves it: under the prefix the
        blueprint was registered with, when a host gave another (views routed outside the
        prefix, `absolute=True`, stay where they are)."""
        path, prefix = endpoint.path, self.prefix
        mounted = self.mounted_at() if self.mounted_at and prefix else None
        if mounted is not None and mounted != prefix and (
                path == prefix or path.startswith(prefix + "/")):
            return mounted + path[len(prefix):]
        return path

    def example_for(self, endpoint):
        if endpoint.example is not None:
            return endpoint.example
        examples = self.examples() if self.examples else {}
        return examples.get(f"{endpoint.method} {openapi_path(endpoint.path)}")

    def _tag_of(self, view):
        module = view.__module__
        for package, tag in self.module_tags.items():
            if module == package or module.startswith(package + "."):
                return tag
        return None


def openapi_path(rule):
    """A Flask URL rule as an OpenAPI path template: /posts/<int:post_id> -> /posts/{post_id}."""
    return re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", rule)


def _add_rule(target, rule, name, view, method, absolute):
    if isinstance(target, Flask) or not absolute:
        target.add_url_rule(rule, name, view, methods=[method])
        return

    def register(state):
        endpoint = f"{state.name_prefix}.{state.name}.{name}".lstrip(".")
        state.app.add_url_rule(rule, endpoint, view, methods=[method])
    target.record(register)


def dump(model, data, status=200):
    """A pydantic response model's JSON, validated on the way out: (response, status)."""
    return jsonify(model.model_validate(data).model_dump(mode="json")), status


def _json_body(model):
    if request.mimetype == MULTIPART:
        return _single_values(model, request.form, _form_value)
    if not request.content_length and not request.data:
        return {}
    if not request.is_json:
        raise APIError("The request body must be JSON (Content-Type: application/json).",
                       code="invalid_json")
    # Parsed here rather than by the host's JSON provider, so that a host without the
    # depth limit still answers 400, never a RecursionError's 500.
    try:
        return parse_json(request_body())
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, JSONRefused
        reason = str(exc) if isinstance(exc, JSONRefused) else "it is not valid JSON"
        raise APIError(f"The request body cannot be read: {reason}", code="invalid_json")


def _single_values(model, values, parse=None):
    """A query string or form (a MultiDict) as the model's input, one value a field.

    A field given twice (`?account_id=8&account_id=9`) is refused, naming it, rather than
    one of its values silently used; a list field takes every value given (each may be a
    JSON list too).
    """
    parse = parse or (lambda value, _annotation: value)
    data, repeated = {}, []
    for key in values:
        annotation = _annotation_of(model, key)
        given = [parse(value, annotation) for value in values.getlist(key)]
        if _is_list(annotation):
            # Every part, each a value or a JSON list: one part is a one-item list.
            data[key] = [item for value in given
                         for item in (value if isinstance(value, list) else [value])]
        elif len(given) > 1:
            repeated.append(key)
        else:
            data[key] = given[0]
    if repeated:
        raise _invalid("The request is not valid: ", [
            {"field": key, "code": "repeated_field",
             "message": "is given more than once; give it once"}
            for key in repeated[:MAX_REPORTED_ERRORS + 1]], " ")
    return data


def _annotation_of(model, key):
    for name, info in model.model_fields.items():
        if key in (name, info.alias, info.validation_alias):
            return info.annotation
    return None


def _is_text(annotation):
    """A str field (optional, constrained or a Literal of strings): its value is text."""
    if annotation is str:
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return all(isinstance(arg, str) for arg in args)
    if origin is Annotated:
        return _is_text(args[0])
    if origin in (typing.Union, types.UnionType):
        return all(_is_text(arg) for arg in args if arg is not type(None))
    return False


def _is_list(annotation):
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (typing.Union, types.UnionType, Annotated):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return False


def _form_value(value, annotation):
    """A form field's text as its model field reads it. A text field keeps it whatever it
    looks like (a caption "2024", "true" or "[draft] soon"); other fields may send a list or
    an object JSON-encoded; numbers and booleans stay text, which the model reads ("8",
    "true") as it reads a query string."""
    if _is_text(annotation):
        return value
    text = value.strip()
    if text[:1] in "[{":
        try:
            return parse_json(text)
        except ValueError:
            return value
    return value


def validate(model: type[BaseModel], data, where):
    """Parse data with a pydantic model; errors become one 422 listing the first
    MAX_REPORTED_ERRORS fields (`details.truncated` when there were more)."""
    if not isinstance(data, dict):
        raise invalid_field(where, "object_type", f"The {where} must be a JSON object.")
    unstorable = unstorable_text(data, limit=MAX_REPORTED_ERRORS + 1)
    if unstorable:
        raise _invalid("The request has text that cannot be stored or sent on: ",
                       [{"field": ".".join(str(p) for p in path) or where,
                         "code": "invalid_characters", "message": f"contains {reason}"}
                        for path, reason in unstorable], " ")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Without the input each error would echo (a list of a million items, once each).
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise _invalid("The request is not valid: ", [
            {"field": ".".join(str(p) for p in e["loc"]) or where, "code": e["type"],
             "message": e["msg"]} for e in errors[:MAX_REPORTED_ERRORS + 1]], ": ") from None


def _invalid(prefix, errors, joint):
    """The 422: the first errors in the message, up to MAX_REPORTED_ERRORS in details."""
    details = {"errors": errors[:MAX_REPORTED_ERRORS]}
    if len(errors) > MAX_REPORTED_ERRORS:
        details["truncated"] = True  # only the first are listed
    return APIError(prefix + "; ".join(f"{e['field']}{joint}{e['message']}"
                                       for e in errors[:5]),
                    code="validation_error", status=422, details=details)
