"""Media containers (contract 2.3, 2.8): the store, the lifecycle on the clock, the node."""
from dataclasses import dataclass

from ..core.context import get_state, runtime
from ..core.hosts import GRAPH_HOSTS
from ..core.nodes import NodeType
from ..core.persistence import build, record
from .container_params import ContainerRequest
from .media_specs import MB, MediaFacts
from .publish_errors import FORCED_FAILURE

EXPIRY_SECONDS = 24 * 3600
IN_PROGRESS, FINISHED, ERROR, EXPIRED, PUBLISHED = (
    "IN_PROGRESS", "FINISHED", "ERROR", "EXPIRED", "PUBLISHED")
STATUS_TEXT = {
    IN_PROGRESS: "In Progress: Media is still being processed.",
    FINISHED: "Finished: Media has been uploaded",
    EXPIRED: "Expired: Media has expired",
    PUBLISHED: "Published: Media has been published",
}
STORE = "containers"


@dataclass
class Container:
    """One container. `ready_at` is None while a resumable upload is awaited; `failure` is the
    subcode its processing ends with (None: FINISHED)."""

    id: str
    account_id: str
    request: object  # container_params.ContainerRequest
    created_at: float
    facts: object = None  # media_specs.MediaFacts once the media was read
    ready_at: float = None
    failure: int = None
    media_id: str = None
    published_at: float = None
    upload: object = None  # rupload.Upload while bytes arrive
    kind = "ig_container"

    def status_code(self, now):
        if self.media_id is not None:
            return PUBLISHED
        if now >= self.created_at + EXPIRY_SECONDS:
            return EXPIRED
        if self.ready_at is None or now < self.ready_at:
            return IN_PROGRESS
        return ERROR if self.failure else FINISHED

    def status_text(self, now):
        code = self.status_code(now)
        if code == ERROR:
            return f"Error: Media upload has failed with error code {self.failure}"
        return STATUS_TEXT[code]

    def copyright_check(self, now):
        code = self.status_code(now)
        if self.request.media_type != "VIDEO":
            status = "not_started"
        else:
            status = {IN_PROGRESS: "in_progress", ERROR: "error"}.get(code, "completed")
        return {"matches_found": False, "status": status}

    def start_processing(self, facts, now, settings):
        """The media is in: it is FINISHED (or ERROR) once the processing time has passed."""
        self.facts = facts
        self.failure = facts.failure
        if facts.kind == "video":
            outcome = settings["video_outcome"]
            if outcome != "auto":
                self.failure = FORCED_FAILURE if outcome == "error" else None
            self.ready_at = now + video_processing_seconds(facts, settings)
        elif facts.kind == "image":
            self.ready_at = now + settings["image_processing_seconds"]
        else:
            self.ready_at = now


def video_processing_seconds(facts, settings):
    """Meta's processing grows with a video's length and size: base + rates, per setting.
    A video the sandbox could not read counts as 0 s and 0 MiB (it ends in ERROR anyway)."""
    return (settings["video_processing_seconds"]
            + settings["video_processing_per_second"] * (facts.duration or 0)
            + settings["video_processing_per_mb"] * (facts.size or 0) / MB)


class ContainerStore:
    """Every container by id, with per-account counts for the 24-hour limits."""

    def __init__(self, state):
        self.by_id = {}
        self._last_number = 0

    def find(self, object_id):
        return self.by_id.get(str(object_id))

    def create(self, account_id, request, now):
        self._last_number += 1
        container = Container(id=f"1789{self._last_number:013d}", account_id=account_id,
                              request=request, created_at=now)
        self.by_id[container.id] = container
        return container

    def created_since(self, account_id, since):
        return sum(1 for c in self.by_id.values()
                   if c.account_id == account_id and c.created_at > since)

    def published_since(self, account_id, since):
        """Publishes in the window; a carousel counts once (its children are not published)."""
        return sum(1 for c in self.by_id.values()
                   if c.account_id == account_id and c.published_at is not None
                   and c.published_at > since and not c.request.is_carousel_item)

    def of_account(self, account_id):
        return [c for c in self.by_id.values() if c.account_id == account_id]

    def snapshot(self):
        """Containers with their request and media facts. The bytes of an unfinished
        resumable upload are not kept: after a restart the upload starts again at offset 0."""
        return {"last_number": self._last_number,
                "containers": [{**record(c, skip=("request", "facts", "upload")),
                                "request": record(c.request),
                                "facts": c.facts and record(c.facts)}
                               for c in self.by_id.values()]}

    def restore(self, data):
        self._last_number = int(data["last_number"])
        self.by_id = {}
        for row in data["containers"]:
            facts = row.get("facts")
            self.by_id[row["id"]] = build(
                Container, {k: v for k, v in row.items() if k not in ("request", "facts")},
                request=build(ContainerRequest, row["request"]),
                facts=build(MediaFacts, facts) if facts else None)


def store():
    return get_state().stores[STORE]


def can_access_account(host, account_id, token):
    """Whether `token` may act on this Instagram account on `host` (as for the account node)."""
    account = get_state().accounts.find(account_id)
    account_type = runtime().nodes.get(host, "ig_account")
    return account is not None and (account_type.can_read is None
                                    or account_type.can_read(account, token))


def container_type(host):
    def now():
        return get_state().now()
    return NodeType(
        kind=Container.kind, host=host, name="ShadowIGMediaBuilder", id_of=lambda c: c.id,
        fields={"id": lambda c, token: c.id,
                "status_code": lambda c, token: c.status_code(now()),
                "status": lambda c, token: c.status_text(now()),
                "copyright_check_status": lambda c, token: c.copyright_check(now())},
        can_read=lambda c, token: can_access_account(host, c.account_id, token),
        account_of=lambda c: get_state().accounts.find(c.account_id))


def init_app(app):
    runtime_ = app.extensions["sandbox"]
    runtime_.state.add_store(STORE, ContainerStore)
    for host in GRAPH_HOSTS:
        runtime_.nodes.add(container_type(host))
