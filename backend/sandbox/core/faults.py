"""Injected faults: queued errors, replaced answers, headers, latency, trickled or padded
answers and dropped connections."""
import json
import re
import time
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from .context import get_state, request_params, wire_string
from .errors import TRANSIENT_CODES, GraphError, object_not_found
from .hosts import ENV_DROP, ENV_TRICKLE_HEADERS, META_HOSTS

PHASES = ("before", "after")
# How Meta reads a boolean parameter (container_params reads is_carousel_item the same way).
TRUE_VALUES, FALSE_VALUES = ("true", "1"), ("false", "0")


class FaultSpecError(ValueError):
    """A fault description the sandbox cannot use."""


@dataclass
class FaultAction:
    """How one kind of fault reads its parameters and what it does to a request.

    `apply(fault, environ, response)` may sleep, raise a GraphError, or return a response
    that replaces the answer; `response` is the handler's answer in phase `after`, else None.
    Actions run in ascending `order`; `phases` lists the phases the action allows, the first
    being its default.
    """

    parse: object
    apply: object
    order: int
    phases: tuple = PHASES


@dataclass
class Fault:
    """One queued fault: an action, a matcher (path regex, method, host, request parameters),
    a count, a phase.

    Phase `before` runs ahead of the handler, `after` once the handler has done its work
    (e.g. a `media_publish` whose response is lost). The fault lets `nth - 1` matching
    requests through, then fires on the next `times` ones. Later modules add actions to
    `SandboxState.fault_actions`.
    """

    id: int
    action: str
    path: str
    method: str = None
    host: str = None
    times: int = 1  # None: until cleared
    phase: str = "before"
    params: dict = field(default_factory=dict)  # the action's own parameters
    nth: int = 1
    match: dict = field(default_factory=dict)  # request parameter -> expected value
    headers: dict = field(default_factory=dict)
    usage_exhausted: int = None  # minutes in estimated_time_to_regain_access
    passed: int = 0  # matching requests let through so far (see nth)

    def matches(self, phase, host, method, path, request_params):
        """Whether the request matches; `request_params()` is only called when needed."""
        if not (self.phase == phase and self.method in (None, method)
                and self.host in (None, host) and re.search(self.path, path) is not None):
            return False
        if not self.match:
            return True
        params = request_params()
        return all(_param_matches(want, params.get(name)) for name, want in self.match.items())

    def describe(self):
        extras = {"nth": self.nth, "passed": self.passed}
        optional = (("params", self.match), ("headers", self.headers),
                    ("usage_exhausted", self.usage_exhausted))
        extras.update({key: value for key, value in optional if value not in (None, {})})
        return {"id": self.id, "action": self.action, "path": self.path, "method": self.method,
                "host": self.host, "times": self.times, "phase": self.phase, **extras,
                **self.params}


def _param_matches(expected, actual):
    """A JSON null means "absent"; true/false match the spellings Meta reads as booleans."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if expected.lower() in ("true", "false"):
        return actual.strip().lower() in (TRUE_VALUES if expected.lower() == "true"
                                          else FALSE_VALUES)
    return actual == expected


def _int(spec, name, default=None, minimum=0):
    value = spec.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultSpecError(f"{name} must be an integer >= {minimum}")
    return value


def _string_map(spec, name, allow_null=False):
    value = spec.get(name)
    value = {} if value is None else value
    scalar = (str, int, float, bool) + ((type(None),) if allow_null else ())
    if not isinstance(value, dict) or not all(isinstance(v, scalar) for v in value.values()):
        raise FaultSpecError(f"{name} must be an object of names to values")
    return {str(k): (None if v is None else wire_string(v)) for k, v in value.items()}


def path_id(environ):
    """The first path segment (the node id, `me`, or '' for `/`)."""
    return environ.get("PATH_INFO", "").strip("/").split("/")[0]


def _parse_error(spec):
    code = _int(spec, "code", minimum=-10)
    if code is None:
        raise FaultSpecError("an error fault needs a code")
    return {"code": code, "subcode": _int(spec, "subcode"), "message": spec.get("message"),
            "http_status": _int(spec, "http_status", minimum=100),
            "is_transient": spec.get("is_transient"),
            "error_user_title": spec.get("error_user_title"),
            "error_user_msg": spec.get("error_user_msg"), "type": spec.get("type")}


def _meta_error(code, subcode, environ):
    """The error Meta itself sends for this code and subcode, when the sandbox knows it."""
    if (code, subcode) == (100, 33):
        return object_not_found(path_id(environ) or "/", environ.get("REQUEST_METHOD", "GET"))
    factory = get_state().known_errors.get((code, subcode))
    return factory(request_params()) if factory else None


def _apply_error(fault, environ, response):
    """The fault's error; what it leaves out comes from Meta's own error of that code and
    subcode (texts, type, is_transient), else from the generic texts of the code."""
    p = fault.params
    meta = _meta_error(p["code"], p["subcode"], environ)
    default = (lambda name: getattr(meta, name)) if meta else (lambda name: None)
    transient = p["is_transient"]
    if transient is None:
        transient = default("is_transient")
    if transient is None and p["code"] in TRANSIENT_CODES:
        transient = True
    raise GraphError(p["code"], p["message"] or default("message"), p["subcode"],
                     http_status=p["http_status"], is_transient=transient,
                     user_title=p["error_user_title"] or default("user_title"),
                     user_msg=p["error_user_msg"] or default("user_msg"),
                     error_type=p["type"] or default("error_type"))


def _parse_respond(spec):
    return {"respond": spec["respond"], "http_status": _int(spec, "http_status", 200, 100)}


def _fill_id(value, node_id):
    """`{id}` in the strings of a replacement body becomes the node id of the request."""
    if isinstance(value, str):
        return value.replace("{id}", node_id)
    if isinstance(value, list):
        return [_fill_id(item, node_id) for item in value]
    if isinstance(value, dict):
        return {key: _fill_id(item, node_id) for key, item in value.items()}
    return value


def json_answer(body, status):
    return Response(json.dumps(body, separators=(",", ":")), status, mimetype="application/json")


def _apply_respond(fault, environ, response):
    body = _fill_id(fault.params["respond"], path_id(environ))
    return json_answer(body, fault.params["http_status"])


def _parse_patch(spec):
    if not isinstance(spec.get("patch"), dict):
        raise FaultSpecError("patch must be a JSON object (a JSON Merge Patch)")
    return {"patch": spec["patch"]}


def merge_patch(target, patch):
    """RFC 7396: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _apply_patch(fault, environ, response):
    body = response.get_json(silent=True) if response is not None else None
    if not isinstance(body, dict) or response.status_code >= 300:
        return None  # only a successful JSON object is patched; errors stay as they are
    return json_answer(merge_patch(body, fault.params["patch"]), response.status_code)


def _apply_latency(fault, environ, response):
    time.sleep(fault.params["latency_ms"] / 1000)


def _parse_stream(spec):
    params = {"trickle_ms": _int(spec, "trickle_ms", 0), "chunk_bytes":
              _int(spec, "chunk_bytes", 1, minimum=1), "pad_bytes": _int(spec, "pad_bytes", 0),
              "trickle_headers": spec.get("trickle_headers", False)}
    if not isinstance(params["trickle_headers"], bool):
        raise FaultSpecError("trickle_headers must be true or false")
    if not (params["trickle_ms"] or params["pad_bytes"]):
        raise FaultSpecError("a stream fault needs trickle_ms or pad_bytes")
    if params["trickle_headers"] and not params["trickle_ms"]:
        raise FaultSpecError("trickle_headers needs trickle_ms")
    return params


def _apply_stream(fault, environ, response):
    """The real answer sent slowly and/or enlarged: `chunk_bytes` at a time with
    `trickle_ms` between chunks, then `pad_bytes` spaces (JSON stays valid), with no
    Content-Length. Nothing is held: the padding is produced as it is sent. With
    `trickle_headers` the status line and headers trickle first (HostMiddleware writes them)."""
    if response is None:
        return None
    body, p = response.get_data(), fault.params
    if p["trickle_headers"]:
        environ[ENV_TRICKLE_HEADERS] = (p["trickle_ms"], p["chunk_bytes"])
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]

    def chunks():
        pad, step = p["pad_bytes"], p["chunk_bytes"]
        for start in range(0, len(body), step):
            if start and p["trickle_ms"]:
                time.sleep(p["trickle_ms"] / 1000)
            yield body[start:start + step]
        while pad > 0:
            piece = min(pad, max(step, 64 * 1024) if not p["trickle_ms"] else step)
            if p["trickle_ms"]:
                time.sleep(p["trickle_ms"] / 1000)
            yield b" " * piece
            pad -= piece
    return Response(chunks(), response.status_code, headers=headers, direct_passthrough=True)


def _apply_drop(fault, environ, response):
    environ[ENV_DROP] = True
    return ""


BUILTIN_ACTIONS = {
    "latency": FaultAction(lambda spec: {"latency_ms": _int(spec, "latency_ms", 0)},
                           _apply_latency, 10),
    "drop_connection": FaultAction(lambda spec: {}, _apply_drop, 20),
    "error": FaultAction(_parse_error, _apply_error, 30),
    "respond": FaultAction(_parse_respond, _apply_respond, 40),
    "patch": FaultAction(_parse_patch, _apply_patch, 50, phases=("after",)),
    # The real answer, trickled and/or padded: a slow or enormous body after quick headers.
    "stream": FaultAction(_parse_stream, _apply_stream, 55, phases=("after",)),
    # Only headers (and usage_exhausted) for an answer that is otherwise the real one.
    "headers": FaultAction(lambda spec: {}, lambda fault, environ, response: None, 60),
}


def _action_of(spec, actions):
    if "action" in spec:
        action = spec["action"]
    elif spec.get("drop_connection"):
        action = "drop_connection"
    elif "respond" in spec:
        action = "respond"
    elif "patch" in spec:
        action = "patch"
    elif "trickle_ms" in spec or "pad_bytes" in spec or "trickle_headers" in spec:
        action = "stream"
    elif "latency_ms" in spec and "code" not in spec:
        action = "latency"
    elif "code" not in spec and ("headers" in spec or "usage_exhausted" in spec):
        action = "headers"
    else:
        action = "error"
    if action not in actions:
        raise FaultSpecError(f"unknown fault action: {action}")
    return action


class FaultQueue:
    """Queued faults in the order they were added."""

    def __init__(self, actions):
        self.actions = actions
        self.faults = []
        self._next_id = 1

    def add(self, spec):
        if not isinstance(spec, dict):
            raise FaultSpecError("a fault is a JSON object")
        action = _action_of(spec, self.actions)
        path = spec.get("path") or ""
        try:
            re.compile(path)
        except (re.error, TypeError) as exc:
            raise FaultSpecError(f"path is not a regular expression: {exc}") from None
        method, host = spec.get("method"), spec.get("host")
        if host is not None and host not in META_HOSTS:
            raise FaultSpecError(f"host must be one of {', '.join(META_HOSTS)}")
        phases = self.actions[action].phases
        phase = spec.get("phase", phases[0])
        if phase not in phases:
            raise FaultSpecError(f"phase must be {' or '.join(phases)} for a {action} fault")
        fault = Fault(id=self._next_id, action=action, path=path, host=host, phase=phase,
                      method=method.upper() if isinstance(method, str) else None,
                      times=_int(spec, "times", 1, minimum=1),
                      params=self.actions[action].parse(spec),
                      nth=_int(spec, "nth", 1, minimum=1),
                      match=_string_map(spec, "params", allow_null=True),
                      headers=_string_map(spec, "headers"),
                      usage_exhausted=_int(spec, "usage_exhausted"))
        self._next_id += 1
        self.faults.append(fault)
        return fault

    def take(self, phase, host, method, path, request_params=dict):
        """The faults that fire on this request: the first armed one per action, in action
        order. Every matching fault still letting requests through counts this one."""
        chosen = {}
        for fault in self.faults:
            if not fault.matches(phase, host, method, path, request_params):
                continue
            if fault.passed < fault.nth - 1:
                fault.passed += 1
            elif fault.action not in chosen:
                chosen[fault.action] = fault
        for fault in chosen.values():
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
        return sorted(chosen.values(), key=lambda f: self.actions[f.action].order)

    def clear(self):
        self.faults.clear()

    def listing(self):
        return [fault.describe() for fault in self.faults]
