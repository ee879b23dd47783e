"""AtlasClient against httpx.MockTransport: every operation's wire format, settings, errors, deprecation."""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any

import httpx
import pytest
from atlas_admin import (
    AtlasApiError,
    AtlasBadRequestError,
    AtlasClient,
    AtlasConfigurationError,
    AtlasConnectionError,
    AtlasDeprecationWarning,
    AtlasNotFoundError,
    AtlasResponseError,
    AtlasServerError,
    AtlasTimeoutError,
    InvalidArgumentError,
    is_error_code,
    paginate,
)
from atlas_admin._retry import send_with_retries
from atlas_admin_api.api import TAGS
from spec_samples import OperationCase, operation_cases

CASES = operation_cases()
GROUP = "32b6e34b3d91647abb20e7b8"


def test_every_operation_is_covered() -> None:
    assert len(CASES) >= 500


def _client(handler: Any, **kwargs: Any) -> AtlasClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AtlasClient(access_token="token-xyz", base_url="https://atlas.test", http_client=http, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.operation.operation_id for c in CASES])
async def test_operation_sends_documented_request_and_parses_documented_response(case: OperationCase) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        # The SDK redacts credentials once the exchange is over: keep a copy of what was sent.
        seen.append(
            httpx.Request(
                request.method,
                request.url,
                headers=request.headers.copy(),
                content=request.content,
                extensions=request.extensions,
            )
        )
        if isinstance(case.response_example, str) and "json" not in (case.operation.media_type or "json"):
            # a CSV download documented with its text
            content = case.response_example.encode()
            return httpx.Response(case.status, content=content, headers={"Content-Type": case.operation.media_type})
        if case.response_example is None and "json" not in (case.operation.media_type or "json"):
            # a download (gzip, CSV): the bytes come back as they are
            return httpx.Response(
                case.status, content=b"\x1f\x8bdata", headers={"Content-Type": case.operation.media_type}
            )
        if case.response_example is None:
            return httpx.Response(case.status, headers={"Content-Type": case.operation.media_type or ""})
        return httpx.Response(
            case.status, json=case.response_example, headers={"Content-Type": case.operation.media_type or ""}
        )

    atlas = _client(handler)
    method = getattr(getattr(atlas, case.tag), case.key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AtlasDeprecationWarning)
        result = await method(**case.call_kwargs())

    (request,) = seen
    assert request.method == case.operation.method
    assert request.url.raw_path.decode().split("?")[0] == case.expected_path
    assert request.headers["Accept"] == case.operation.media_type
    assert request.headers["Authorization"] == "Bearer token-xyz"
    assert request.extensions["atlas_admin.operation_id"] == case.operation.operation_id
    if case.body is not None:
        assert request.headers["Content-Type"] == case.operation.request_media_type
        sent = json.loads(request.content)
        # Everything sent comes from the documented example (read-only fields are dropped).
        if isinstance(sent, list):
            assert len(sent) == len(case.request_example)
            assert all(set(item) <= set(example) for item, example in zip(sent, case.request_example, strict=True))
        else:
            assert set(sent) <= set(case.request_example)
    else:
        assert request.content == b""
    if isinstance(case.response_example, str) and "json" not in (case.operation.media_type or "json"):
        assert (result if isinstance(result, bytes) else result.payload.read()) == case.response_example.encode()
    elif case.response_example is None and "json" not in (case.operation.media_type or "json"):
        # bytes, or the generator's File for a binary schema
        assert (result if isinstance(result, bytes) else result.payload.read()) == b"\x1f\x8bdata"
    elif case.response_example is None:
        assert result is None
    elif isinstance(case.response_example, list):
        assert isinstance(result, list)
        assert len(result) == len(case.response_example)
        # models, or plain JSON values for a list of strings
        assert all(
            hasattr(item, "to_dict") or item == example
            for item, example in zip(result, case.response_example, strict=True)
        )
    elif not isinstance(case.response_example, dict):
        assert result == case.response_example  # a plain JSON value (a string, a boolean)
    else:
        assert hasattr(result, "to_dict"), result
        # Nothing documented is dropped: every top-level key comes back out (unknown ones via additional_properties).
        assert set(result.to_dict()) == set(case.response_example)


def test_facade_has_one_attribute_per_documented_tag() -> None:
    assert "cloud_backups" in TAGS
    assert "mongodb_cloud_users" in TAGS
    assert "encryption_at_rest_using_customer_key_management" in TAGS
    assert "shared_tier_snapshots" in TAGS
    assert "project_ip_access_list" in TAGS


@pytest.mark.parametrize("bad", ["", ".", "..", "bad\r\nvalue", "tab\tvalue", "nul\x00"])
async def test_unsafe_path_parameters_are_rejected_before_any_io(bad: str) -> None:
    calls: list[httpx.Request] = []
    atlas = _client(lambda r: calls.append(r) or httpx.Response(200))
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, bad)
    assert info.value.parameter == "role_name"
    assert isinstance(info.value, ValueError)
    with pytest.raises(InvalidArgumentError, match="group_id"):
        await atlas.custom_database_roles.get_custom_database_role("../../orgs", "role")
    assert calls == []


@pytest.mark.parametrize("value", ["a/b", "x?y", "x#y", "100%", "caf\u00e9", "../etc"])
async def test_path_parameters_never_leave_their_segment(value: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"roleName": value}, headers={"Content-Type": "application/json"})

    atlas = _client(handler)
    try:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, value)
    except InvalidArgumentError as exc:  # rejected: nothing was sent
        assert exc.parameter == "role_name"
        assert seen == []
        return
    (request,) = seen
    prefix = f"/api/atlas/v2/groups/{GROUP}/customDBRoles/roles/"
    raw_path = request.url.raw_path.decode()
    assert raw_path.startswith(prefix)
    segment = raw_path[len(prefix) :]
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert request.url.query == b""


async def test_wrong_query_types_are_rejected_before_any_io() -> None:
    calls: list[httpx.Request] = []
    atlas = _client(lambda r: calls.append(r) or httpx.Response(200))
    with pytest.raises(InvalidArgumentError, match="items_per_page"):
        await atlas.cloud_backups.list_export_buckets(GROUP, items_per_page="many")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="items_per_page"):
        await atlas.cloud_backups.list_export_buckets(GROUP, items_per_page=501)
    assert calls == []


async def test_unset_optional_query_parameters_are_not_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": []}, headers={"Content-Type": "application/json"})

    atlas = _client(handler)
    await atlas.cloud_backups.list_export_buckets(GROUP)
    await atlas.cloud_backups.list_export_buckets(GROUP, items_per_page=5, include_count=False)
    assert seen[0].url.query == b""
    assert dict(seen[1].url.params) == {"itemsPerPage": "5", "includeCount": "false"}


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, AtlasBadRequestError), (404, AtlasNotFoundError), (500, AtlasServerError), (520, AtlasServerError)],
)
async def test_error_statuses_raise_typed_errors(status: int, error_class: type[AtlasApiError]) -> None:
    body = {"error": status, "errorCode": "RESOURCE_NOT_FOUND", "detail": "nope", "reason": "x"}
    atlas = _client(lambda r: httpx.Response(status, json=body), max_retries=0)
    with pytest.raises(error_class) as info:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, "role")
    assert info.value.status == status
    assert is_error_code(info.value, "RESOURCE_NOT_FOUND")
    assert "token-xyz" not in str(info.value) + repr(info.value)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>proxy</html>", headers={"Content-Type": "text/html"}), "JSON"),
        (httpx.Response(200, text='{"roleName": ', headers={"Content-Type": "application/json"}), "JSON"),
        (httpx.Response(200, json=[1, 2], headers={"Content-Type": "application/json"}), "shape"),
    ],
)
async def test_undecodable_bodies_raise_response_error(response: httpx.Response, message: str) -> None:
    atlas = _client(lambda r: response)
    with pytest.raises(AtlasResponseError, match=message):
        await atlas.custom_database_roles.get_custom_database_role(GROUP, "role")


async def test_transport_failures_raise_typed_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(AtlasConnectionError):
        await _client(refuse, max_retries=0).custom_database_roles.get_custom_database_role(GROUP, "r")
    with pytest.raises(AtlasTimeoutError):
        await _client(time_out, max_retries=0).custom_database_roles.get_custom_database_role(GROUP, "r")


async def test_deprecated_operation_warns_once_per_client(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[], headers={"Content-Type": "application/json"})

    atlas = _client(handler)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, "atlas_admin"):
        warnings.simplefilter("always")
        await atlas.projects.list_project_invitations(GROUP)
        await atlas.projects.list_project_invitations(GROUP)
    deprecations = [w for w in caught if issubclass(w.category, AtlasDeprecationWarning)]
    assert len(deprecations) == 1
    assert "listProjectInvitations" in str(deprecations[0].message)
    assert any("deprecated" in r.getMessage() for r in caplog.records)


async def test_deprecation_warning_points_at_the_callers_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body: Any = [] if request.url.path.endswith("/invites") else {"results": [], "totalCount": 0}
        return httpx.Response(200, json=body, headers={"Content-Type": "application/json"})

    atlas = _client(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await atlas.projects.list_project_invitations(GROUP)  # directly
        atlas = _client(handler)  # warned once per client
        [item async for item in paginate(atlas.legacy_backup.list_legacy_snapshots, GROUP, "cluster1")]  # nested
    deprecations = [w for w in caught if issubclass(w.category, AtlasDeprecationWarning)]
    assert [w.filename for w in deprecations] == [__file__, __file__], [str(w.message) for w in deprecations]


async def test_deprecation_header_warns() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"roleName": "r"},
            headers={"Content-Type": "application/json", "Deprecation": "@1735689600", "Sunset": "Wed, 01 Jan 2031"},
        )

    atlas = _client(handler)
    with pytest.warns(AtlasDeprecationWarning, match="Sunset"):
        await atlas.custom_database_roles.get_custom_database_role(GROUP, "role")


async def test_capture_responses_exposes_status_headers_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    statuses = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(
            status,
            json={"roleName": "r"} if status == 200 else {"error": 503, "errorCode": "X"},
            headers={"Content-Type": "application/json", "RateLimit-Limit": "100", "RateLimit-Remaining": "99"},
        )

    waits: list[float] = []

    async def no_sleep(delay: float) -> None:
        waits.append(delay)

    # The retry loop's sleep is a keyword default: patched there, no real waiting.
    assert send_with_retries.__kwdefaults__ is not None
    monkeypatch.setitem(send_with_retries.__kwdefaults__, "sleep", no_sleep)
    atlas = _client(handler).with_options(max_retries=1)
    with atlas.capture_responses() as responses:
        role = await atlas.custom_database_roles.get_custom_database_role(GROUP, "r")
    assert role.role_name == "r"
    (raw,) = responses
    assert raw.status_code == 200
    assert raw.retries_taken == 1
    assert raw.rate_limit == 100
    assert raw.rate_limit_remaining == 99
    assert len(waits) == 1


def test_constructor_rejects_half_given_credentials() -> None:
    with pytest.raises(AtlasConfigurationError, match="client_secret"):
        AtlasClient(client_id="id")
    with pytest.raises(AtlasConfigurationError, match="public_key"):
        AtlasClient(private_key="k")
    with pytest.raises(AtlasConfigurationError, match="one kind"):
        AtlasClient(client_id="a", client_secret="b", access_token="c")
    with pytest.raises(AtlasConfigurationError, match="max_retries"):
        AtlasClient(access_token="t", max_retries=-1)


def test_from_env_names_the_variables() -> None:
    with pytest.raises(AtlasConfigurationError, match="MONGODB_ATLAS_CLIENT_ID"):
        AtlasClient.from_env({})
    with pytest.raises(AtlasConfigurationError, match="MONGODB_ATLAS_CLIENT_SECRET"):
        AtlasClient.from_env({"MONGODB_ATLAS_CLIENT_ID": "id"})
    atlas = AtlasClient.from_env(
        {
            "MONGODB_ATLAS_PUBLIC_KEY": "pub",
            "MONGODB_ATLAS_PRIVATE_KEY": "secret-key",
            "MONGODB_ATLAS_BASE_URL": "http://x",
        }
    )
    assert atlas.base_url == "http://x"
    assert "secret-key" not in repr(atlas)


async def test_user_agent_and_supplied_http_client_is_not_closed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"roleName": "r"}, headers={"Content-Type": "application/json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AtlasClient(access_token="t", http_client=http, user_agent_suffix="myapp/1.0") as atlas:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, "r")
    assert seen[0].headers["User-Agent"].startswith("atlas-admin-python/")
    assert seen[0].headers["User-Agent"].endswith("myapp/1.0")
    assert not http.is_closed
    await http.aclose()


async def test_deadline_cuts_an_attempt_in_flight() -> None:
    import asyncio

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"roleName": "r"}, headers={"Content-Type": "application/json"})

    atlas = _client(slow, deadline=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(AtlasTimeoutError, match="deadline") as info:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, "r")
    assert loop.time() - started < 2
    assert info.value.method == "GET"
    assert "token-xyz" not in info.value.url


async def test_with_options_settings_apply_to_the_calls_made_through_the_view() -> None:
    attempts: list[httpx.Request] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return httpx.Response(503, json={"error": 503, "errorCode": "X"})

    atlas = _client(unavailable)
    with pytest.raises(AtlasServerError):
        await atlas.with_options(max_retries=0, timeout=3).custom_database_roles.get_custom_database_role(GROUP, "r")
    assert len(attempts) == 1
    assert attempts[0].extensions["timeout"] == httpx.Timeout(3).as_dict()
    with pytest.raises(AtlasConfigurationError, match="deadline"):
        atlas.with_options(deadline=-5)


async def test_token_request_has_a_timeout_and_the_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/oauth/token":
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600, "token_type": "Bearer"})
        return httpx.Response(200, json={"roleName": "r"}, headers={"Content-Type": "application/json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    atlas = AtlasClient(
        client_id="id", client_secret="secret", base_url="https://atlas.test", http_client=http, timeout=7
    )
    await atlas.custom_database_roles.get_custom_database_role(GROUP, "r")
    token_request = seen[0]
    assert token_request.url.path == "/api/oauth/token"
    assert token_request.extensions["timeout"] == httpx.Timeout(7).as_dict()
    assert token_request.headers["User-Agent"].startswith("atlas-admin-python/")
    await http.aclose()


async def test_a_supplied_http_client_keeps_its_own_timeout_unless_one_is_given() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"roleName": "r"}, headers={"Content-Type": "application/json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=12)
    await AtlasClient(access_token="t", http_client=http).custom_database_roles.get_custom_database_role(GROUP, "r")
    await AtlasClient(access_token="t", http_client=http, timeout=2).custom_database_roles.get_custom_database_role(
        GROUP, "r"
    )
    assert seen[0].extensions["timeout"] == httpx.Timeout(12).as_dict()
    assert seen[1].extensions["timeout"] == httpx.Timeout(2).as_dict()
    await http.aclose()


async def test_an_undocumented_success_status_is_parsed_as_the_documented_one() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"roleName": "new-role"}, headers={"Content-Type": "application/json"})

    from atlas_admin_api.models import CustomDatabaseRole

    atlas = _client(handler)  # createCustomDatabaseRole documents 202; Atlas may answer 200
    created = await atlas.custom_database_roles.create_custom_database_role(
        GROUP, body=CustomDatabaseRole(role_name="new-role")
    )
    assert isinstance(created, CustomDatabaseRole)
    assert created.role_name == "new-role"


async def test_a_body_that_cannot_be_decoded_is_an_atlas_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=b"not gzip at all", headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
        )

    from atlas_admin import AtlasError

    with pytest.raises(AtlasError) as info:
        await _client(handler).custom_database_roles.get_custom_database_role(GROUP, "r")
    assert isinstance(info.value.__cause__, httpx.DecodingError)


def test_from_env_credentials_given_in_code_replace_the_environments() -> None:
    env = {"MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": "env-secret"}
    atlas = AtlasClient.from_env(env, access_token="minted-elsewhere")
    assert "BearerAuth" in repr(atlas)


def test_the_library_logger_has_a_null_handler() -> None:
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("atlas_admin").handlers)


async def test_credentials_are_masked_on_the_request_an_error_keeps() -> None:
    atlas = _client(lambda r: httpx.Response(404, json={"error": 404, "errorCode": "RESOURCE_NOT_FOUND"}))
    with pytest.raises(AtlasNotFoundError) as info:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, "r")
    assert info.value.response is not None
    assert info.value.response.request.headers["Authorization"] == "[redacted]"


@pytest.mark.parametrize(
    ("failure", "expected_type"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), AtlasConnectionError),
        (httpx.ReadTimeout("timed out"), AtlasTimeoutError),
    ],
)
async def test_transport_errors_name_host_operation_and_cause(failure: Exception, expected_type: type) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AtlasClient(
        access_token="SECRET-TOKEN", base_url="https://atlas.example.test:8443", http_client=http, max_retries=0
    ) as atlas:
        with pytest.raises(expected_type) as info:
            await atlas.cloud_backups.list_export_buckets("32b6e34b3d91647abb20e7b8")
    text = str(info.value)
    assert "atlas.example.test:8443" in text
    assert "listExportBuckets" in text
    assert str(failure) in text
    assert "SECRET-TOKEN" not in text


def test_transport_reason_in_a_message_never_carries_a_credential() -> None:
    from atlas_admin._client import _cause

    quoted = httpx.LocalProtocolError("Illegal header value b'Bearer tok-Zz9\\r\\nX: 1'")
    assert "tok-Zz9" not in _cause(quoted)
    assert _cause(quoted) == ": Illegal header value b'Bearer [redacted]'"
    assert _cause(httpx.ConnectError("[Errno 111] Connection refused")) == ": [Errno 111] Connection refused"
