"""rupload.facebook.com (contract 2.2): resumable video uploads into a waiting container."""
import json
import tempfile

from flask import jsonify, request

from ..core.context import get_state
from ..core.errors import GraphError
from ..core.hooks import lock_released
from ..core.hosts import ENV_UNDERSCORE_HEADERS, FB_GRAPH, RUPLOAD, add_route
from ..oauth.auth import lookup, presented_token, require_capability, token_problem
from .containers import EXPIRED, can_access_account, store
from .media_specs import check_video
from .remote_media import FetchFailed, LocalMedia, RemoteMedia

SPOOL_BYTES = 8 * 1024 * 1024
_CHUNK = 256 * 1024
SUCCESS = {"success": True, "message": "Upload successful."}


class UploadFailed(Exception):
    """A refused upload, answered in rupload's `debug_info` shape."""


class Upload:
    """Bytes of a resumable upload as they arrive (spooled to disk beyond 8 MiB)."""

    def __init__(self, size):
        self.size = size
        self.file = tempfile.SpooledTemporaryFile(SPOOL_BYTES)
        self.received = 0

    def write_from(self, stream, offset):
        if offset > self.received:
            raise UploadFailed(f"offset {offset} is past the {self.received} bytes received")
        self.file.seek(offset)
        self.file.truncate()
        self.received = offset
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            self.file.write(chunk)
            self.received += len(chunk)
        if self.received > self.size:
            raise UploadFailed("more bytes than file_size")


def _waiting_container(container_id, token):
    container = store().find(container_id)
    state = get_state()
    if (container is None or not container.request.resumable or container.ready_at is not None
            or container.status_code(state.now()) == EXPIRED):
        raise UploadFailed("the container does not exist or is not waiting for an upload")
    if not can_access_account(FB_GRAPH, container.account_id, token):
        raise UploadFailed("unauthorized user request")
    return container


def _authorized_token():
    state, value = get_state(), presented_token()
    try:
        token = lookup(value, state, FB_GRAPH) if value else None
        if token is None or token_problem(token, state) is not None:
            raise UploadFailed("unauthorized user request")
        require_capability(token, "publish")
    except GraphError:
        raise UploadFailed("unauthorized user request") from None
    return token


def _header(name, default=None):
    """A header by its exact Meta name (`file_size`), which WSGI servers usually drop."""
    kept = request.environ.get(ENV_UNDERSCORE_HEADERS) or {}
    return kept.get(name, request.headers.get(name, default))


def _int_header(name, default=None):
    raw = _header(name, default)
    if raw is None or not str(raw).isdigit():
        raise UploadFailed(f"the {name} header must be a non-negative integer")
    return int(raw)


def _receive(container_id, token):
    """Media facts once the whole video is in, else None (more chunks to come)."""
    container = _waiting_container(container_id, token)
    product, settings = container.request.product, get_state().settings
    file_url = _header("file_url")
    if file_url:
        with lock_released():
            try:
                return check_video(RemoteMedia(file_url, settings["fetch_timeout_ms"] / 1000),
                                   product)
            except (FetchFailed, GraphError):
                raise UploadFailed("Media could not be fetched from the file_url") from None
    size, offset = _int_header("file_size"), _int_header("offset", "0")
    upload = container.upload = container.upload or Upload(size)
    if size != upload.size:
        raise UploadFailed("file_size differs from the upload's first request")
    with lock_released():
        upload.write_from(request.stream, offset)
    if upload.received < upload.size:
        return None
    return check_video(LocalMedia(upload.file, upload.size), product)


def upload_view(version, container_id):
    try:
        token = _authorized_token()
        facts = _receive(container_id, token)
        if facts is not None:
            container = _waiting_container(container_id, token)
            state = get_state()
            container.start_processing(facts, state.now(), state.settings)
    except GraphError:
        return _failure("unauthorized user request")
    except UploadFailed as exc:
        return _failure(str(exc))
    return SUCCESS


def _failure(message):
    inner = json.dumps({"success": False, "error": {"message": message}})
    return jsonify({"debug_info": {"retriable": False, "type": "ProcessingFailedError",
                                   "message": inner}}), 400


def init_app(app):
    add_route(app, (RUPLOAD,), "/ig-api-upload/<version>/<container_id>", upload_view,
              ("POST",))
