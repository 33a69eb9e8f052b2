"""Injected faults: queued Graph errors, latency and dropped connections, matched per request."""
import re
import time
from dataclasses import dataclass, field

from .errors import TRANSIENT_CODES, GraphError
from .hosts import ENV_DROP, META_HOSTS

PHASES = ("before", "after")


class FaultSpecError(ValueError):
    """A fault description the sandbox cannot use."""


@dataclass
class FaultAction:
    """How one kind of fault reads its parameters and what it does to a request.

    `apply(fault, environ)` may sleep, raise a GraphError, or return a value that replaces
    the response; actions run in ascending `order`.
    """

    parse: object
    apply: object
    order: int


@dataclass
class Fault:
    """One queued fault: an action, a matcher (path regex, method, host), a count, a phase.

    Phase `before` runs ahead of the handler, `after` once the handler has done its work
    (e.g. a `media_publish` whose response is lost). Later modules add actions to
    `SandboxState.fault_actions`.
    """

    id: int
    action: str
    path: str
    method: str = None
    host: str = None
    times: int = 1  # None: until cleared
    phase: str = "before"
    params: dict = field(default_factory=dict)

    def matches(self, phase, host, method, path):
        return (self.phase == phase and self.method in (None, method)
                and self.host in (None, host) and re.search(self.path, path) is not None)

    def describe(self):
        return {"id": self.id, "action": self.action, "path": self.path, "method": self.method,
                "host": self.host, "times": self.times, "phase": self.phase, **self.params}


def _int(spec, name, default=None, minimum=0):
    value = spec.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultSpecError(f"{name} must be an integer >= {minimum}")
    return value


def _parse_error(spec):
    code = _int(spec, "code", minimum=-10)
    if code is None:
        raise FaultSpecError("an error fault needs a code")
    transient = spec.get("is_transient")
    if transient is None and code in TRANSIENT_CODES:
        transient = True
    return {"code": code, "subcode": _int(spec, "subcode"), "message": spec.get("message"),
            "http_status": _int(spec, "http_status", minimum=100), "is_transient": transient,
            "error_user_title": spec.get("error_user_title"),
            "error_user_msg": spec.get("error_user_msg"), "type": spec.get("type")}


def _apply_error(fault, environ):
    p = fault.params
    raise GraphError(p["code"], p["message"], p["subcode"], http_status=p["http_status"],
                     is_transient=p["is_transient"], user_title=p["error_user_title"],
                     user_msg=p["error_user_msg"], error_type=p["type"])


def _apply_latency(fault, environ):
    time.sleep(fault.params["latency_ms"] / 1000)


def _apply_drop(fault, environ):
    environ[ENV_DROP] = True
    return ""


BUILTIN_ACTIONS = {
    "latency": FaultAction(lambda spec: {"latency_ms": _int(spec, "latency_ms", 0)},
                           _apply_latency, 10),
    "drop_connection": FaultAction(lambda spec: {}, _apply_drop, 20),
    "error": FaultAction(_parse_error, _apply_error, 30),
}


def _action_of(spec, actions):
    if "action" in spec:
        action = spec["action"]
    elif spec.get("drop_connection"):
        action = "drop_connection"
    elif "latency_ms" in spec and "code" not in spec:
        action = "latency"
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
        phase = spec.get("phase", "before")
        if phase not in PHASES:
            raise FaultSpecError("phase must be before or after")
        fault = Fault(id=self._next_id, action=action, path=path, host=host, phase=phase,
                      method=method.upper() if isinstance(method, str) else None,
                      times=_int(spec, "times", 1, minimum=1),
                      params=self.actions[action].parse(spec))
        self._next_id += 1
        self.faults.append(fault)
        return fault

    def take(self, phase, host, method, path):
        """The first matching fault per action, in action order; their counts go down."""
        chosen = {}
        for fault in self.faults:
            if fault.action not in chosen and fault.matches(phase, host, method, path):
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
