"""Endpoint registry: validates requests with pydantic models and builds OpenAPI 3.1 from them."""
import functools
import re
from dataclasses import dataclass, field
from typing import Annotated

from flask import request
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import models_json_schema

from backend.errors import APIError, NotFound
from backend.identity import require_jwt
from backend.inputs import (MAX_ID, MAX_REPORTED_ERRORS, MULTIPART, JSONRefused, body_limit,
                            parse_json, takes_files, unstorable_text)

REF = "#/components/schemas/{model}"
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
    description: str = ""
    body: type | None = None
    query: type | None = None
    response: type | None = None
    status: int = 200
    auth: bool = True
    errors: tuple = ()
    content_types: tuple = ("application/json",)
    extra_responses: dict = field(default_factory=dict)


class Registry:
    """Collects the endpoints of one blueprint; `document()` renders them as OpenAPI."""

    def __init__(self, title, version, prefix):
        self.title = title
        self.version = version
        self.prefix = prefix
        self.endpoints = []

    def route(self, blueprint, rule, method, summary, **options):
        """Register a view: the JWT is verified first (unless `auth=False`), then validated
        `body`/`query` models are passed as keyword arguments."""
        endpoint = Endpoint(rule=rule, method=method.upper(), summary=summary, **options)
        self.endpoints.append(endpoint)

        ids = _INT_PATH.findall(rule)

        def decorator(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                if endpoint.auth:
                    # Who asks comes before what is asked: no JWT is a 401, never a 422.
                    # The limiter's key function decoded it already; it is not decoded twice.
                    require_jwt()
                for name in ids:
                    if not 1 <= kwargs[name] <= MAX_ID:
                        thing = name.removesuffix("_id")  # post_id -> post_not_found
                        raise NotFound(f"No {thing} with this id.", code=f"{thing}_not_found")
                if endpoint.query is not None:
                    kwargs["query"] = validate(endpoint.query, request.args.to_dict(), "query")
                if endpoint.body is not None:
                    kwargs["body"] = validate(endpoint.body, _json_body(), "body")
                return view(*args, **kwargs)

            if MULTIPART in endpoint.content_types:
                body_limit(takes_files)(wrapper)  # files up to MAX_CONTENT_LENGTH
            blueprint.add_url_rule(rule, view.__name__, wrapper, methods=[endpoint.method])
            return wrapper
        return decorator

    def document(self):
        models = {m for e in self.endpoints for m in (e.body, e.query, e.response) if m}
        models.add(ErrorEnvelope)
        _, schema = models_json_schema(
            [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
            ref_template=REF)
        paths = {}
        for endpoint in self.endpoints:
            path = re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", self.prefix + endpoint.rule)
            paths.setdefault(path, {})[endpoint.method.lower()] = _operation(endpoint, path)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": schema.get("$defs", {}),
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                   "bearerFormat": "JWT"}},
            },
        }


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict = {}
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    """The one error envelope of the platform."""

    error: ErrorBody


ERROR_TEXT = {400: "Bad request", 401: "Missing or invalid JWT", 404: "Not found",
              409: "Conflict", 413: "Payload too large", 422: "Validation error",
              429: "Rate limited", 502: "Meta answered with an error",
              503: "Meta unavailable"}


def _operation(endpoint, path):
    op = {"summary": endpoint.summary, "operationId": f"{endpoint.method.lower()}_"
          + re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_"), "responses": {}}
    if endpoint.description:
        op["description"] = endpoint.description
    if endpoint.auth:
        op["security"] = [{"bearerAuth": []}]
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
               if f"<int:{name}>" in endpoint.rule else {"type": "string"}}
              for name in re.findall(r"\{([a-zA-Z_]+)\}", path)]
    if endpoint.query is not None:
        for name, info in endpoint.query.model_fields.items():
            params.append({"name": info.alias or name, "in": "query",
                           "required": info.is_required(),
                           "description": info.description or "",
                           "schema": {"$ref": REF.format(model=endpoint.query.__name__)
                                      + f"/properties/{info.alias or name}"}})
    if params:
        op["parameters"] = params
    if endpoint.body is not None:
        op["requestBody"] = {"required": True, "content": {
            ct: {"schema": {"$ref": REF.format(model=endpoint.body.__name__)}}
            for ct in endpoint.content_types}}
    ok = {"description": "Success"}
    if endpoint.response is not None:
        ok["content"] = {"application/json": {
            "schema": {"$ref": REF.format(model=endpoint.response.__name__)}}}
    op["responses"][str(endpoint.status)] = ok
    op["responses"].update(endpoint.extra_responses)
    # 429: the blueprint's rate limit covers every endpoint, those without a JWT too.
    codes = set(endpoint.errors) | ({401, 429} if endpoint.auth else {400, 429})
    if endpoint.body is not None:
        codes |= {400, 413}  # invalid_json; a body over MAX_CONTENT_LENGTH
    if endpoint.body is not None or endpoint.query is not None:
        codes.add(422)
    for code in sorted(codes):
        op["responses"][str(code)] = {"description": ERROR_TEXT.get(code, "Error"), "content": {
            "application/json": {"schema": {"$ref": REF.format(model="ErrorEnvelope")}}}}
    return op


def _json_body():
    if request.mimetype == MULTIPART:
        return {key: _form_value(value) for key, value in request.form.items()}
    if not request.content_length and not request.data:
        return {}
    if not request.is_json:
        raise APIError("The request body must be JSON (Content-Type: application/json).",
                       code="invalid_json")
    # Parsed here rather than by the host's JSON provider, so that a host without the
    # depth limit still answers 400, never a RecursionError's 500.
    try:
        return parse_json(request.get_data(cache=True))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, JSONRefused
        reason = str(exc) if isinstance(exc, JSONRefused) else "it is not valid JSON"
        raise APIError(f"The request body cannot be read: {reason}", code="invalid_json")


def _form_value(value):
    """Form fields are text; lists, numbers and booleans may come JSON-encoded."""
    text = value.strip()
    if text[:1] in "[{" or text in ("true", "false") or text.lstrip("-").isdigit():
        try:
            return parse_json(text)
        except ValueError:
            return value
    return value


def validate(model, data, where):
    """Parse data with a pydantic model; errors become one 422 listing the first
    MAX_REPORTED_ERRORS fields (`details.truncated` when there were more)."""
    if not isinstance(data, dict):
        raise APIError(f"The {where} must be a JSON object.", code="validation_error",
                       status=422)
    unstorable = unstorable_text(data, limit=MAX_REPORTED_ERRORS + 1)
    if unstorable:
        raise _invalid("The request has text that cannot be stored or sent to Instagram: ",
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
