"""httpx.Auth implementations for the three kinds of Atlas credentials.

* `ServiceAccountAuth` - OAuth 2.0 client credentials (service accounts), the recommended kind.
* `DigestAuth`         - programmatic API keys (public key + private key) over HTTP Digest.
* `BearerAuth`         - a ready-made access token.

None of them shows a secret in its repr.
"""

from __future__ import annotations

import base64
import logging
import math
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING, Protocol

import attrs
import httpx

if TYPE_CHECKING:
    import asyncio

from ._body import BodyError, read_body
from ._constants import (
    AUTH_BODY_LIMIT,
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    LOGGER_NAME,
    REVOKE_PATH,
    TOKEN_DEFAULT_LIFETIME,
    TOKEN_FAILURE_LIMIT,
    TOKEN_FAILURE_WINDOW,
    TOKEN_FALLBACK_LIFETIME,
    TOKEN_MAX_LIFETIME,
    TOKEN_PATH,
    TOKEN_REFRESH_MARGIN,
)
from ._errors import (
    AtlasAuthenticationError,
    AtlasClientClosedError,
    AtlasConfigurationError,
    AtlasCredentialError,
    AtlasError,
    AtlasResponseError,
    error_from_response,
)
from ._redact import redact_request, redact_response

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

    Tokens are cached until ``refresh_margin`` seconds before they expire and fetched once for any number of
    concurrent callers, who all share the outcome: the token, or the failure. A 401 on a cached token triggers
    one refresh and one replay; a 401 on a token just fetched is returned as it is. Atlas allows about ten token
    requests a minute: after `TOKEN_FAILURE_LIMIT` failed token requests within `TOKEN_FAILURE_WINDOW` seconds,
    calls fail fast with `AtlasAuthenticationError` until the next request is allowed.

    Given an ``http_client`` (`AtlasClient` passes its own), the token request is sent through it in a task of
    its own: a caller that is cancelled while it waits (a deadline, say) neither cancels the fetch for the
    others nor loses the token, which is cached (and so revoked on close). Without one, as a plain
    ``httpx.AsyncClient(auth=auth)``, the token request goes through the flow of the call that needs it.

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
        http_client: httpx.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value:
                raise AtlasConfigurationError(f"{name} must be a non-empty string")
            if not _control_free(value):
                raise AtlasCredentialError(f"{name} must not contain CR, LF or other control characters", status=0)
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.revoke_url = revoke_url
        self._store: TokenStore = store if store is not None else InMemoryTokenStore()
        self._clock = clock
        self._monotonic = monotonic
        self._refresh_margin = refresh_margin
        self._store_key = f"{client_id}@{httpx.URL(token_url).host}"
        credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._basic_header = f"Basic {credentials}"
        # A request built by hand carries no timeout extension, and httpcore would wait for ever on it
        # (with every other caller queued behind it). The API request's own timeout wins when there is one.
        self._token_timeout = timeout.as_dict()
        self._user_agent = user_agent
        self._http = http_client
        self._token: Token | None = None
        # The refresh margin of the current token: a short-lived token is refreshed at half its life.
        self._token_margin = refresh_margin
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._fetch: asyncio.Task[Token] | None = None
        # (monotonic time, error) of recent failed token requests, oldest first.
        self._failures: list[tuple[float, AtlasError]] = []
        self._closed = False

    def __repr__(self) -> str:
        return f"ServiceAccountAuth(client_id={self.client_id!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Not supported: service-account tokens are fetched asynchronously; use httpx.AsyncClient."""
        raise AtlasConfigurationError("ServiceAccountAuth works with httpx.AsyncClient only, not httpx.Client")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Add ``Authorization: Bearer``; fetch a token first when none is fresh (httpx calls this)."""
        timeout = request.extensions.get("timeout", self._token_timeout)
        for attempt in range(2):
            if self._closed:
                raise AtlasClientClosedError("the client was closed: no token is fetched for this call")
            fetched_here = False
            token = self._fresh_cached_token()
            if token is None and self._http is not None:
                token, fetched_here = await self._shared_token(self._http, timeout)
            elif token is None:
                async with self._single_flight_lock():
                    # Another task may have fetched a token while this one waited for the lock.
                    token = await self._load_fresh_token()
                    if token is None:
                        self._check_backoff()
                        token_request = self._build_token_request(timeout)
                        token_response = yield token_request
                        try:
                            token = await self._accept_token_response(token_response)
                        finally:
                            redact_request(token_request)
                        fetched_here = True
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            response = yield request
            # A 401 on a token this flow just fetched is not staleness (wrong role, IP access list...): a new
            # token would be refused too and only spend the token-request budget (about 10 a minute).
            if response.status_code != 401 or attempt == 1 or fetched_here:
                return
            # httpx reads a response the flow answers with another request; read it here, within a cap.
            try:
                await read_body(response, max_size=AUTH_BODY_LIMIT)
            except BodyError:
                response._content = b""
            # The cached token was revoked or expired early: drop it and replay once with a new one.
            await self._forget(token)

    async def arevoke(self, client: httpx.AsyncClient) -> None:
        """Revoke the current token at Atlas and forget it; failures are logged, never raised.

        A token request still in flight is waited for first, so that its token is revoked too.

        Usage: ``await auth.arevoke(http_client)`` before closing ``http_client``.
        """
        await self._wait_for_fetch()
        token = self._token or await self._load_quietly()
        if token is None:
            return
        headers = {"Accept": "application/json", "Authorization": self._basic_header}
        if self._user_agent:
            headers["User-Agent"] = self._user_agent
        request = client.build_request(
            "POST",
            self.revoke_url,
            data={"token": token.access_token, "token_type_hint": "access_token"},
            headers=headers,
            timeout=httpx.Timeout(**self._token_timeout),
        )
        try:
            # No auth (the client's own may be this object) and no redirect: the token is in the body.
            response = await client.send(request, auth=None, follow_redirects=False, stream=True)
            try:
                await read_body(response, max_size=AUTH_BODY_LIMIT)
            except BodyError:
                response._content = b""
            if not response.is_success:
                logger.warning("revoking the service account token failed: %s", error_from_response(response))
        except Exception as exc:
            logger.warning("revoking the service account token failed: %s", type(exc).__name__)
        finally:
            redact_request(request)
        await self._forget(token)

    def _mark_closed(self) -> None:
        """No token is fetched from now on (AtlasClient calls this when it is closed)."""
        self._closed = True

    async def _wait_for_fetch(self) -> None:
        import asyncio

        task = self._fetch
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            await asyncio.wait([task])

    async def _shared_token(self, client: httpx.AsyncClient, timeout: object) -> tuple[Token, bool]:
        """The current token, fetched by one task for every concurrent caller; (token, whether it is new)."""
        import asyncio

        loop = asyncio.get_running_loop()
        task = self._fetch
        if task is None or task.done() or task.get_loop() is not loop:
            token = await self._load_fresh_token()
            if token is not None:
                return token, False
            task = self._fetch  # another caller may have started a fetch while the store answered
            if task is None or task.done() or task.get_loop() is not loop:
                self._check_backoff()
                task = loop.create_task(self._fetch_token(client, timeout))
                # Nobody may be left to await it (every caller cancelled): don't log its failure as unretrieved.
                task.add_done_callback(_consume_exception)
                self._fetch = task
        # shield: cancelling this caller must not cancel the fetch the others (and the cache) are waiting for.
        return await asyncio.shield(task), True

    async def _fetch_token(self, client: httpx.AsyncClient, timeout: object) -> Token:
        request = self._build_token_request(timeout)
        try:
            response = await client.send(request, auth=None, follow_redirects=False, stream=True)
            return await self._accept_token_response(response)
        finally:
            redact_request(request)

    def _check_backoff(self) -> None:
        """Fail fast while the token endpoint refused too many requests of this client lately."""
        now = self._monotonic()
        self._failures = [(at, error) for at, error in self._failures if now - at < TOKEN_FAILURE_WINDOW]
        if len(self._failures) < TOKEN_FAILURE_LIMIT:
            return
        wait = self._failures[0][0] + TOKEN_FAILURE_WINDOW - now
        last = self._failures[-1][1]
        error = AtlasAuthenticationError(
            f"{len(self._failures)} token requests failed in the last {TOKEN_FAILURE_WINDOW:g}s (last: {last}); "
            f"the next token request is allowed in {wait:.1f}s",
            status=getattr(last, "status", 0),
            error_code=getattr(last, "error_code", None),
            retry_after=wait,
        )
        raise error

    def _record_failure(self, error: AtlasError) -> None:
        self._failures.append((self._monotonic(), error))
        del self._failures[:-TOKEN_FAILURE_LIMIT]

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
        if token is not None and token.is_fresh(self._clock(), self._token_margin):
            return token
        return None

    async def _load_fresh_token(self) -> Token | None:
        token = self._fresh_cached_token()
        if token is not None:
            return token
        stored = await self._load_quietly()
        if stored is not None and stored.is_fresh(self._clock(), self._refresh_margin):
            if not _header_safe(stored.access_token):
                logger.warning("ignoring the token in %r: it has characters not allowed in a header", self._store)
                return None
            self._token = stored
            self._token_margin = self._refresh_margin
            return stored
        return None

    def _build_token_request(self, timeout: object) -> httpx.Request:
        # Built by hand rather than through a client: it may be yielded into whichever client runs this flow.
        headers = {"Accept": "application/json", "Authorization": self._basic_header}
        if self._user_agent:
            headers["User-Agent"] = self._user_agent
        return httpx.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers=headers,
            extensions={"timeout": timeout},
        )

    async def _accept_token_response(self, response: httpx.Response) -> Token:
        try:
            await read_body(response, max_size=AUTH_BODY_LIMIT)
        except BodyError as exc:
            response._content = b""
            error: AtlasError = AtlasResponseError.from_response(response, f"unusable token answer ({exc.problem})")
            if not response.is_success:
                error = error_from_response(response)
            self._record_failure(error)
            raise error from None
        if not response.is_success:
            # 3xx included: a token endpoint that redirects is not followed (the credentials would go along).
            failure = error_from_response(response)
            redact_response(response)
            # The API request this token was for has not been sent: the retry policy may repeat it even
            # for a POST when the token endpoint's status is a transient one (429, 503, ...).
            failure.before_request = True
            self._record_failure(failure)
            raise failure
        try:
            body = response.json()
            access_token = body["access_token"]
            if not isinstance(access_token, str) or not access_token:
                raise TypeError("access_token is not a non-empty string")
            lifetime = _token_lifetime(body.get("expires_in"))
            token_type = str(body.get("token_type") or "Bearer")
        except Exception as exc:
            # The excerpt of a token answer would contain the token: keep only the problem.
            error = AtlasResponseError.from_response(response, f"unusable token answer ({type(exc).__name__})")
            error.excerpt = ""
            self._record_failure(error)
            raise error from None
        if not _header_safe(access_token):
            # Sent as is, it would split the Authorization header (and h11 would log it at DEBUG when refusing).
            refused = AtlasCredentialError(
                "the token endpoint returned an access token with characters not allowed in a header; not used",
                status=response.status_code,
            )
            self._record_failure(refused)
            raise refused
        self._failures.clear()
        token = Token(access_token, expires_at=self._clock() + lifetime, token_type=token_type)
        self._token = token
        self._token_margin = min(self._refresh_margin, lifetime / 2)
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


def _consume_exception(task: asyncio.Task[Token]) -> None:
    if not task.cancelled():
        task.exception()


def _token_lifetime(expires_in: object) -> float:
    """Seconds a token lives by its ``expires_in``; a bad number gives a short, bounded lifetime, not none.

    >>> _token_lifetime(3599), _token_lifetime(None), _token_lifetime(-5), _token_lifetime(float("nan"))
    (3599.0, 3600.0, 300.0, 300.0)
    """
    if expires_in is None or expires_in == "":
        return float(TOKEN_DEFAULT_LIFETIME)
    if isinstance(expires_in, bool):
        raise TypeError("expires_in is not a number")
    seconds = float(expires_in)  # type: ignore[arg-type]  # a str that is no number raises: an unusable answer
    if not math.isfinite(seconds) or seconds <= 0 or seconds > TOKEN_MAX_LIFETIME:
        logger.warning("the token answer's expires_in is unusable; the token is used for %gs", TOKEN_FALLBACK_LIFETIME)
        return TOKEN_FALLBACK_LIFETIME
    return seconds


def _control_free(value: str) -> bool:
    return not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)


def _header_safe(value: str) -> bool:
    """Whether ``value`` can go into a header as it is: printable ASCII only."""
    return value.isascii() and value.isprintable()


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
        if not public_key.isascii() or not _control_free(public_key):
            raise AtlasCredentialError("public_key must be printable ASCII (no CR, LF or control characters)", status=0)
        if not _control_free(private_key):
            raise AtlasCredentialError("private_key must not contain CR, LF or other control characters", status=0)
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
            outgoing = self._step(flow, None)
            while outgoing is not None:
                response = yield outgoing
                if response.status_code == 401:
                    # httpx reads a response the flow answers with another request; read it here, within a cap.
                    try:
                        await read_body(response, max_size=AUTH_BODY_LIMIT)
                    except BodyError:
                        response._content = b""
                outgoing = self._step(flow, response)
        finally:
            if lock is not None:
                lock.release()

    def _step(
        self, flow: Generator[httpx.Request, httpx.Response, None], response: httpx.Response | None
    ) -> httpx.Request | None:
        """The flow's next request (None when it is done); a challenge it cannot answer is an AtlasError.

        httpx raises KeyError (unknown algorithm), NotImplementedError (qop="auth-int" only), ValueError or
        ProtocolError (malformed) or UnicodeError (non-ASCII) on a hostile challenge, and keeps a challenge it
        failed on, so that every later call would fail the same way.
        """
        try:
            outgoing = next(flow) if response is None else flow.send(response)
            header = outgoing.headers.get("Authorization")
            if header is not None and not _header_safe(header):
                raise ValueError("the answer to the challenge is not printable ASCII")
        except StopIteration:
            return None
        except Exception as exc:
            self._last_challenge = None
            problem = f"the server's Digest challenge cannot be answered ({type(exc).__name__})"
            if response is None:
                raise AtlasAuthenticationError(problem, status=0) from None
            error = error_from_response(response)
            raise AtlasAuthenticationError(
                f"{problem}: {error}", status=response.status_code, method=error.method, url=error.url
            ) from None
        return outgoing

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
        if not _header_safe(access_token):
            # A header value with CR/LF would let the token smuggle extra headers (and h11 would log it at DEBUG
            # when refusing it); non-ASCII cannot be encoded in a header at all.
            raise AtlasCredentialError(
                "access_token must be printable ASCII (no CR, LF or control characters)", status=0
            )
        self._authorization = f"Bearer {access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the Authorization header (httpx calls this)."""
        request.headers["Authorization"] = self._authorization
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(access_token=<hidden>)"
