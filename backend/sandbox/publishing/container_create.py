"""`POST /{ig-user-id}/media`: the checks, reading the media URL, creating the container."""
from flask import request

from ..core.context import api_version, get_state, meta_host, request_params
from ..core.errors import invalid_parameter
from ..core.hooks import lock_released
from ..core.hosts import RUPLOAD, host_base_url
from ..oauth.auth import require_capability
from . import publish_errors as perr
from .container_params import parse_request
from .containers import ERROR, EXPIRED, IN_PROGRESS, PUBLISHED, store
from .media_specs import MediaFacts, check_image, check_video
from .remote_media import FetchFailed, RemoteMedia

DAY_SECONDS = 24 * 3600


def read_media(url, media_type, product, timeout_ms):
    """Fetch and check the media at `url` without holding the state lock (the URL may be the
    sandbox's own samples). Raises the error Meta answers at creation."""
    with lock_released():
        try:
            media = RemoteMedia(url, timeout_ms / 1000)
            check = check_image if media_type == "IMAGE" else check_video
            return check(media, product)
        except FetchFailed as exc:
            raise (perr.fetch_timed_out() if exc.timed_out else perr.fetch_failed(url)) from None


def check_thumb_offset(req, facts):
    offset = req.options.get("thumb_offset")
    if offset is not None and facts.duration is not None and offset >= facts.duration * 1000:
        raise perr.thumb_offset_out_of_range(int(facts.duration * 1000))


def _check_children(account, child_ids, now):
    """Carousel children: existing, of this account, carousel items, FINISHED, unused."""
    containers = store()
    for child_id in child_ids:
        child = containers.find(child_id)
        if child is None or child.account_id != account.professional_id:
            raise perr.media_not_found(child_id)
        status = child.status_code(now)
        if status == EXPIRED:
            raise perr.builder_expired(child_id)
        if not child.request.is_carousel_item:
            raise invalid_parameter(f"Param children contains {child_id}, which was not created "
                                    "with is_carousel_item=true")
        if status == IN_PROGRESS:
            raise perr.not_ready()
        if status == ERROR:
            raise perr.video_failure(child.failure)
        if status == PUBLISHED:
            raise invalid_parameter(f"The carousel item {child_id} was already published")


def create_container(account, token, sub):
    """The container's id; images are FINISHED at once, videos after processing."""
    require_capability(token, "publish")
    state = get_state()
    req = parse_request(request_params(), meta_host())
    settings, now = state.settings, state.now()
    limit = settings["container_quota"]
    if limit and store().created_since(account.professional_id, now - DAY_SECONDS) >= limit:
        raise perr.container_limit(limit)
    if req.kind == "CAROUSEL":
        _check_children(account, req.children, now)
    facts = None
    if req.url:
        facts = read_media(req.url, req.media_type, req.product, settings["fetch_timeout_ms"])
        check_thumb_offset(req, facts)
    elif req.kind == "CAROUSEL":
        facts = MediaFacts("carousel")
    container = store().create(account.professional_id, req, state.now())
    if facts is not None:
        container.start_processing(facts, state.now(), state.settings)
    body = {"id": container.id}
    if req.resumable and state.settings["resumable_uri"]:
        version = api_version() or state.settings["default_api_version"]
        body["uri"] = (f"{host_base_url(request.environ, RUPLOAD)}/ig-api-upload/{version}/"
                       f"{container.id}")
    return body
