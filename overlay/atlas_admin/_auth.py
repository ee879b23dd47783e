"""httpx.Auth implementations for the three kinds of Atlas credentials.

* `ServiceAccountAuth` - OAuth 2.0 client credentials (service accounts), the recommended kind.
* `DigestAuth`         - programmatic API keys (public key + private key) over HTTP Digest.
* `BearerAuth`         - a ready-made access token.

None of them shows a secret in its repr.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING, Protocol

import attrs
import httpx

if TYPE_CHECKING:
    import asyncio

from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    LOGGER_NAME,
    REVOKE_PATH,
    TOKEN_DEFAULT_LIFETIME,
    TOKEN_PATH,
    TOKEN_REFRESH_MARGIN,
)
from ._errors import AtlasConfigurationError, AtlasResponseError, error_from_response

__all__ = [
    "BearerAuth",
    "DigestAuth",
    "InMemoryTokenStore",
    "ServiceAccountAuth",
    "Token",
    "TokenStore",
]

logger = logging.getLogger(LOGGER_NAME)


@attrs.frozen
class Token:
    """An OAuth access token and when it expires (wall-clock epoch seconds, so it can be shared between processes).

    >>> Token("eyJ...", expires_at=1_000.0).is_fresh(now=900.0, margin=60.0)
    True
    """

    access_token: str = attrs.field(repr=False)
    expires_at: float
    token_type: str = "Bearer"

    def is_fresh(self, now: float, margin: float) -> bool:
        """Whether the token stays valid for at least ``margin`` more seconds after ``now``.

        >>> Token("eyJ...", expires_at=1_000.0).is_fresh(now=950.0, margin=60.0)
        False
        """
        return now + margin < self.expires_at


class TokenStore(Protocol):
    """Where service-account tokens are kept between requests; implement it to share tokens between processes.

    Keys are ``"<client_id>@<host>"``. A Redis-backed store, say, lets a fleet of workers use one token.

    Usage::

        class RedisTokenStore:
            async def load(self, key: str) -> Token | None: ...
            async def save(self, key: str, token: Token) -> None: ...
            async def delete(self, key: str) -> None: ...

        AtlasClient(client_id=..., client_secret=..., token_store=RedisTokenStore())
    """

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        ...

    async def save(self, key: str, token: Token) -> None:
        """Keep ``token`` under ``key``, replacing any older one."""
        ...

    async def delete(self, key: str) -> None:
        """Forget the token under ``key``; no error if there is none."""
        ...


class InMemoryTokenStore:
    """The default `TokenStore`: a dict, shared by every auth object given the same instance.

    >>> import asyncio
    >>> store = InMemoryTokenStore()
    >>> asyncio.run(store.load("mdb_sa_id_1@cloud.mongodb.com")) is None
    True
    """

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        return self._tokens.get(key)

    async def save(self, key: str, token: Token) -> None:
        """Keep ``token`` under ``key``, replacing any older one."""
        self._tokens[key] = token

    async def delete(self, key: str) -> None:
        """Forget the token under ``key``; no error if there is none."""
        self._tokens.pop(key, None)

    def __repr__(self) -> str:
        return f"InMemoryTokenStore(keys={sorted(self._tokens)!r})"


class ServiceAccountAuth(httpx.Auth):
    """OAuth 2.0 client credentials for an Atlas service account (async clients only).

    Tokens are fetched through the same client (and so the same transport, proxies and event hooks)
    as the API calls, cached until ``refresh_margin`` seconds before they expire, and fetched once
    for any number of concurrent callers. A 401 on a cached token triggers one refresh and one replay;
    a 401 on a token just fetched is returned as it is.

    >>> auth = ServiceAccountAuth("mdb_sa_id_1", "mdb_sa_sk_2")
    >>> auth
    ServiceAccountAuth(client_id='mdb_sa_id_1')

    Usage: ``httpx.AsyncClient(base_url="https://cloud.mongodb.com", auth=auth)``
    """

    # A replayed request needs its body again, so httpx must buffer streamed bodies before the flow.
    requires_request_body = True
    requires_response_body = False

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_url: str = DEFAULT_BASE_URL + TOKEN_PATH,
        revoke_url: str = DEFAULT_BASE_URL + REVOKE_PATH,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = TOKEN_REFRESH_MARGIN,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        user_agent: str | None = None,
    ) -> None:
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value:
                raise AtlasConfigurationError(f"{name} must be a non-empty string")
            if "\r" in value or "\n" in value:
                raise AtlasConfigurationError(f"{name} must not contain CR or LF")
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.revoke_url = revoke_url
        self._store: TokenStore = store if store is not None else InMemoryTokenStore()
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._store_key = f"{client_id}@{httpx.URL(token_url).host}"
        self._basic = httpx.BasicAuth(client_id, client_secret)
        credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._basic_header = f"Basic {credentials}"
        # A request built by hand carries no timeout extension, and httpcore would wait for ever on it
        # (with every other caller queued on the single-flight lock behind it).
        self._token_timeout = timeout.as_dict()
        self._user_agent = user_agent
        self._token: Token | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"ServiceAccountAuth(client_id={self.client_id!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Not supported: service-account tokens are fetched asynchronously; use httpx.AsyncClient."""
        raise AtlasConfigurationError("ServiceAccountAuth works with httpx.AsyncClient only, not httpx.Client")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Add ``Authorization: Bearer``; fetch a token first when none is fresh (httpx calls this)."""
        for attempt in range(2):
            fetched_here = False
            token = self._fresh_cached_token()
            if token is None:
                async with self._single_flight_lock():
                    # Another task may have fetched a token while this one waited for the lock.
                    token = await self._load_fresh_token()
                    if token is None:
                        token_response = yield self._build_token_request()
                        token = await self._accept_token_response(token_response)
                        fetched_here = True
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            response = yield request
            # A 401 on a token this flow just fetched is not staleness (wrong role, IP access list...): a new
            # token would be refused too and only spend the token-request budget (about 10 a minute).
            if response.status_code != 401 or attempt == 1 or fetched_here:
                return
            # The cached token was revoked or expired early: drop it and replay once with a new one.
            await self._forget(token)

    async def arevoke(self, client: httpx.AsyncClient) -> None:
        """Revoke the current token at Atlas and forget it; failures are logged, never raised.

        Usage: ``await auth.arevoke(http_client)`` before closing ``http_client``.
        """
        token = self._token or await self._load_quietly()
        if token is None:
            return
        try:
            response = await client.post(
                self.revoke_url,
                data={"token": token.access_token, "token_type_hint": "access_token"},
                headers={"Accept": "application/json"},
                # Explicit auth so that the client's own auth (maybe this object) is not applied.
                auth=self._basic,
            )
            if response.is_error:
                logger.warning("revoking the service account token failed: %s", error_from_response(response))
        except Exception as exc:
            logger.warning("revoking the service account token failed: %s", type(exc).__name__)
        await self._forget(token)

    def _single_flight_lock(self) -> asyncio.Lock:
        import asyncio  # lazily: it is ~10 ms of `import atlas_admin`, and any caller here runs in asyncio

        # An asyncio.Lock belongs to one event loop; an auth object may outlive its loop (tests, asyncio.run twice).
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        return self._lock

    def _fresh_cached_token(self) -> Token | None:
        token = self._token
        if token is not None and token.is_fresh(self._clock(), self._refresh_margin):
            return token
        return None

    async def _load_fresh_token(self) -> Token | None:
        token = self._fresh_cached_token()
        if token is not None:
            return token
        stored = await self._load_quietly()
        if stored is not None and stored.is_fresh(self._clock(), self._refresh_margin):
            self._token = stored
            return stored
        return None

    def _build_token_request(self) -> httpx.Request:
        # Built by hand rather than through a client: it is yielded into whichever client runs this flow.
        headers = {"Accept": "application/json", "Authorization": self._basic_header}
        if self._user_agent:
            headers["User-Agent"] = self._user_agent
        return httpx.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers=headers,
            extensions={"timeout": self._token_timeout},
        )

    async def _accept_token_response(self, response: httpx.Response) -> Token:
        await response.aread()
        if response.is_error:
            failure = error_from_response(response)
            # The API request this token was for has not been sent: the retry policy may repeat it even
            # for a POST when the token endpoint's status is a transient one (429, 503, ...).
            failure.before_request = True
            raise failure
        try:
            body = response.json()
            access_token = body["access_token"]
            if not isinstance(access_token, str) or not access_token:
                raise TypeError("access_token is not a non-empty string")
            expires_in = float(body.get("expires_in") or TOKEN_DEFAULT_LIFETIME)
            token_type = str(body.get("token_type") or "Bearer")
        except Exception as exc:
            # The excerpt of a token answer would contain the token: keep only the problem.
            error = AtlasResponseError.from_response(response, f"unusable token answer ({type(exc).__name__})")
            error.excerpt = ""
            raise error from None
        token = Token(access_token, expires_at=self._clock() + expires_in, token_type=token_type)
        self._token = token
        try:
            await self._store.save(self._store_key, token)
        except Exception as exc:
            # A broken shared store costs extra token requests, not failed API calls.
            logger.warning("could not save the token to %r: %s", self._store, type(exc).__name__)
        return token

    async def _forget(self, token: Token) -> None:
        # Only drop the token if it is still current, so that late 401s don't discard a newer token.
        if self._token is not None and self._token.access_token == token.access_token:
            self._token = None
        stored = await self._load_quietly()
        if stored is not None and stored.access_token == token.access_token:
            try:
                await self._store.delete(self._store_key)
            except Exception as exc:
                logger.warning("could not delete the token from %r: %s", self._store, type(exc).__name__)

    async def _load_quietly(self) -> Token | None:
        try:
            return await self._store.load(self._store_key)
        except Exception as exc:
            logger.warning("could not load the token from %r: %s", self._store, type(exc).__name__)
            return None


class DigestAuth(httpx.DigestAuth):
    """HTTP Digest with an Atlas programmatic API key (public key as user name, private key as password).

    httpx remembers the last challenge, so only the first request pays the extra 401 round trip.

    >>> DigestAuth("abcdefgh", "0f1e2d3c-private")
    DigestAuth(public_key='abcdefgh')
    """

    def __init__(self, public_key: str, private_key: str) -> None:
        for name, value in (("public_key", public_key), ("private_key", private_key)):
            if not isinstance(value, str) or not value:
                raise AtlasConfigurationError(f"{name} must be a non-empty string")
        # The public key travels in the Authorization header as the digest user name: CR/LF would smuggle
        # headers and non-ASCII cannot be encoded there (it failed only at send time, as a transport error).
        if not public_key.isascii() or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in public_key):
            raise AtlasConfigurationError("public_key must be printable ASCII (no CR, LF or control characters)")
        super().__init__(public_key, private_key)
        self.public_key = public_key
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"DigestAuth(public_key={self.public_key!r})"

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        # httpx learns the challenge from a 401, so N calls that start together would all pay the extra
        # round trip. Until the challenge is known, one call at a time goes (holding a lock); the others
        # wait, find the challenge learned and answer it directly: one extra exchange per client.
        lock = None
        if self._last_challenge is None:
            lock = self._first_challenge_lock()
            await lock.acquire()
            if self._last_challenge is not None:  # learned while this call waited
                lock.release()
                lock = None
        try:
            flow = self.auth_flow(request)
            outgoing = next(flow)
            while True:
                response = yield outgoing
                try:
                    outgoing = flow.send(response)
                except StopIteration:
                    return
        finally:
            if lock is not None:
                lock.release()

    def _first_challenge_lock(self) -> asyncio.Lock:
        import asyncio  # lazily, as in ServiceAccountAuth

        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        return self._lock


class BearerAuth(httpx.Auth):
    """A fixed access token sent as ``Authorization: Bearer`` (for tokens obtained elsewhere).

    >>> BearerAuth("eyJhbGciOi...")
    BearerAuth(access_token=<hidden>)
    """

    def __init__(self, access_token: str) -> None:
        if not isinstance(access_token, str) or not access_token:
            raise AtlasConfigurationError("access_token must be a non-empty string")
        if "\r" in access_token or "\n" in access_token:
            # A header value with CR/LF would let the token smuggle extra headers.
            raise AtlasConfigurationError("access_token must not contain CR or LF")
        self._authorization = f"Bearer {access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the Authorization header (httpx calls this)."""
        request.headers["Authorization"] = self._authorization
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(access_token=<hidden>)"
