"""error_from_response and the exception tree: right class per status, tolerant parsing, no secrets."""

from __future__ import annotations

import json
import warnings

import httpx
import pytest
from atlas_admin._constants import ERROR_EXCERPT_LIMIT
from atlas_admin._errors import (
    AtlasApiError,
    AtlasAuthenticationError,
    AtlasBadRequestError,
    AtlasConfigurationError,
    AtlasConflictError,
    AtlasConnectionError,
    AtlasDeprecationWarning,
    AtlasError,
    AtlasNotFoundError,
    AtlasPermissionError,
    AtlasRateLimitError,
    AtlasResponseError,
    AtlasServerError,
    AtlasTimeoutError,
    AtlasTransportError,
    FieldError,
    error_from_response,
    is_error_code,
    safe_url,
)
from hypothesis import given
from hypothesis import strategies as st

URL = "https://cloud.mongodb.com/api/atlas/v2/groups/5f1a/clusters/missing"
SECRET_HEADER = "Bearer eyJ-very-secret-token"


def make_response(
    status: int, body: object = None, *, content: bytes | None = None, url: str = URL, **headers: str
) -> httpx.Response:
    request = httpx.Request("GET", url, headers={"Authorization": SECRET_HEADER})
    if content is None and body is not None:
        content = json.dumps(body).encode()
        headers.setdefault("Content_Type", "application/json")
    return httpx.Response(
        status,
        content=content or b"",
        headers={name.replace("_", "-"): value for name, value in headers.items()},
        request=request,
    )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, AtlasBadRequestError),
        (401, AtlasAuthenticationError),
        (403, AtlasPermissionError),
        (404, AtlasNotFoundError),
        (409, AtlasConflictError),
        (429, AtlasRateLimitError),
        (500, AtlasServerError),
        (502, AtlasServerError),
        (503, AtlasServerError),
        (504, AtlasServerError),
        (520, AtlasServerError),
        (599, AtlasServerError),
        (405, AtlasApiError),
        (406, AtlasApiError),
        (410, AtlasApiError),
        (422, AtlasApiError),
        (302, AtlasApiError),
    ],
)
def test_status_picks_the_class(status: int, error_class: type[AtlasApiError]) -> None:
    error = error_from_response(make_response(status, {"error": status, "errorCode": "SOME_CODE"}))
    assert type(error) is error_class
    assert error.status == status
    assert str(error).startswith(f"{status} SOME_CODE: ")


def test_atlas_error_body_is_read_into_fields() -> None:
    body = {
        "error": 400,
        "errorCode": "INVALID_ATTRIBUTE",
        "detail": "Invalid attribute name specified.",
        "reason": "Bad Request",
        "parameters": ["name", 3],
        "badRequestDetail": {"fields": [{"field": "name", "description": "must not be blank"}, "junk"]},
    }
    error = error_from_response(make_response(400, body, X_Request_Id="req-77", Retry_After="12"))
    assert isinstance(error, AtlasBadRequestError)
    assert error.error_code == "INVALID_ATTRIBUTE"
    assert error.detail == "Invalid attribute name specified."
    assert error.reason == "Bad Request"
    assert error.parameters == ["name", 3]
    assert error.field_errors == [FieldError(field="name", description="must not be blank")]
    assert error.method == "GET"
    assert error.url == URL
    assert error.request_id == "req-77"
    assert error.retry_after == 12.0
    assert error.response is not None and error.response.status_code == 400
    assert str(error) == (
        "400 INVALID_ATTRIBUTE: Invalid attribute name specified. (GET /api/atlas/v2/groups/5f1a/clusters/missing)"
    )


def test_not_found_message() -> None:
    body = {"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "detail": "Cannot find resource missing."}
    error = error_from_response(make_response(404, body))
    assert str(error) == (
        "404 RESOURCE_NOT_FOUND: Cannot find resource missing. (GET /api/atlas/v2/groups/5f1a/clusters/missing)"
    )
    assert error.retry_after is None and error.request_id is None


def test_oauth_error_body() -> None:
    body = {"error": "invalid_client", "error_description": "Invalid client credentials"}
    error = error_from_response(make_response(401, body))
    assert isinstance(error, AtlasAuthenticationError)
    assert (error.error_code, error.detail) == ("invalid_client", "Invalid client credentials")


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"",
        b"[1, 2]",
        b'"just a string"',
        b"42",
        b"null",
        b'{"errorCode": {"nested": 1}, "detail": ["x"], "parameters": "p", "badRequestDetail": "no"}',
        b'{"badRequestDetail": {"fields": "no"}}',
        b'{"badRequestDetail": {"fields": [{"field": null}]}}',
        b"\xff\xfe\xfa not utf-8",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_any_body_still_gives_an_error(content: bytes) -> None:
    error = error_from_response(make_response(502, content=content, Content_Type="application/json"))
    assert isinstance(error, AtlasServerError)
    assert error.status == 502
    assert str(error).startswith("502")
    assert isinstance(error.parameters, list)
    assert isinstance(error.field_errors, list)


def test_html_from_a_proxy_uses_the_reason_phrase() -> None:
    error = error_from_response(make_response(502, content=b"<html>Bad Gateway</html>", Content_Type="text/html"))
    assert error.error_code is None
    assert str(error) == "502: Bad Gateway (GET /api/atlas/v2/groups/5f1a/clusters/missing)"


def test_unofficial_status_without_reason_phrase() -> None:
    error = error_from_response(make_response(520, content=b""))
    assert isinstance(error, AtlasServerError)
    assert str(error) == "520: no error detail (GET /api/atlas/v2/groups/5f1a/clusters/missing)"


def test_unread_streaming_body_and_missing_request() -> None:
    streamed = httpx.Response(500, stream=httpx.ByteStream(b'{"errorCode": "X"}'), request=httpx.Request("GET", URL))
    assert error_from_response(streamed).status == 500
    bare = error_from_response(httpx.Response(404, json={"errorCode": "NOT_FOUND", "detail": "gone"}))
    assert str(bare) == "404 NOT_FOUND: gone"
    assert (bare.method, bare.url) == ("", "")


def test_bad_charset_does_not_break_the_error() -> None:
    response = make_response(500, content=b"oops", Content_Type="text/plain; charset=no-such-charset")
    assert error_from_response(response).status == 500
    assert AtlasResponseError.from_response(response, "bad").excerpt in ("", "oops")


def test_no_credentials_in_str_or_repr() -> None:
    url = "https://user:hunter2@cloud.mongodb.com/api/atlas/v2/groups"
    error = error_from_response(make_response(403, {"errorCode": "FORBIDDEN", "detail": "no"}, url=url))
    for text in (str(error), repr(error), error.url):
        assert "hunter2" not in text
        assert "user:" not in text
        assert "very-secret" not in text
    assert error.url == "https://cloud.mongodb.com/api/atlas/v2/groups"


def test_safe_url() -> None:
    assert safe_url(httpx.URL("https://a:b@h.example:8443/p?q=1")) == "https://h.example:8443/p?q=1"
    assert safe_url(httpx.URL("https://h.example/p")) == "https://h.example/p"


def test_is_error_code() -> None:
    error = error_from_response(make_response(409, {"errorCode": "DUPLICATE_CLUSTER_NAME"}))
    assert is_error_code(error, "DUPLICATE_CLUSTER_NAME")
    assert not is_error_code(error, "OTHER")
    assert not is_error_code(ValueError("DUPLICATE_CLUSTER_NAME"), "DUPLICATE_CLUSTER_NAME")


def test_response_error_excerpt_is_bounded() -> None:
    body = b'{"results": "' + b"x" * 5000 + b'"}'
    response = make_response(200, content=body, Content_Type="application/json")
    error = AtlasResponseError.from_response(response, "wrong shape", json_path="$.results")
    assert len(error.excerpt) == ERROR_EXCERPT_LIMIT
    assert (error.status, error.json_path, error.method) == (200, "$.results", "GET")
    assert error.content_type == "application/json"
    assert str(error) == "200 answer to GET /api/atlas/v2/groups/5f1a/clusters/missing: wrong shape at $.results"
    assert "very-secret" not in repr(error)


def test_tree() -> None:
    assert issubclass(AtlasConfigurationError, ValueError)
    assert issubclass(AtlasConfigurationError, AtlasError)
    assert issubclass(AtlasDeprecationWarning, DeprecationWarning)
    for error_class in (AtlasApiError, AtlasTransportError, AtlasResponseError):
        assert issubclass(error_class, AtlasError)
    for error_class in (AtlasConnectionError, AtlasTimeoutError):
        assert issubclass(error_class, AtlasTransportError)
    transport = AtlasTimeoutError("ReadTimeout on GET /api/atlas/v2/groups", method="GET")
    assert str(transport) == "ReadTimeout on GET /api/atlas/v2/groups"
    with pytest.warns(AtlasDeprecationWarning):
        warnings.warn("old", AtlasDeprecationWarning, stacklevel=1)


@given(status=st.integers(min_value=300, max_value=999), content=st.binary(max_size=300))
def test_error_from_response_never_raises(status: int, content: bytes) -> None:
    error = error_from_response(make_response(status, content=content, Content_Type="application/json"))
    assert error.status == status
    assert isinstance(error, AtlasServerError) == (status >= 500)


@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda kids: (
            st.lists(kids)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "error",
                        "errorCode",
                        "detail",
                        "reason",
                        "parameters",
                        "badRequestDetail",
                        "fields",
                        "field",
                        "description",
                    ]
                ),
                kids,
            )
        ),
        max_leaves=20,
    )
)
def test_error_from_response_tolerates_any_json_shape(body: object) -> None:
    error = error_from_response(make_response(400, body if body is not None else {}))
    assert isinstance(error, AtlasBadRequestError)
    str(error), repr(error)


def test_errors_survive_pickling_for_multiprocessing_and_task_queues() -> None:
    import pickle

    from atlas_admin import AtlasNotFoundError, AtlasResponseError, InvalidArgumentError

    request = httpx.Request("GET", "https://cloud.mongodb.com/api/atlas/v2/groups/g/customDBRoles/roles/r")
    response = httpx.Response(
        404, json={"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "detail": "no role r"}, request=request
    )
    api_error = error_from_response(response)
    restored = pickle.loads(pickle.dumps(api_error))
    assert isinstance(restored, AtlasNotFoundError)
    assert (restored.status, restored.error_code, str(restored)) == (404, "RESOURCE_NOT_FOUND", str(api_error))
    assert restored.response is None  # an httpx.Response does not pickle; its fields are kept

    bad_body = httpx.Response(200, text="<html>", request=request)
    shape = pickle.loads(pickle.dumps(AtlasResponseError.from_response(bad_body, "not JSON", json_path="$.x")))
    assert shape.json_path == "$.x"

    invalid = pickle.loads(pickle.dumps(InvalidArgumentError("group_id", "does not match")))
    assert (invalid.parameter, str(invalid)) == ("group_id", "group_id: does not match")
