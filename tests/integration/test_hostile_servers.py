"""Hostile servers over real loopback: every failure of a call is an AtlasError, and nothing hostile is followed.

One test per case of issue #14: redirects (API and revoke, even through a client with follow_redirects=True),
oversized and over-compressed bodies, hostile Digest challenges, hostile token answers (control characters,
bad expires_in, repeated failures), stalled token endpoints, trickling bodies, empty success bodies, lone
surrogates in arguments, and calls after aclose(). The memory cases run in a child process under RLIMIT_AS
(tests/integration/test_memory_limits.py).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from atlas_admin import (
    AtlasApiError,
    AtlasAuthenticationError,
    AtlasClient,
    AtlasClientClosedError,
    AtlasConnectionError,
    AtlasCredentialError,
    AtlasError,
    AtlasResponseError,
    AtlasTimeoutError,
    AtlasTransportError,
    InvalidArgumentError,
    RetryPolicy,
    ServiceAccountAuth,
)
from atlas_admin.models import CustomDatabaseRole
from hostile_server import REVOKE_PATH, TOKEN_PATH, HostileServer, SeenRequest, response, token_answer
from integration_support import GROUP_ID, within

ROLES = f"/api/atlas/v2/groups/{GROUP_ID}/customDBRoles/roles"
ROLE_JSON = json.dumps({"roleName": "r1", "actions": [], "inheritedRoles": []}).encode()
NO_RETRIES = RetryPolicy(max_retries=0)


async def get_role(atlas: AtlasClient, name: str = "r1") -> Any:
    return await within(10, atlas.custom_database_roles.get_custom_database_role(GROUP_ID, name))


def static_client(base_url: str, **kwargs: Any) -> AtlasClient:
    settings: dict[str, Any] = {"access_token": "tok-static", "base_url": base_url, "retry_policy": NO_RETRIES}
    settings.update(kwargs)
    return AtlasClient(**settings)


def service_client(base_url: str, **kwargs: Any) -> AtlasClient:
    settings: dict[str, Any] = {
        "client_id": "mdb_sa_id_h",
        "client_secret": "mdb_sa_sk_h",
        "base_url": base_url,
        "retry_policy": NO_RETRIES,
        "timeout": 2.0,
    }
    settings.update(kwargs)
    return AtlasClient(**settings)


def answering(table: Callable[[SeenRequest], bytes | None]) -> Callable[[SeenRequest], Awaitable[bytes | None]]:
    async def answer(request: SeenRequest) -> bytes | None:
        return table(request)

    return answer


def role_or_token(request: SeenRequest) -> bytes:
    if request.path == TOKEN_PATH:
        return token_answer()
    if request.path == REVOKE_PATH:
        return response(200)
    return response(200, ROLE_JSON)


# --- 5. redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_is_an_api_error_even_when_the_supplied_client_follows_redirects(status: int) -> None:
    def table(request: SeenRequest) -> bytes:
        if request.path.startswith("/elsewhere"):
            return response(200, ROLE_JSON)
        return response(status, headers={"Location": "/elsewhere/steal"})

    server = HostileServer(answering(table))
    async with server.serve() as url, httpx.AsyncClient(follow_redirects=True) as http:
        atlas = static_client(url, http_client=http)
        with pytest.raises(AtlasApiError) as caught:
            await get_role(atlas)
    assert caught.value.status == status
    assert server.paths() == [f"{ROLES}/r1"]
    assert caught.value.response is not None and caught.value.response.next_request is None


async def test_token_revoke_is_not_redirected() -> None:
    def table(request: SeenRequest) -> bytes:
        if request.path == REVOKE_PATH:
            return response(307, headers={"Location": "/elsewhere/revoke"})
        return role_or_token(request)

    server = HostileServer(answering(table))
    async with server.serve() as url, httpx.AsyncClient(follow_redirects=True) as http:
        atlas = service_client(url, http_client=http)
        await get_role(atlas)
        await within(5, atlas.aclose())
    assert server.paths() == [TOKEN_PATH, f"{ROLES}/r1", REVOKE_PATH]


async def test_redirecting_token_endpoint_is_an_api_error() -> None:
    def table(request: SeenRequest) -> bytes:
        if request.path == TOKEN_PATH:
            return response(302, headers={"Location": "/elsewhere/token"})
        return role_or_token(request)

    server = HostileServer(answering(table))
    async with server.serve() as url, httpx.AsyncClient(follow_redirects=True) as http:
        atlas = service_client(url, http_client=http)
        with pytest.raises(AtlasApiError) as caught:
            await get_role(atlas)
    assert caught.value.status == 302
    assert server.paths() == [TOKEN_PATH]


# --- 2. bounded bodies -----------------------------------------------------------------------------


async def test_body_over_max_body_size_is_refused_and_its_connection_dropped() -> None:
    big = b'{"roleName": "' + b"x" * 300_000 + b'"}'
    server = HostileServer(answering(lambda request: response(200, big)))
    async with server.serve() as url, static_client(url, max_body_size=100_000) as atlas:
        with pytest.raises(AtlasResponseError, match="max_body_size"):
            await get_role(atlas)
        with pytest.raises(AtlasResponseError):
            await get_role(atlas)
    # Each refused answer cost its connection: the client did not drain 300 KB to reuse it.
    assert server.connections == 2


async def test_chunked_body_without_length_is_capped_too() -> None:
    async def answer(request: SeenRequest) -> None:
        writer = request.writer
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(64):  # 4 MiB, far past the cap
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
        except ConnectionError:
            return None
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return None

    server = HostileServer(answer)
    async with server.serve() as url, static_client(url, max_body_size=200_000) as atlas:
        with pytest.raises(AtlasResponseError, match="max_body_size"):
            await get_role(atlas)


async def test_decompression_ratio_cap() -> None:
    # 16 MiB of spaces gzip to about 16 KB: a ratio of about 1000, under the size cap but over the ratio cap.
    bomb = gzip.compress(b" " * (16 * 1024 * 1024))
    server = HostileServer(answering(lambda request: response(200, bomb, headers={"Content-Encoding": "gzip"})))
    async with server.serve() as url, static_client(url) as atlas:
        with pytest.raises(AtlasResponseError, match="decompresses more than 250 times"):
            await get_role(atlas)


async def test_gzip_bodies_within_the_caps_are_decoded() -> None:
    double = gzip.compress(gzip.compress(ROLE_JSON))
    server = HostileServer(answering(lambda request: response(200, double, headers={"Content-Encoding": "gzip, gzip"})))
    async with server.serve() as url, static_client(url) as atlas:
        role = await get_role(atlas)
    assert isinstance(role, CustomDatabaseRole) and role.role_name == "r1"
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        pytest.param("gzip", b"not gzip at all", id="lying-gzip"),
        pytest.param("br", b"\x1b\x00", id="brotli-not-asked-for"),
        pytest.param("deflate", b"\x00\x01garbage", id="bad-deflate"),
    ],
)
async def test_undecodable_body_is_a_response_error(encoding: str, body: bytes) -> None:
    server = HostileServer(answering(lambda request: response(200, body, headers={"Content-Encoding": encoding})))
    async with server.serve() as url, static_client(url) as atlas:
        with pytest.raises(AtlasResponseError):
            await get_role(atlas)


# --- 3. hostile Digest challenges ----------------------------------------------------------------

HOSTILE_CHALLENGES = [
    pytest.param('Digest realm="a", nonce="n", algorithm=ROT13', id="unknown-algorithm"),
    pytest.param('Digest realm="a", nonce="n", qop="auth-int"', id="qop-auth-int-only"),
    pytest.param('Digest realm="a", nonce="n", qop="bogus"', id="unknown-qop"),
    pytest.param("Digest realm", id="malformed-no-equals"),
    pytest.param('Digest realm="a"', id="no-nonce"),
    pytest.param('Digest realm="réalm", nonce="nönce"', id="non-ascii"),
]


@pytest.mark.parametrize("challenge", HOSTILE_CHALLENGES)
async def test_hostile_digest_challenge_is_an_authentication_error(challenge: str) -> None:
    def table(request: SeenRequest) -> bytes:
        if "authorization" in request.headers:
            return response(200, ROLE_JSON)
        return response(401, b"{}", headers={"WWW-Authenticate": challenge})

    server = HostileServer(answering(table))
    digest = {"public_key": "pubkey", "private_key": "privkey", "max_retries": 0}
    async with server.serve() as url, AtlasClient(base_url=url, **digest) as atlas:
        for _ in range(2):  # the bad challenge is not kept: the second call meets it afresh
            with pytest.raises(AtlasAuthenticationError, match="Digest challenge cannot be answered"):
                await get_role(atlas)
    assert len(server.requests) == 2
    assert all("authorization" not in request.headers for request in server.requests)


# --- 1. and 7. hostile token answers -----------------------------------------------------------


@pytest.mark.parametrize("token", ["Zq9\r\nX-Injected: 1", "Zq9\x00nul", "Zq9-nön-ascii", "Zq9\x7f"])
async def test_token_with_control_characters_is_refused_before_use(
    token: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = HostileServer(answering(lambda request: token_answer(token) if request.path == TOKEN_PATH else None))
    caplog.set_level(logging.DEBUG)
    async with server.serve() as url, service_client(url) as atlas:
        with pytest.raises(AtlasCredentialError) as caught:
            await get_role(atlas)
    assert isinstance(caught.value, AtlasAuthenticationError)
    assert server.paths() == [TOKEN_PATH]  # never sent
    assert token not in str(caught.value) and token not in caplog.text
    assert "Zq9" not in repr(vars(caught.value)) and "Zq9" not in caplog.text


@pytest.mark.parametrize("expires_in", [-5, 0, "NaN", 1e12])
async def test_bad_expires_in_gives_a_short_cached_lifetime(expires_in: object) -> None:
    def table(request: SeenRequest) -> bytes:
        if request.path == TOKEN_PATH:
            text = f'{{"access_token": "tok-1", "expires_in": {expires_in}}}'
            return response(200, text.encode())
        return role_or_token(request)

    server = HostileServer(answering(table))
    async with server.serve() as url, service_client(url) as atlas:
        await get_role(atlas)
        await get_role(atlas)
        token = atlas._auth._token  # type: ignore[union-attr]
        assert token is not None
        lifetime = token.expires_at - time.time()
    assert server.paths().count(TOKEN_PATH) == 1  # cached, not fetched per call
    assert 200 < lifetime <= 300


async def test_failed_token_request_is_shared_by_all_its_waiters_and_backs_off() -> None:
    async def answer(request: SeenRequest) -> bytes:
        if request.path == TOKEN_PATH:
            await asyncio.sleep(0.05)  # long enough for every caller to be waiting on it
            body = b'{"error": "invalid_client", "error_description": "Invalid client credentials"}'
            return response(401, body)
        return response(200, ROLE_JSON)

    server = HostileServer(answer)
    async with server.serve() as url, service_client(url) as atlas:
        results = await within(10, asyncio.gather(*(get_role(atlas) for _ in range(200)), return_exceptions=True))
        assert all(isinstance(result, AtlasAuthenticationError) for result in results)
        assert server.paths() == [TOKEN_PATH]
        for _ in range(2):
            with pytest.raises(AtlasAuthenticationError):
                await get_role(atlas)
        assert server.paths() == [TOKEN_PATH] * 3
        started = time.monotonic()
        with pytest.raises(AtlasAuthenticationError, match=r"next token request is allowed in \d") as caught:
            await get_role(atlas)
        assert time.monotonic() - started < 0.5  # fails fast
        assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
    assert server.paths() == [TOKEN_PATH] * 3


async def test_cancelling_the_caller_that_started_the_fetch_neither_cancels_it_nor_orphans_the_token() -> None:
    release = asyncio.Event()
    issued: list[str] = []

    async def answer(request: SeenRequest) -> bytes:
        if request.path == TOKEN_PATH:
            await release.wait()
            issued.append(f"tok-{len(issued) + 1}")
            return token_answer(issued[-1])
        return role_or_token(request)

    server = HostileServer(answer)
    async with server.serve() as url:
        atlas = service_client(url)
        leader = asyncio.create_task(get_role(atlas))
        await asyncio.sleep(0.1)
        follower = asyncio.create_task(get_role(atlas))
        await asyncio.sleep(0.05)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        release.set()
        role = await within(5, follower)
        assert role.role_name == "r1"
        # Everyone leaves before the next fetch completes: its token is still cached, and so revoked on close.
        auth = atlas._auth
        assert isinstance(auth, ServiceAccountAuth) and auth._token is not None
        await auth._forget(auth._token)
        release.clear()
        alone = asyncio.create_task(get_role(atlas))
        await asyncio.sleep(0.1)
        alone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await alone
        release.set()
        await within(5, atlas.aclose())
    assert server.paths() == [TOKEN_PATH, f"{ROLES}/r1", TOKEN_PATH, REVOKE_PATH]
    assert issued == ["tok-1", "tok-2"]
    assert b"token=tok-2" in server.requests[-1].body


# --- 6. timeouts and the deadline -------------------------------------------------------------------


async def test_with_options_timeout_reaches_the_token_request() -> None:
    async def answer(request: SeenRequest) -> bytes:
        if request.path == TOKEN_PATH:
            await asyncio.sleep(30)  # a stalled token endpoint
        return role_or_token(request)

    server = HostileServer(answer)
    async with server.serve() as url:
        atlas = service_client(url, timeout=30.0, revoke_on_close=False)
        started = time.monotonic()
        with pytest.raises(AtlasTimeoutError):
            await get_role(atlas.with_options(timeout=0.3))
        assert time.monotonic() - started < 3
        await atlas.aclose()


async def test_deadline_bounds_a_body_that_trickles_in() -> None:
    async def answer(request: SeenRequest) -> None:
        writer = request.writer
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        try:
            for _ in range(1000):  # a byte every 50 ms: each read well within the timeout
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            pass
        return None

    server = HostileServer(answer)
    async with server.serve() as url, static_client(url, timeout=1.0, deadline=0.5) as atlas:
        started = time.monotonic()
        with pytest.raises(AtlasTimeoutError, match="deadline"):
            await get_role(atlas)
        assert time.monotonic() - started < 3


def test_deadline_has_a_default_and_none_disables_it() -> None:
    assert AtlasClient(access_token="t")._deadline == 300.0
    assert AtlasClient(access_token="t", deadline=None)._deadline is None
    assert AtlasClient(access_token="t").with_options(deadline=7)._deadline == 7


# --- 4. empty success bodies -----------------------------------------------------------------------


async def test_empty_200_where_a_model_is_documented_is_a_response_error() -> None:
    server = HostileServer(answering(lambda request: response(200, b"", content_type=None)))
    async with server.serve() as url, static_client(url) as atlas:
        with pytest.raises(AtlasResponseError, match="empty"):
            await get_role(atlas)


async def test_empty_answer_where_no_body_is_documented_is_none() -> None:
    statuses = iter([200, 204])
    server = HostileServer(answering(lambda request: response(next(statuses))))
    async with server.serve() as url, static_client(url) as atlas:
        # deleteLinkToken documents 204 with no body; a 200 with none is the same answer.
        for _ in range(2):
            assert await within(5, atlas.cloud_migration_service.delete_link_token(GROUP_ID)) is None


# --- 3. arguments that cannot be encoded --------------------------------------------------------


async def test_lone_surrogates_are_invalid_arguments_before_any_io() -> None:
    server = HostileServer(answering(role_or_token))
    async with server.serve() as url, static_client(url) as atlas:
        with pytest.raises(InvalidArgumentError) as path_error:
            await get_role(atlas, "bad\ud800name")
        body = CustomDatabaseRole(role_name="bad\udc00name")
        with pytest.raises(InvalidArgumentError) as body_error:
            await within(5, atlas.custom_database_roles.create_custom_database_role(GROUP_ID, body=body))
        with pytest.raises(InvalidArgumentError) as query_error:
            await within(5, atlas.projects.list_project_invitations(GROUP_ID, username="bad\udfffname"))
    assert path_error.value.parameter == "role_name"
    assert body_error.value.parameter == "body"
    assert query_error.value.parameter == "username"
    assert server.requests == []


# --- 7. closed clients --------------------------------------------------------------------------


@pytest.mark.parametrize("supplied", [False, True], ids=["owned-client", "supplied-client"])
async def test_every_call_after_aclose_raises_client_closed_before_any_io(supplied: bool) -> None:
    server = HostileServer(answering(role_or_token))
    async with server.serve() as url, httpx.AsyncClient() as http:
        atlas = service_client(url, **({"http_client": http} if supplied else {}))
        view = atlas.with_options(timeout=1)
        await get_role(atlas)
        await atlas.aclose()
        seen = len(server.requests)
        for client in (atlas, view):
            with pytest.raises(AtlasClientClosedError) as caught:
                await get_role(client)
            assert isinstance(caught.value, AtlasError)
    assert server.paths()[seen - 1 :] == [REVOKE_PATH]
    assert len(server.requests) == seen


async def test_supplied_client_closed_by_its_owner_is_a_client_closed_error() -> None:
    server = HostileServer(answering(role_or_token))
    async with server.serve() as url:
        http = httpx.AsyncClient()
        await http.aclose()
        with pytest.raises(AtlasClientClosedError):
            await get_role(static_client(url, http_client=http))
    assert server.requests == []


# --- 3. everything else a call can meet is an AtlasError ---------------------------------------------


def hang_up(request: SeenRequest, raw: bytes) -> None:
    request.writer.write(raw)
    request.writer.close()


async def _hook_that_breaks(response: httpx.Response) -> None:
    raise KeyError("a broken event hook")


FAILURES: list[Any] = [
    pytest.param(lambda r: response(307, headers={"Location": "http://[::1"}), {}, AtlasError, id="bad-location"),
    pytest.param(lambda r: response(302, headers={"Location": "ftp://x/y"}), {}, AtlasApiError, id="odd-scheme"),
    pytest.param(lambda r: hang_up(r, b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{"), {}, AtlasConnectionError,
                 id="truncated"),
    pytest.param(lambda r: b"NOT HTTP AT ALL\r\n\r\n", {}, AtlasConnectionError, id="not-http"),
    pytest.param(lambda r: response(200, b"\xff\xfe{", content_type="application/json; charset=bogus"), {},
                 AtlasResponseError, id="bogus-charset"),
    pytest.param(lambda r: response(200, b"[" * 100_000), {}, AtlasResponseError, id="deep-nesting"),
    pytest.param(lambda r: response(200, ROLE_JSON), {"event_hooks": {"response": [_hook_that_breaks]}},
                 AtlasTransportError, id="event-hook-raises"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "client_options", "expected"), FAILURES)
async def test_each_class_of_failure_is_an_atlas_error(
    raw: Callable[[SeenRequest], bytes | None], client_options: dict[str, Any], expected: type[AtlasError]
) -> None:
    server = HostileServer(answering(raw))
    async with server.serve() as url, httpx.AsyncClient(**client_options) as http:
        with pytest.raises(AtlasError) as caught:
            await get_role(static_client(url, http_client=http))
    assert isinstance(caught.value, expected), repr(caught.value)


async def test_a_json_content_type_is_required_for_a_body() -> None:
    server = HostileServer(answering(lambda request: response(200, ROLE_JSON, content_type="text/html")))
    async with server.serve() as url, static_client(url) as atlas:
        with pytest.raises(AtlasResponseError, match="expected a JSON body"):
            await get_role(atlas)


# --- 1. what errors carry ---------------------------------------------------------------------------


async def test_first_call_error_has_no_token_exchange_in_its_history() -> None:
    def table(request: SeenRequest) -> bytes:
        if request.path == TOKEN_PATH:
            return token_answer("tok-Hx7")
        return response(404, b'{"error": 404, "errorCode": "NOT_FOUND"}')

    server = HostileServer(answering(table))
    async with server.serve() as url, service_client(url, revoke_on_close=False) as atlas:
        with pytest.raises(AtlasApiError) as caught:
            await get_role(atlas)
    assert caught.value.response is not None
    assert caught.value.response.history == []
    assert caught.value.response.request.headers["Authorization"] == "[redacted]"


async def test_chained_httpx_error_keeps_no_credentials() -> None:
    async def answer(request: SeenRequest) -> bytes:
        await asyncio.sleep(2)
        return response(200, ROLE_JSON)

    server = HostileServer(answer)
    async with server.serve() as url, static_client(url, timeout=0.2) as atlas:
        with pytest.raises(AtlasTimeoutError) as caught:
            await get_role(atlas)
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ReadTimeout)
    assert cause.request.headers["Authorization"] == "[redacted]"
