"""Thin views of publishing: posts, stories, reels, preview, status, history and uploads."""
from flask import abort, request, send_file

from backend.auth import current_user_id
from backend.errors import APIError, invalid_field
from backend.services.instagram.accounts import connected
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.preflight.preview_page import render_preview_html
from backend.services.instagram.preflight.specs import media_summary
from backend.services.instagram.preflight.uploads import UploadError, resolve_upload, store_upload
from backend.services.instagram.publishing import posts, schemas as schemas

BOTH = ("application/json", "multipart/form-data")
PUBLISH_ERRORS = (403, 404, 409, 413, 422, 429, 502, 503)
PUBLISH_DOC = ("201 with the published post when it completed within "
               "INSTAGRAM_SYNC_PUBLISH_TIMEOUT, otherwise 202 and the work goes on in the "
               "background; both carry Location. Send an Idempotency-Key header to make "
               "retries safe. Multipart: a `file` part (image or video) plus the fields.")


def publish(post_type, body):
    """Publish `body` (a publish model): (response with Location, status)."""
    attach_upload(body)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 255:
        raise invalid_field("Idempotency-Key", "string_length",
                            "Idempotency-Key must be 1 to 255 characters.")
    post, _created = posts.submit(current_user_id(), post_type, body, key)
    status = posts.response_status(post)
    response, _ = dump(schemas.PostEnvelope, {"post": posts.serialize(post)}, status)
    response.headers["Location"] = posts.status_url(post)
    return response, status


def attach_upload(body):
    """A multipart `file` (or image/video) part becomes an upload the post refers to."""
    upload = file_part()
    if upload is None:
        return
    stored = _store(upload)
    body.upload_token = stored.token
    for key in ("image_url", "video_url"):
        if hasattr(body, key):
            setattr(body, key, None)


FILE_PARTS = ("file", "image", "video")


def file_part():
    """The request's one file part (`file`, `image` or `video`), or None.

    Two of them (two `image` parts, or an `image` and a `file`) are refused naming them,
    rather than one silently published and the other dropped.
    """
    given = [(name, part) for name in FILE_PARTS for part in request.files.getlist(name)]
    if len(given) > 1:
        names = sorted({name for name, _part in given})
        message = (f"Send one file per request; this one has {len(given)} file parts "
                   f"({', '.join(names)}).")
        raise APIError(message, code="validation_error", status=422, details={"errors": [
            {"field": name, "code": "repeated_field", "message": message}
            for name in names]})
    return given[0][1] if given else None


UPLOAD_STATUS = {"upload_too_large": 413, "uploads_busy": 503}
CONVERSION_WAIT_SECONDS = 10.0


def _store(upload):
    rt = runtime()
    try:
        return store_upload(upload.stream, upload.filename or "upload",
                            upload_dir=posts.upload_dir(),
                            max_bytes=rt.settings.INSTAGRAM_UPLOAD_MAX_BYTES, max_width=1440,
                            max_pixels=rt.settings.INSTAGRAM_IMAGE_MAX_PIXELS,
                            gate=rt.conversions, wait=CONVERSION_WAIT_SECONDS)
    except UploadError as exc:
        status = UPLOAD_STATUS.get(exc.code, 422)
        raise APIError(exc.message, code=exc.code, status=status,
                       headers={"Retry-After": "5"} if status == 503 else None)


def _publish_endpoint(path, summary, model, post_type):
    """Register one publish endpoint; the three differ only in path, body and type."""
    def view(body):
        return publish(post_type, body)
    view.__name__ = f"publish_{post_type}"
    api.route(instagram_bp, path, "POST", summary, body=model, response=schemas.PostEnvelope,
              status=201, errors=PUBLISH_ERRORS, content_types=BOTH, files=("file",),
              description=PUBLISH_DOC,
              extra_responses={"202": {"description": "Accepted; publishing goes on"}})(view)


_publish_endpoint("/posts", "Publish a feed image or a carousel", schemas.FeedPostRequest,
                  "feed")
_publish_endpoint("/stories", "Publish a story (image or video)", schemas.StoryRequest, "story")
_publish_endpoint("/reels", "Publish a reel", schemas.ReelRequest, "reel")


@api.route(instagram_bp, "/preview", "POST", "Validate and preview a post; no Graph call",
           body=schemas.PreviewRequest, response=schemas.PreviewOut, errors=(404, 413, 503),
           content_types=BOTH, files=("file",),
           description="JSON report, or the post rendered as in the Instagram feed with "
                       "Accept: text/html.")
def preview(body):
    return answer_preview(body)


def answer_preview(body):
    """The preview of a PreviewRequest: the JSON report, or the HTML page when asked for."""
    attach_upload(body)
    payload = body.model_dump(exclude_none=True)
    post_type = payload.pop("type")
    account = None
    if body.account_id is not None:
        account = connected.get_owned(current_user_id(), body.account_id)
    report = posts.validator().check(post_type, payload)
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        owner = account and {"username": account.username,
                             "profile_picture_url": (account.profile or {}).get(
                                 "profile_picture_url")}
        return render_preview_html(report, owner), 200, {"Content-Type": "text/html"}
    return dump(schemas.PreviewOut, report)


@api.route(instagram_bp, "/posts/<int:post_id>/status", "GET", "A post's publishing status",
           response=schemas.PostEnvelope, errors=(404,))
def post_status(post_id):
    return dump(schemas.PostEnvelope,
                {"post": posts.serialize(posts.get_owned(current_user_id(), post_id))})


@api.route(instagram_bp, "/posts", "GET", "The caller's posts, newest first",
           query=schemas.PostListQuery, response=schemas.PostList)
def list_posts(query):
    return dump(schemas.PostList, posts.list_owned(current_user_id(), query))


@api.route(instagram_bp, "/uploads", "POST", "Upload an image or video for later posts",
           response=schemas.UploadOut, status=201, errors=(413, 422, 503),
           content_types=("multipart/form-data",), files=("file",),
           description="Images are re-encoded to "
           "JPEG, EXIF orientation applied, metadata (GPS) stripped.")
def upload():
    part = file_part()
    if part is None:
        raise invalid_field("file", "missing", "Send the file as a multipart part named `file`.",
                            code="file_missing")
    stored = _store(part)
    url = posts.public_upload_url(stored.token)
    return dump(schemas.UploadOut, {"upload_token": stored.token, "url": url, "media": {
        "field": "file", "url": url, **media_summary(stored.info, hosted_by_platform=True)}},
        201)


@api.route(instagram_bp, "/uploads/<token>", "GET", "An uploaded file, as Meta fetches it "
           "(no JWT)", auth=False, produces=("image/jpeg", "video/mp4"), errors=(404,),
           description="The `url` of POST /uploads: public and unguessable, by design.")
def public_upload(token):
    """Public, unguessable URL so Meta can fetch uploaded media (no JWT, by design)."""
    path = resolve_upload(posts.upload_dir(), token.rsplit(".", 1)[0])
    if path is None:
        abort(404)
    mimetype = "image/jpeg" if path.endswith(".jpg") else "video/mp4"
    return send_file(path, mimetype=mimetype, conditional=True, max_age=3600)
