"""Classification of Meta error bodies by code and subcode, never by HTTP status."""
import pytest

from backend.services.instagram.graph import errors as e
from backend.services.instagram.graph.error_codes import (DEFAULT_RATE_LIMIT_WAIT, ERROR_TABLE,
                                                          error_from_response)
from tests.graph.fakes import fake_response, meta_error

# Contract 5.3 (generic codes), then every row of 5.4 (publishing codes).
GENERIC_ROWS = [
    (1, None, e.TransientError), (2, None, e.TransientError),
    (4, None, e.RateLimitError), (17, None, e.RateLimitError), (32, None, e.RateLimitError),
    (341, None, e.RateLimitError), (368, None, e.SpamBlockError), (613, None, e.RateLimitError),
    (80001, None, e.RateLimitError), (80002, None, e.RateLimitError),
    (80006, None, e.RateLimitError),
    (190, None, e.AuthError), (102, None, e.AuthError), (10, None, e.AuthError),
    (3, 2228054, e.PermanentError), (100, None, e.UserFixableError),
    (100, 33, e.NotFoundError), (803, None, e.NotFoundError),
    (200, None, e.PermissionMissingError), (250, None, e.PermissionMissingError),
    (299, None, e.PermissionMissingError), (506, None, e.DuplicatePostError),
]
PUBLISHING_ROWS = [
    (-2, 2207003, e.TransientError), (-2, 2207020, e.ContainerExpiredError),
    (-1, 2207001, e.TransientError), (-1, 2207032, e.ContainerExpiredError),
    (-1, 2207053, e.ContainerExpiredError), (1, 2207057, e.UserFixableError),
    (4, 2207051, e.SpamBlockError), (9, 2207042, e.PublishLimitError),
    (24, 2207006, e.ContainerExpiredError), (24, 2207008, e.TransientError),
    (25, 2207050, e.UserFixableError), (100, 2207023, e.MediaError),
    (100, 2207028, e.MediaError), (100, 2207035, e.UserFixableError),
    (100, 2207036, e.UserFixableError), (100, 2207037, e.UserFixableError),
    (100, 2207040, e.UserFixableError), (352, 2207026, e.MediaError),
    (9004, 2207052, e.MediaError), (9007, 2207027, e.NotReadyError),
    (36000, 2207004, e.MediaError), (36001, 2207005, e.MediaError),
    (36003, 2207009, e.MediaError), (36004, 2207010, e.UserFixableError),
]
AUTH_REASONS = [(458, "app_removed"), (459, "checkpointed"), (460, "password_changed"),
                (463, "expired"), (464, "unconfirmed_user"), (467, "invalid_token"),
                (492, "invalid_session"), (493, "data_access_expired")]


def classify(code, subcode=None, status=400, **extra):
    return error_from_response(fake_response(status, meta_error(code, subcode, **extra)))


@pytest.mark.parametrize("code,subcode,cls", GENERIC_ROWS + PUBLISHING_ROWS)
@pytest.mark.parametrize("status", [400, 403, 500])
def test_every_contract_row_is_classified_by_code_and_subcode(code, subcode, cls, status):
    error = classify(code, subcode, status)
    assert type(error) is cls
    assert (error.code, error.subcode, error.http_status) == (code, subcode, status)
    assert error.fbtrace_id == "AbCdEfTrace"


@pytest.mark.parametrize("code,subcode,cls", PUBLISHING_ROWS)
def test_every_publishing_row_tells_the_user_what_to_do(code, subcode, cls):
    error = classify(code, subcode)
    assert error.user_message and error.user_message.endswith(".")
    assert len(error.user_message.split()) >= 6


def test_spam_block_is_not_a_rate_limit():
    error = classify(4, 2207051, is_transient=True,
                     message="We restrict certain activity to protect our community")
    assert isinstance(error, e.SpamBlockError)
    assert not isinstance(error, e.RateLimitError)
    assert error.is_transient is False and error.retry_after is None


@pytest.mark.parametrize("subcode,reason", AUTH_REASONS)
def test_token_subcodes_name_the_reason(subcode, reason):
    error = classify(190, subcode)
    assert isinstance(error, e.AuthError) and error.reason == reason
    assert "reconnect" in error.user_message.lower()


def test_meta_user_message_wins_over_our_sentence():
    error = classify(36000, 2207004, error_user_title="Image size too large",
                     error_user_msg="The image is too large to download.")
    assert error.user_title == "Image size too large"
    assert error.user_message == "The image is too large to download."
    assert classify(36000, 2207004).user_message.startswith("The image is larger than 8 MB")


def test_code_alone_falls_back_for_unknown_subcodes():
    assert isinstance(classify(36001, None), e.MediaError)
    assert isinstance(classify(190, 999), e.AuthError)
    assert classify(190, 999).reason == "invalid_token"


def test_is_transient_flag_without_a_better_rule_is_transient():
    assert isinstance(classify(12345, is_transient=True), e.TransientError)
    assert type(classify(12345)) is e.PermanentError


def test_too_few_story_viewers_is_not_a_reauth():
    error = classify(10, message="(#10) Not enough viewers for the media to show insights")
    assert type(error) is e.PermanentError and error.reason == "not_enough_viewers"


def test_permission_errors_name_the_missing_permission():
    error = classify(200, message="(#200) Requires instagram_content_publish permission")
    assert error.permission == "instagram_content_publish"


def test_container_builder_expiry_becomes_expired_after_retries():
    error = classify(24, 2207008)
    assert isinstance(error, e.TransientError)
    assert isinstance(error.after_retries(), e.ContainerExpiredError)
    assert error.after_retries().code == 24
    assert classify(1).after_retries().code == 1


def test_rate_limit_wait_comes_from_usage_headers_then_retry_after_then_default():
    buc = '{"17841":[{"type":"instagram","call_count":100,"estimated_time_to_regain_access":7}]}'
    with_usage = fake_response(400, meta_error(80002), {"X-Business-Use-Case-Usage": buc})
    assert error_from_response(with_usage).retry_after == 420
    with_header = fake_response(400, meta_error(17), {"Retry-After": "30"})
    assert error_from_response(with_header).retry_after == 30
    assert classify(613).retry_after == DEFAULT_RATE_LIMIT_WAIT


def test_instagram_oauth_host_shape():
    body = {"error_type": "OAuthException", "code": 400,
            "error_message": "Invalid redirect_uri"}
    error = error_from_response(fake_response(400, body))
    assert isinstance(error, e.AuthError) and error.message == "Invalid redirect_uri"


@pytest.mark.parametrize("status,cls", [
    (502, e.TransientError), (500, e.TransientError), (504, e.TransientError),
    (429, e.RateLimitError), (404, e.PermanentError), (200, e.PermanentError),
])
def test_bodies_without_a_meta_error(status, cls):
    error = error_from_response(fake_response(status, text="<html>Bad Gateway</html>",
                                              headers={"x-fb-trace-id": "HdrTrace"}))
    assert type(error) is cls and error.http_status == status
    assert error.code is None and error.fbtrace_id == "HdrTrace"
    assert "<html>" not in str(error)


def test_to_dict_is_complete_and_json_safe():
    data = classify(9, 2207042, message="(#9) limit").to_dict()
    assert data["type"] == "PublishLimitError" and data["category"] == "publish_limit"
    assert set(data) == {"type", "category", "message", "code", "subcode", "http_status",
                         "fbtrace_id", "is_transient", "user_title", "user_message",
                         "retry_after", "reason"}


def test_table_rows_are_well_formed():
    for (code, subcode), rule in ERROR_TABLE.items():
        assert issubclass(rule.cls, e.InstagramAPIError), (code, subcode)
        assert rule.sentence.strip().endswith("."), (code, subcode)
