"""Meta's publishing errors (contract 5.4), with the user titles and texts Meta sends."""
from ..core.errors import GraphError

# Subcodes a container's `status` can carry after failed processing, and the error that a
# media_publish of that container answers: (code, message, user title, user message).
# 2207026 and 2207053 are documented; 2207077 (duration) and 2207082 (size) stand in for the
# undocumented status-only codes (contract 2.3).
VIDEO_FAILURES = {
    2207026: (352, "The video format is not supported.", "Unsupported video format",
              "The video format is not supported. Please check spec for supported streams "
              "format."),
    2207077: (100, "The video duration is not supported.", "Unsupported video duration",
              "Reels must be 3 seconds to 15 minutes long and story videos 3 to 60 seconds."),
    2207082: (100, "The video file is too large.", "Video too large",
              "Reels may be at most 300 MB and story videos at most 100 MB."),
    2207053: (-1, "unknown upload error", "Upload failed",
              "An unknown error occurred during upload. Create a new container and try "
              "again."),
}
FORMAT_FAILURE, DURATION_FAILURE, SIZE_FAILURE, FORCED_FAILURE = 2207026, 2207077, 2207082, 2207053


def _error(code, subcode, message, title, user_msg, transient=False):
    return GraphError(code, message, subcode, is_transient=transient, user_title=title,
                      user_msg=user_msg)


def video_failure(subcode):
    code, message, title, user_msg = VIDEO_FAILURES[subcode]
    return _error(code, subcode, message, title, user_msg)


def fetch_failed(url):
    return _error(9004, 2207052, "Only photo or video can be accepted as media type.",
                  "Media download has failed.",
                  f"The media could not be fetched from this uri: {url}")


def fetch_timed_out():
    return _error(-2, 2207003, "It takes too long to download the media.",
                  "Media download timed out",
                  "A timeout occurred while downloading the media. Try again.", transient=True)


def image_too_large():
    return _error(36000, 2207004, "The image size is too large.", "Image size too large",
                  "The image is too large to download. It should be less than 8 MiB.")


def image_format():
    return _error(36001, 2207005, "The image format is not supported.",
                  "Unsupported image format",
                  "The image format is not supported. Supported formats are: JPEG.")


def aspect_ratio(width, height):
    return _error(36003, 2207009, "The aspect ratio is not supported.",
                  "Cannot post image with this aspect ratio",
                  f"The submitted image with aspect ratio ('{width / height:.4g}') cannot be "
                  "published. Please submit an image with a valid aspect ratio.")


def caption_too_long():
    return _error(36004, 2207010, "The caption was too long.", "Caption too long",
                  "The caption must be at most 2,200 characters long, with at most 30 "
                  "hashtags and 20 @mentions.")


def too_many_tags():
    return _error(100, 2207040, "(#100) Cannot use more than 20 tags per created media.",
                  "Too many tags", "Tag at most 20 accounts in a post.")


def unknown_media_type(media_type):
    return _error(100, 2207023, f"(#100) The media type {media_type} is unknown.",
                  "Unknown media type", f"The media type {media_type} is not supported.")


def carousel_size(count):
    return _error(100, 2207028, "(#100) A carousel must have between 2 and 10 children.",
                  "Invalid number of carousel items",
                  f"The carousel has {count} items; it needs between 2 and 10.")


def not_ready():
    return _error(9007, 2207027, "Media ID is not available", "Media not ready for publishing",
                  "The media is not ready for publishing, please wait for a moment")


def builder_expired(creation_id):
    return _error(24, 2207008, "The requested resource does not exist",
                  "Media builder expired",
                  f"The media builder with creation id = {creation_id} does not exist or has "
                  "been expired.")


def media_not_found(media_id):
    return _error(24, 2207006, "The requested resource does not exist", "Media not found",
                  f"Media with id {media_id} cannot be found.")


def publish_limit():
    return _error(9, 2207042, "(#9) Application request limit reached",
                  "Max daily posts reached",
                  "You reached maximum number of posts that is allowed to be published by "
                  "Content Publishing API.")


def container_limit(limit):
    return _error(9, 2207042, "(#9) Application request limit reached",
                  "Max daily containers reached",
                  f"You reached the maximum of {limit} media containers an account can create "
                  "in 24 hours.")


def already_published():
    return GraphError(100, "(#100) The media has already been published",
                      user_title="Media already published",
                      user_msg="This container was already published; it cannot be published "
                               "again.", is_transient=False)


def spam_block():
    """4/2207051 is a spam block, not a rate limit: not transient. Only faults send it."""
    return _error(4, 2207051, "(#4) Application request limit reached", "Action is blocked",
                  "The publishing action is suspected to be spam. We restrict certain "
                  "activity to protect our community.")


def server_error():
    return _error(-1, 2207001, "Instagram server error.", "Instagram server error",
                  "Instagram server error. Try again.", transient=True)


def create_failed():
    return _error(-1, 2207032, "Create media failed.", "Create media failed",
                  "Failed to create a media container. Try again.")


def thumb_offset_out_of_range(duration_ms):
    return _error(1, 2207057, "Thumbnail offset out of range", "Invalid thumbnail offset",
                  "Thumbnail offset must be greater than or equal to 0 and less than video "
                  f"duration, i.e. {duration_ms}")


def _media_url(params):
    return params.get("image_url") or params.get("video_url") or ""


# Meta's error per (code, subcode), from the request's parameters: what an error fault that
# names only the code and subcode answers (core/faults.py), e.g. 9007/2207027 on a carousel.
KNOWN_ERRORS = {
    (9007, 2207027): lambda params: not_ready(),
    (9004, 2207052): lambda params: fetch_failed(_media_url(params)),
    (-2, 2207003): lambda params: fetch_timed_out(),
    (24, 2207006): lambda params: media_not_found(params.get("creation_id", "")),
    (24, 2207008): lambda params: builder_expired(params.get("creation_id", "")),
    (9, 2207042): lambda params: publish_limit(),
    (4, 2207051): lambda params: spam_block(),
    (-1, 2207001): lambda params: server_error(),
    (-1, 2207032): lambda params: create_failed(),
    (36000, 2207004): lambda params: image_too_large(),
    (36001, 2207005): lambda params: image_format(),
    (36004, 2207010): lambda params: caption_too_long(),
    **{(code, subcode): (lambda params, subcode=subcode: video_failure(subcode))
       for subcode, (code, *_texts) in VIDEO_FAILURES.items()},
}


def init_app(app):
    app.extensions["sandbox"].state.known_errors.update(KNOWN_ERRORS)
