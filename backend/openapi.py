"""The OpenAPI 3.1 document of one or more endpoint registries, built from their pydantic models."""
import copy
import functools
import re

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from backend.endpoints import openapi_path
from backend.inputs import MAX_ID

REF = "#/components/schemas/{model}"

DESCRIPTION = """\
Every endpoint takes and returns JSON unless it says otherwise. Endpoints marked with a lock
need `Authorization: Bearer <JWT>`: register (`POST /api/auth/register`), log in
(`POST /api/auth/login`), then press **Authorize** and paste the token login answered.

Every error has one shape, `{"error": {"code", "message", "details", "request_id"}}`; a 422
lists every problem in `details.errors` as `{field, code, message}`. Times are ISO 8601 in
UTC. The full reference, with every error code, is docs/api.md.
"""


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict = {}
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    """The one error envelope of the platform."""

    error: ErrorBody


ERROR_TEXT = {400: "Bad request (`invalid_json`: the body is not JSON)",
              401: "Missing or invalid JWT", 403: "Forbidden", 404: "Not found",
              409: "Conflict", 413: "Payload too large",
              422: "Validation error: `details.errors` lists `{field, code, message}`",
              429: "Rate limited (`Retry-After` says when to retry)",
              502: "Meta answered with an error", 503: "Unavailable; `Retry-After` when known"}


def document(registries, *, title, version, server_url=None, description=DESCRIPTION):
    """One OpenAPI 3.1 document of every endpoint of `registries`."""
    endpoints = [(registry, e) for registry in registries for e in registry.endpoints]
    models = {m for _r, e in endpoints for m in (e.body, e.query, e.response) if m}
    models.add(ErrorEnvelope)
    ref_of, schemas = _schemas(tuple(sorted(models, key=lambda m: (m.__name__, m.__module__))))
    paths = {}
    for registry, endpoint in endpoints:
        path = openapi_path(registry.path_of(endpoint))
        paths.setdefault(path, {})[endpoint.method.lower()] = _operation(
            registry, endpoint, path, ref_of)
    used = {op.get("tags", [None])[0] for item in paths.values() for op in item.values()}
    tags, seen = [], set()
    for registry in registries:
        for name, text in registry.tags:
            if name in used and name not in seen:
                seen.add(name)
                tags.append({"name": name, "description": text})
    doc = {"openapi": "3.1.0",
           "info": {"title": title, "version": version, "description": description},
           "tags": tags, "paths": paths,
           "components": {"schemas": copy.deepcopy(schemas),
                          "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                             "bearerFormat": "JWT"}}}}
    if server_url:
        doc["servers"] = [{"url": server_url, "description": "This platform"}]
    return doc


@functools.lru_cache(maxsize=8)
def _schemas(models):
    """({model: its $ref}, component schemas) of these models; generated once per set (the
    models do not change while the process runs, and generating them is most of the cost)."""
    refs, schema = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    return ({model: refs[(model, "validation")]["$ref"] for model in models},
            schema.get("$defs", {}))


def _operation(registry, endpoint, path, ref_of):
    op = {"summary": endpoint.summary, "operationId": f"{endpoint.method.lower()}_"
          + re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_"), "responses": {}}
    if endpoint.tag:
        op["tags"] = [endpoint.tag]
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
                           "schema": {"$ref": ref_of[endpoint.query]
                                      + f"/properties/{info.alias or name}"}})
    if params:
        op["parameters"] = params
    if endpoint.body is not None:
        example = registry.example_for(endpoint)
        content = {}
        for media_type in endpoint.content_types:
            content[media_type] = {"schema": {"$ref": ref_of[endpoint.body]}}
            if endpoint.files and media_type == "multipart/form-data":
                files = {name: {"type": "string", "format": "binary"} for name in endpoint.files}
                content[media_type]["schema"] = {"allOf": [
                    content[media_type]["schema"], {"type": "object", "properties": files}]}
            if example is not None and media_type == "application/json":
                content[media_type]["example"] = example
        op["requestBody"] = {"required": True, "content": content}
    elif endpoint.files:  # a file upload and nothing else
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": list(endpoint.files),
            "properties": {name: {"type": "string", "format": "binary"}
                           for name in endpoint.files}}}}}
    op["responses"][str(endpoint.status)] = _success(endpoint, ref_of)
    op["responses"].update(endpoint.extra_responses)
    codes = set(endpoint.errors) | registry_errors(registry, endpoint)
    for code in sorted(codes):
        op["responses"][str(code)] = {"description": ERROR_TEXT.get(code, "Error"), "content": {
            "application/json": {"schema": {"$ref": ref_of[ErrorEnvelope]}}}}
    return op


def _success(endpoint, ref_of):
    ok = {"description": "Success"}
    content = {}
    for media_type in endpoint.produces:
        if media_type == "application/json" and endpoint.response is not None:
            content[media_type] = {"schema": {"$ref": ref_of[endpoint.response]}}
        elif media_type != "application/json":
            content[media_type] = {"schema": {"type": "string"}}
    if content:
        ok["content"] = content
    return ok


def registry_errors(registry, endpoint):
    """The error statuses every endpoint of its kind can answer."""
    codes = set(registry.common_errors)
    codes |= {401} if endpoint.auth else set(registry.public_errors)
    if endpoint.validated and endpoint.body is not None:
        codes |= {400, 413}  # invalid_json; a body over MAX_CONTENT_LENGTH
    if endpoint.validated and (endpoint.body is not None or endpoint.query is not None):
        codes.add(422)
    return codes
