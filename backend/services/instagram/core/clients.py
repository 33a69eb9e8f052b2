"""Builds InstagramAPI clients from the app's settings, sharing its session and guards."""
from tenacity import wait_none, wait_random_exponential

from backend.models import utcnow
from backend.services.instagram.core.deadline import request_deadline
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.client import ClientSettings, InstagramAPI


def client_settings(settings, login_type):
    """ClientSettings for one login flow: each flow has its own app credentials."""
    facebook = login_type == "facebook"
    return ClientSettings(
        app_id=settings.INSTAGRAM_FACEBOOK_APP_ID if facebook else settings.INSTAGRAM_APP_ID,
        app_secret=(settings.INSTAGRAM_FACEBOOK_APP_SECRET if facebook
                    else settings.INSTAGRAM_APP_SECRET),
        graph_url=settings.INSTAGRAM_GRAPH_URL,
        facebook_graph_url=settings.FACEBOOK_GRAPH_URL,
        oauth_url=settings.INSTAGRAM_OAUTH_URL,
        rupload_url=settings.INSTAGRAM_RUPLOAD_URL,
        graph_version=settings.INSTAGRAM_GRAPH_VERSION,
        timeout=(settings.INSTAGRAM_HTTP_CONNECT_TIMEOUT,
                 settings.INSTAGRAM_HTTP_READ_TIMEOUT),
        max_retries=settings.INSTAGRAM_MAX_RETRIES,
        appsecret_proof=settings.INSTAGRAM_APPSECRET_PROOF,
        max_response_bytes=settings.INSTAGRAM_GRAPH_MAX_RESPONSE_BYTES,
    )


def make_client(login_type, access_token=None, app=None):
    """A client for one login flow, optionally with a token (e.g. during OAuth).

    Inside a request, its calls and retries stop at the request's time budget.
    """
    rt = runtime(app)
    wait = rt.settings.INSTAGRAM_RETRY_WAIT_MAX
    return InstagramAPI.from_settings(
        client_settings(rt.settings, login_type), access_token, login_type,
        session=rt.session, usage=rt.usage, breaker=rt.breaker, observer=rt.observer,
        retry_wait=wait_random_exponential(multiplier=0.5, max=wait) if wait else wait_none(),
        deadline=request_deadline())


def error_record(exc):
    """What we keep about a Meta error on a row: codes and a safe message, no secrets."""
    return {"code": None if exc.code is None else str(exc.code),
            "subcode": None if exc.subcode is None else str(exc.subcode),
            "message": exc.user_message or exc.message, "at": utcnow().isoformat(),
            "fbtrace_id": exc.fbtrace_id}
