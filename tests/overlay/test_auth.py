"""ServiceAccountAuth, DigestAuth and BearerAuth against httpx.MockTransport servers, through a real AsyncClient."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs
from urllib.request import parse_http_list

import httpx
import pytest
from atlas_admin._auth import BearerAuth, DigestAuth, InMemoryTokenStore, ServiceAccountAuth, Token
from atlas_admin._constants import REVOKE_PATH, TOKEN_PATH
from atlas_admin._errors import (
    AtlasAuthenticationError,
    AtlasConfigurationError,
    AtlasResponseError,
    AtlasServerError,
)

BASE = "https://cloud.mongodb.com"
CLIENT_ID = "mdb_sa_id_0123456789"
CLIENT_SECRET = "mdb_sa_sk_TOP-SECRET-value"
API_URL = BASE + "/api/atlas/v2/groups"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class FakeOAuthServer:
    """Issues tokens tok-1, tok-2, ... for the right Basic credentials and accepts them on API calls."""

    def __init__(self, *, expires_in: int = 3600, secret: str = CLIENT_SECRET) -> None:
        self.expires_in = expires_in
        self.expected_basic = _basic(CLIENT_ID, secret)
        self.token_requests: list[httpx.Request] = []
        self.revoke_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.token_answer: httpx.Response | None = None  # overrides the normal token answer
        self.revoke_status = 200

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            # The SDK redacts a request's credentials once its exchange is over: keep what was sent.
            self.token_requests.append(_snapshot(request))
            # Give every other task the chance to run while the token request is in flight.
            for _ in range(3):
                await asyncio.sleep(0)
            if self.token_answer is not None:
                return self.token_answer
            if request.headers.get("Authorization") != self.expected_basic:
                return httpx.Response(
                    401, json={"error": "invalid_client", "error_description": "Invalid client credentials"}
                )
            self.issued += 1
            token = f"tok-{self.issued}"
            self.valid_tokens.add(token)
            return httpx.Response(
                200, json={"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
            )
        if request.url.path == REVOKE_PATH:
            self.revoke_requests.append(_snapshot(request))
            return httpx.Response(self.revoke_status)
        # A replay re-sends the same Request object, so keep a snapshot of what was sent this time.
        self.api_requests.append(_snapshot(request))
        if request.headers.get("Authorization", "").removeprefix("Bearer ") in self.valid_tokens:
            return httpx.Response(200, json={"results": []})
        return httpx.Response(401, json={"error": 401, "errorCode": "NOT_AUTHORIZED", "detail": "bad token"})


def _snapshot(request: httpx.Request) -> httpx.Request:
    return httpx.Request(request.method, request.url, headers=request.headers.copy(), content=request.content)


@pytest.fixture
def server() -> FakeOAuthServer:
    return FakeOAuthServer()


def make_auth(clock: Any, store: InMemoryTokenStore | None = None, **kwargs: Any) -> ServiceAccountAuth:
    return ServiceAccountAuth(
        kwargs.pop("client_id", CLIENT_ID),
        kwargs.pop("client_secret", CLIENT_SECRET),
        token_url=BASE + TOKEN_PATH,
        revoke_url=BASE + REVOKE_PATH,
        store=store,
        clock=clock,
        **kwargs,
    )


def make_client(server: Any, auth: httpx.Auth) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(server), auth=auth)


# --- service accounts ----------------------------------------------------------------------------


async def test_one_token_request_for_1000_concurrent_first_calls(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock)) as client:
        responses = await asyncio.gather(*(client.get(API_URL) for _ in range(1000)))
    assert [r.status_code for r in responses] == [200] * 1000
    assert len(server.token_requests) == 1
    assert len(server.api_requests) == 1000
    assert {r.headers["Authorization"] for r in server.api_requests} == {"Bearer tok-1"}


async def test_token_request_is_a_client_credentials_post(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock)) as client:
        await client.get(API_URL)
    (request,) = server.token_requests
    assert request.method == "POST"
    assert str(request.url) == BASE + TOKEN_PATH
    assert request.headers["Authorization"] == _basic(CLIENT_ID, CLIENT_SECRET)
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"]}


async def test_token_reused_until_the_refresh_margin(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock, refresh_margin=60.0)) as client:
        await client.get(API_URL)
        clock.advance(3600 - 60 - 1)  # one second before the margin
        await client.get(API_URL)
        assert len(server.token_requests) == 1
        clock.advance(2)  # now inside the margin
        await client.get(API_URL)
    assert len(server.token_requests) == 2
    assert [r.headers["Authorization"] for r in server.api_requests] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


async def test_new_token_after_expiry(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock)) as client:
        await client.get(API_URL)
        clock.advance(4000)
        response = await client.get(API_URL)
    assert response.status_code == 200
    assert len(server.token_requests) == 2
    assert server.api_requests[-1].headers["Authorization"] == "Bearer tok-2"


async def test_missing_expires_in_uses_the_default_lifetime(server: FakeOAuthServer, clock: Any) -> None:
    server.token_answer = httpx.Response(200, json={"access_token": "tok-x"})
    server.valid_tokens.add("tok-x")
    async with make_client(server, make_auth(clock)) as client:
        await client.get(API_URL)
        clock.advance(3000)
        await client.get(API_URL)
    assert len(server.token_requests) == 1


async def test_401_on_cached_token_refreshes_once_and_replays_once(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock)) as client:
        await client.get(API_URL)
        server.valid_tokens.clear()  # Atlas revoked tok-1 behind our back
        response = await client.post(API_URL, json={"name": "replayed"})
    assert response.status_code == 200
    assert len(server.token_requests) == 2
    _first, rejected, replayed = server.api_requests
    assert rejected.headers["Authorization"] == "Bearer tok-1"
    assert replayed.headers["Authorization"] == "Bearer tok-2"
    assert replayed.content == rejected.content == b'{"name":"replayed"}'


async def test_second_401_is_returned_not_looped(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock)) as client:
        await client.get(API_URL)  # tok-1 cached
        server.valid_tokens = _NeverValid()
        response = await client.get(API_URL)
    assert response.status_code == 401
    # 401 on the cached tok-1: one refresh and one replay; 401 again on tok-2: returned, no third token.
    assert len(server.token_requests) == 2
    assert len(server.api_requests) == 3


async def test_401_on_a_token_just_fetched_is_returned_without_another_token_request(
    server: FakeOAuthServer, clock: Any
) -> None:
    # A fresh token refused (a missing role, an IP access list) is not stale: asking for another would
    # only spend Atlas's budget of about ten token requests a minute.
    server.valid_tokens = _NeverValid()
    async with make_client(server, make_auth(clock)) as client:
        response = await client.get(API_URL)
    assert response.status_code == 401
    assert len(server.token_requests) == 1
    assert len(server.api_requests) == 1


class _NeverValid(set[str]):
    def __contains__(self, item: object) -> bool:
        return False


async def test_concurrent_401s_share_one_refresh(server: FakeOAuthServer, clock: Any) -> None:
    async with make_client(server, make_auth(clock)) as client:
        await client.get(API_URL)
        server.valid_tokens.clear()
        responses = await asyncio.gather(*(client.get(API_URL) for _ in range(50)))
    assert {r.status_code for r in responses} == {200}
    assert len(server.token_requests) == 2


async def test_invalid_client_raises_authentication_error_without_the_secret(clock: Any) -> None:
    server = FakeOAuthServer(secret="the-server-expects-another-secret")
    async with make_client(server, make_auth(clock)) as client:
        with pytest.raises(AtlasAuthenticationError) as caught:
            await client.get(API_URL)
    error = caught.value
    assert error.status == 401
    assert error.error_code == "invalid_client"
    assert error.method == "POST"
    assert str(error) == "401 invalid_client: Invalid client credentials (POST /api/oauth/token)"
    for text in (str(error), repr(error), repr(error.args), error.url):
        assert CLIENT_SECRET not in text
        assert base64.b64encode(CLIENT_SECRET.encode()).decode() not in text
    assert server.api_requests == []


async def test_token_endpoint_server_error_maps_to_server_error(server: FakeOAuthServer, clock: Any) -> None:
    server.token_answer = httpx.Response(503, text="<html>upstream down</html>")
    async with make_client(server, make_auth(clock)) as client:
        with pytest.raises(AtlasServerError) as caught:
            await client.get(API_URL)
    assert caught.value.status == 503


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"expires_in": 10}', b'{"access_token": 42}', b'{"access_token": "t", "expires_in": "x"}'],
)
async def test_unusable_token_answer_raises_response_error(server: FakeOAuthServer, clock: Any, body: bytes) -> None:
    server.token_answer = httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    async with make_client(server, make_auth(clock)) as client:
        with pytest.raises(AtlasResponseError) as caught:
            await client.get(API_URL)
    assert caught.value.excerpt == ""  # a token answer's body may hold a token


async def test_token_store_shared_between_two_auth_instances(server: FakeOAuthServer, clock: Any) -> None:
    store = InMemoryTokenStore()
    async with make_client(server, make_auth(clock, store)) as client:
        await client.get(API_URL)
    async with make_client(server, make_auth(clock, store)) as client:
        await client.get(API_URL)
    assert len(server.token_requests) == 1
    assert [r.headers["Authorization"] for r in server.api_requests] == ["Bearer tok-1", "Bearer tok-1"]
    assert await store.load(f"{CLIENT_ID}@cloud.mongodb.com") is not None


async def test_token_store_keys_separate_clients_and_hosts(clock: Any) -> None:
    store = InMemoryTokenStore()
    token = Token("tok-shared", expires_at=clock() + 3600)
    await store.save(f"{CLIENT_ID}@cloud.mongodb.com", token)
    other_host = ServiceAccountAuth(
        CLIENT_ID, CLIENT_SECRET, token_url="https://cloud-qa.mongodb.com" + TOKEN_PATH, store=store, clock=clock
    )
    server = FakeOAuthServer()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server), auth=other_host) as client:
        await client.get("https://cloud-qa.mongodb.com/api/atlas/v2/groups")
    assert len(server.token_requests) == 1


async def test_stale_token_in_store_is_not_used(server: FakeOAuthServer, clock: Any) -> None:
    store = InMemoryTokenStore()
    await store.save(f"{CLIENT_ID}@cloud.mongodb.com", Token("tok-old", expires_at=clock() + 30))
    async with make_client(server, make_auth(clock, store)) as client:
        await client.get(API_URL)
    assert len(server.token_requests) == 1
    assert server.api_requests[0].headers["Authorization"] == "Bearer tok-1"


class _BrokenStore:
    async def load(self, key: str) -> Token | None:
        raise ConnectionError("redis is down")

    async def save(self, key: str, token: Token) -> None:
        raise ConnectionError("redis is down")

    async def delete(self, key: str) -> None:
        raise ConnectionError("redis is down")


async def test_broken_store_costs_token_requests_not_calls(server: FakeOAuthServer, clock: Any) -> None:
    auth = ServiceAccountAuth(CLIENT_ID, CLIENT_SECRET, store=_BrokenStore(), clock=clock)
    async with make_client(server, auth) as client:
        assert (await client.get(API_URL)).status_code == 200
        assert (await client.get(API_URL)).status_code == 200
    assert len(server.token_requests) == 1  # the in-process cache still works


async def test_revoke_sends_the_token_with_basic_auth_and_forgets_it(server: FakeOAuthServer, clock: Any) -> None:
    store = InMemoryTokenStore()
    auth = make_auth(clock, store)
    async with make_client(server, auth) as client:
        await client.get(API_URL)
        await auth.arevoke(client)
        (revoke,) = server.revoke_requests
        assert revoke.method == "POST"
        assert str(revoke.url) == BASE + REVOKE_PATH
        assert revoke.headers["Authorization"] == _basic(CLIENT_ID, CLIENT_SECRET)
        assert parse_qs(revoke.content.decode()) == {"token": ["tok-1"], "token_type_hint": ["access_token"]}
        assert await store.load(f"{CLIENT_ID}@cloud.mongodb.com") is None
        await client.get(API_URL)
    assert len(server.token_requests) == 2


async def test_revoke_without_a_token_sends_nothing(server: FakeOAuthServer, clock: Any) -> None:
    auth = make_auth(clock)
    async with make_client(server, auth) as client:
        await auth.arevoke(client)
    assert server.revoke_requests == []


async def test_revoke_failures_are_logged_not_raised(
    server: FakeOAuthServer, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    auth = make_auth(clock)
    async with make_client(server, auth) as client:
        await client.get(API_URL)
        server.revoke_status = 500
        with caplog.at_level(logging.WARNING, logger="atlas_admin"):
            await auth.arevoke(client)
    assert "revoking the service account token failed" in caplog.text
    assert CLIENT_SECRET not in caplog.text
    assert "tok-1" not in caplog.text


async def test_revoke_survives_transport_errors(clock: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = FakeOAuthServer()

    async def failing_revoke(request: httpx.Request) -> httpx.Response:
        if request.url.path == REVOKE_PATH:
            raise httpx.ConnectError("connection refused", request=request)
        return await server(request)

    auth = make_auth(clock)
    async with httpx.AsyncClient(transport=httpx.MockTransport(failing_revoke), auth=auth) as client:
        await client.get(API_URL)
        with caplog.at_level(logging.WARNING, logger="atlas_admin"):
            await auth.arevoke(client)
    assert "ConnectError" in caplog.text


async def test_cancelled_token_fetch_releases_the_lock(clock: Any) -> None:
    gate = asyncio.Event()
    server = FakeOAuthServer()

    async def slow_token(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH and not gate.is_set():
            await gate.wait()
        return await server(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow_token), auth=make_auth(clock)) as client:
        stuck = asyncio.create_task(client.get(API_URL))
        for _ in range(5):
            await asyncio.sleep(0)
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        gate.set()
        response = await asyncio.wait_for(client.get(API_URL), timeout=5)
    assert response.status_code == 200


def test_usable_from_two_event_loops(clock: Any) -> None:
    server = FakeOAuthServer()
    auth = make_auth(clock)

    async def burst() -> None:
        async with make_client(server, auth) as client:
            clock.advance(4000)  # force a token request (and so the lock) in each loop
            await asyncio.gather(*(client.get(API_URL) for _ in range(5)))

    asyncio.run(burst())
    asyncio.run(burst())
    assert len(server.token_requests) == 2


def test_sync_client_is_refused_clearly(clock: Any) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)), auth=make_auth(clock)) as client,
        pytest.raises(AtlasConfigurationError, match="AsyncClient"),
    ):
        client.get(API_URL)


@pytest.mark.parametrize(
    ("client_id", "client_secret", "named"),
    [
        ("", CLIENT_SECRET, "client_id"),
        (CLIENT_ID, "", "client_secret"),
        (CLIENT_ID, "a\r\nX-Evil: 1", "client_secret"),
    ],
)
def test_bad_service_account_settings(client_id: str, client_secret: str, named: str) -> None:
    with pytest.raises(AtlasConfigurationError, match=named) as caught:
        ServiceAccountAuth(client_id, client_secret)
    assert "X-Evil" not in str(caught.value)


# --- static bearer tokens ------------------------------------------------------------------------


async def test_bearer_auth_sets_the_header() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=BearerAuth("eyJ.token")) as client:
        await client.get(API_URL)
    assert seen == ["Bearer eyJ.token"]


@pytest.mark.parametrize("token", ["", "abc\r\nX-Injected: 1", "abc\n", "abc\r"])
def test_bearer_auth_rejects_empty_and_header_breaking_tokens(token: str) -> None:
    with pytest.raises(AtlasConfigurationError, match="access_token") as caught:
        BearerAuth(token)
    assert "X-Injected" not in str(caught.value)


# --- programmatic API keys (HTTP Digest) ---------------------------------------------------------


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestServer:
    """Checks RFC 2617 qop=auth MD5 digests; answers 401 with a challenge otherwise. Counts every exchange."""

    realm = "MMS Public API"
    nonce = "b8a1d0e2-nonce"
    opaque = "opaque-0"

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password
        self.exchanges = 0
        self.accepted = 0
        self.last_nc = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.exchanges += 1
        header = request.headers.get("Authorization", "")
        if header.startswith("Digest ") and self._valid(request, header.removeprefix("Digest ")):
            self.accepted += 1
            return httpx.Response(200, json={"results": []})
        challenge = (
            f'Digest realm="{self.realm}", qop="auth", nonce="{self.nonce}", opaque="{self.opaque}", algorithm=MD5'
        )
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    def _valid(self, request: httpx.Request, fields_text: str) -> bool:
        fields = {}
        for item in parse_http_list(fields_text):
            key, _, value = item.strip().partition("=")
            fields[key] = value.strip('"')
        nc = int(fields["nc"], 16)
        if fields["username"] != self.user or fields["nonce"] != self.nonce or fields["realm"] != self.realm:
            return False
        if fields["uri"] != request.url.raw_path.decode() or fields["qop"] != "auth" or nc <= self.last_nc:
            return False
        ha1 = _md5(f"{self.user}:{self.realm}:{self.password}")
        ha2 = _md5(f"{request.method}:{fields['uri']}")
        expected = _md5(f"{ha1}:{self.nonce}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
        if fields["response"] != expected:
            return False
        self.last_nc = nc  # a replayed nonce count is refused, as a real server would
        return True


@pytest.mark.parametrize("calls", [1, 2, 10])
async def test_digest_pays_the_challenge_round_trip_once(calls: int) -> None:
    server = DigestServer("pubkey1", "private-key-secret")
    auth = DigestAuth("pubkey1", "private-key-secret")
    async with httpx.AsyncClient(transport=httpx.MockTransport(server), auth=auth) as client:
        for n in range(calls):
            response = await client.get(f"{API_URL}/{n}?pageNum=1")
            assert response.status_code == 200
    assert server.accepted == calls
    assert server.exchanges == calls + 1


async def test_digest_with_a_wrong_private_key_gets_401() -> None:
    server = DigestServer("pubkey1", "private-key-secret")
    async with httpx.AsyncClient(transport=httpx.MockTransport(server), auth=DigestAuth("pubkey1", "wrong")) as client:
        response = await client.get(API_URL)
    assert response.status_code == 401
    assert server.exchanges == 2


def test_digest_rejects_missing_keys() -> None:
    with pytest.raises(AtlasConfigurationError, match="private_key"):
        DigestAuth("pubkey1", "")


# --- reprs ---------------------------------------------------------------------------------------


def test_reprs_never_show_secrets() -> None:
    texts = {
        repr(ServiceAccountAuth(CLIENT_ID, CLIENT_SECRET)): CLIENT_SECRET,
        repr(DigestAuth("pubkey1", "private-key-secret")): "private-key-secret",
        repr(BearerAuth("eyJ.static-secret")): "static-secret",
        repr(Token("eyJ.token-secret", expires_at=1.0)): "token-secret",
    }
    for text, secret in texts.items():
        assert secret not in text
    assert repr(ServiceAccountAuth(CLIENT_ID, CLIENT_SECRET)) == f"ServiceAccountAuth(client_id={CLIENT_ID!r})"
    assert repr(DigestAuth("pubkey1", "x")) == "DigestAuth(public_key='pubkey1')"
    assert repr(BearerAuth("eyJ")) == "BearerAuth(access_token=<hidden>)"


async def test_in_memory_store_repr_shows_keys_not_tokens() -> None:
    store = InMemoryTokenStore()
    await store.save("id@host", Token("tok-secret", expires_at=1.0))
    assert "tok-secret" not in repr(store)
    assert "id@host" in repr(store)


def test_token_freshness() -> None:
    token = Token("t", expires_at=1000.0)
    assert token.is_fresh(now=939.0, margin=60.0)
    assert not token.is_fresh(now=940.0, margin=60.0)
    assert not token.is_fresh(now=2000.0, margin=0.0)


async def test_concurrent_first_digest_calls_pay_the_challenge_once() -> None:
    server = DigestServer("pubkey1", "private-key-secret")
    auth = DigestAuth("pubkey1", "private-key-secret")
    async with httpx.AsyncClient(transport=httpx.MockTransport(server), auth=auth) as client:
        responses = await asyncio.gather(*(client.get(f"{API_URL}/{n}") for n in range(32)))
    assert {response.status_code for response in responses} == {200}
    assert server.exchanges == 33  # one 401 for the client, not one per concurrent caller


# --- issue #14: the token endpoint under stress, credentials refused before use -------------------


def bound_auth(server: FakeOAuthServer, clock: Any, monotonic: Any) -> tuple[ServiceAccountAuth, httpx.AsyncClient]:
    """An auth bound to its client, as AtlasClient binds it: token requests run in a task of their own."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(server))
    auth = make_auth(clock, http_client=client, monotonic=monotonic)
    return auth, client


async def test_failures_back_off_until_the_window_passes(clock: Any) -> None:
    server = FakeOAuthServer(secret="not-the-secret-we-send")
    monotonic = type(clock)(0.0)
    auth, client = bound_auth(server, clock, monotonic)
    async with client:
        for _ in range(3):
            with pytest.raises(AtlasAuthenticationError, match="invalid_client"):
                await client.get(API_URL, auth=auth)
            monotonic.advance(10)
        with pytest.raises(AtlasAuthenticationError, match=r"next token request is allowed in 30\.0s") as caught:
            await client.get(API_URL, auth=auth)
        assert caught.value.retry_after == pytest.approx(30.0)
        assert caught.value.status == 401
        assert len(server.token_requests) == 3
        monotonic.advance(30)  # the first failure leaves the 60 s window
        with pytest.raises(AtlasAuthenticationError, match="invalid_client"):
            await client.get(API_URL, auth=auth)
        assert len(server.token_requests) == 4


async def test_a_success_clears_the_failures(clock: Any) -> None:
    server = FakeOAuthServer()
    monotonic = type(clock)(0.0)
    auth, client = bound_auth(server, clock, monotonic)
    async with client:
        server.token_answer = httpx.Response(503)
        for _ in range(2):
            with pytest.raises(AtlasServerError):
                await client.get(API_URL, auth=auth)
        server.token_answer = None
        assert (await client.get(API_URL, auth=auth)).status_code == 200
        assert auth._failures == []


async def test_concurrent_waiters_share_one_failed_token_request(clock: Any) -> None:
    server = FakeOAuthServer(secret="not-the-secret-we-send")
    auth, client = bound_auth(server, clock, type(clock)(0.0))
    async with client:
        results = await asyncio.gather(*(client.get(API_URL, auth=auth) for _ in range(50)), return_exceptions=True)
    assert len(server.token_requests) == 1
    assert all(isinstance(result, AtlasAuthenticationError) for result in results)


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [(3599, 3599.0), (None, 3600.0), (-5, 300.0), (0, 300.0), (float("nan"), 300.0), (1e12, 300.0), (90, 90.0)],
)
async def test_expires_in_is_validated(clock: Any, expires_in: Any, lifetime: float) -> None:
    server = FakeOAuthServer()
    body: dict[str, Any] = {"access_token": "tok-x"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    server.token_answer = httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "json"})
    server.valid_tokens.add("tok-x")
    auth = make_auth(clock)
    async with make_client(server, auth) as client:
        await client.get(API_URL)
        await client.get(API_URL)
    assert auth._token is not None
    assert auth._token.expires_at - clock() == pytest.approx(lifetime)
    assert len(server.token_requests) == 1  # cached, even when short-lived (refreshed at half its life)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"client_id": "id\r\nX: 1", "client_secret": "s"}, "client_id"),
        ({"client_id": "id", "client_secret": "s\x00ecret-Zz1"}, "client_secret"),
        ({"public_key": "pub\tkey", "private_key": "p"}, "public_key"),
        ({"public_key": "pub", "private_key": "pri\nvate-Zz1"}, "private_key"),
        ({"access_token": "tok\r\nX-Evil: Zz1"}, "access_token"),
        ({"access_token": "tök-Zz1"}, "access_token"),
    ],
)
def test_credentials_with_control_characters_are_refused_without_echo(kwargs: dict[str, str], name: str) -> None:
    from atlas_admin import AtlasClient, AtlasCredentialError

    with pytest.raises(AtlasCredentialError) as caught:
        AtlasClient(**kwargs)
    assert isinstance(caught.value, AtlasAuthenticationError)
    assert isinstance(caught.value, AtlasConfigurationError)  # and so a ValueError, raised before any I/O
    assert name in str(caught.value)
    assert "Zz1" not in str(caught.value) and "Zz1" not in repr(vars(caught.value))


async def test_closed_auth_fetches_no_token(clock: Any) -> None:
    from atlas_admin import AtlasClientClosedError

    server = FakeOAuthServer()
    auth, client = bound_auth(server, clock, type(clock)(0.0))
    auth._mark_closed()
    async with client:
        with pytest.raises(AtlasClientClosedError):
            await client.get(API_URL, auth=auth)
    assert server.token_requests == []
