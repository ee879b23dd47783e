"""`AtlasClient`: the typed async facade over the generated operations.

A call travels one pipeline, each step in one place:

1. build — the generated ``_get_kwargs`` turns arguments into method, path, query, versioned ``Accept``
   and body, checking path and query parameters before any I/O;
2. send — `AtlasClient._run`: auth (an `httpx.Auth` per scheme), retries (`RetryPolicy`), logging,
   deprecation warnings;
3. parse — the generated ``_parse_response`` (discriminated unions, tolerant enums);
4. fail — non-2xx answers and undecodable bodies become the exceptions of `atlas_admin._errors`.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import httpx
from atlas_admin_api._operations import OPERATIONS, InvalidArgumentError, Operation
from atlas_admin_api.api import TAGS, AtlasOperations
from atlas_admin_api.client import Client as GeneratedClient

from . import _constants as C
from ._auth import BearerAuth, DigestAuth, ServiceAccountAuth, TokenStore
from ._body import BodyError, read_body
from ._errors import (
    AtlasClientClosedError,
    AtlasConfigurationError,
    AtlasConnectionError,
    AtlasDeprecationWarning,
    AtlasError,
    AtlasResponseError,
    AtlasTimeoutError,
    AtlasTransportError,
    error_from_response,
    safe_url,
)
from ._gcpause import call_with_gc_paused
from ._parsing import parse_success
from ._redact import redact_exception, redact_request, redact_response
from ._retry import RetryPolicy, is_idempotent, send_with_retries
from ._version import __version__

logger = logging.getLogger(C.LOGGER_NAME)

# This package and the generated one, by their import names (a vendored copy lives under another prefix).
_SDK_PACKAGES = (__name__.rsplit(".", 1)[0], __name__.rsplit(".", 1)[0] + "_api")


def _stacklevel_outside_the_sdk() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside the SDK: the caller's line, whether
    it called the facade directly or through `paginate`, `wait_until` or a deprecated alias."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not any(module == package or module.startswith(package + ".") for package in _SDK_PACKAGES):
            return level
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


# The generated table is keyed by module name; requests carry the documented operationId.
_OPERATIONS_BY_ID: dict[str, Operation] = {op.operation_id: op for op in OPERATIONS.values()}

# Raw responses captured by `AtlasClient.capture_responses()` in the current task.
_captured: contextvars.ContextVar[list[RawResponse] | None] = contextvars.ContextVar(
    "atlas_admin_captured", default=None
)


class _NotGiven:
    """Sentinel for "argument not given", distinct from ``None`` (which can mean "no timeout")."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Any = _NotGiven()


@attrs.frozen
class RawResponse:
    """One HTTP exchange as the SDK saw it: what `AtlasClient.capture_responses` records.

    ``rate_limit`` and ``rate_limit_remaining`` come from Atlas's ``RateLimit-Limit`` and
    ``RateLimit-Remaining`` headers when present.
    """

    operation_id: str
    status_code: int
    headers: httpx.Headers
    retries_taken: int
    elapsed: float
    http_response: httpx.Response = attrs.field(repr=False)

    @property
    def rate_limit(self) -> int | None:
        return _int_header(self.headers, "RateLimit-Limit")

    @property
    def rate_limit_remaining(self) -> int | None:
        return _int_header(self.headers, "RateLimit-Remaining")


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _check_max_retries(max_retries: object) -> None:
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise AtlasConfigurationError(f"max_retries must be a non-negative int, got {max_retries!r}")


def _check_deadline(deadline: object) -> None:
    if deadline is not None and (
        isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not deadline > 0
    ):
        raise AtlasConfigurationError(f"deadline must be positive seconds or None, got {deadline!r}")


def _check_max_body_size(max_body_size: object) -> None:
    if isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size <= 0:
        raise AtlasConfigurationError(f"max_body_size must be a positive int (bytes), got {max_body_size!r}")


@attrs.define
class _Lifecycle:
    """State shared by a client and its with_options() views: closing one closes them all."""

    closed: bool = False


def _unencodable_argument(kwargs: dict[str, Any], operation: Operation | None) -> str:
    """The parameter whose value cannot be sent (a lone surrogate, say): a query parameter, or else the body."""
    names = {spec: python for spec, python, *_ in operation.query_params} if operation else {}
    for name, value in (kwargs.get("params") or {}).items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            try:
                str(item).encode("utf-8")
            except UnicodeEncodeError:
                return str(names.get(name, name))
    return "body"


def _check_strict(strict: object) -> None:
    if not isinstance(strict, bool):
        raise AtlasConfigurationError(f"strict must be a bool, got {strict!r}")


def _host(url: httpx.URL) -> str:
    """``host`` or ``host:port``: where a request went, without userinfo."""
    return f"{url.host}:{url.port}" if url.port is not None else url.host


def _cause(exc: BaseException) -> str:
    """``": <httpx's reason>"`` (e.g. "[Errno 111] Connection refused"), or nothing when httpx gave none."""
    reason = str(exc).strip()
    # h11 quotes a header it refuses ("Illegal header value b'Bearer ...'"): never let a credential through.
    reason = _CREDENTIAL_IN_TEXT.sub(r"\1 [redacted]", reason)
    return f": {reason}" if reason else ""


_CREDENTIAL_IN_TEXT = re.compile(r"(Bearer|Basic|Digest)\s+[^'\"]+", re.IGNORECASE)


def _user_agent(suffix: str | None) -> str:
    import platform  # once per client, not at import time

    agent = (
        f"atlas-admin-python/{__version__} (Python {sys.version_info.major}.{sys.version_info.minor}; "
        f"{platform.system().lower()}/{platform.machine().lower()})"
    )
    if suffix:
        if any(ch in suffix for ch in "\r\n"):
            raise AtlasConfigurationError("user_agent_suffix must not contain CR or LF")
        agent = f"{agent} {suffix}"
    return agent


def _choose_auth(
    *,
    client_id: str | None,
    client_secret: str | None,
    public_key: str | None,
    private_key: str | None,
    access_token: str | None,
    base_url: str,
    token_store: TokenStore | None,
    token_timeout: httpx.Timeout,
    user_agent: str,
) -> httpx.Auth | None:
    pairs = {
        "client_id/client_secret": (client_id, client_secret),
        "public_key/private_key": (public_key, private_key),
    }
    for names, (first, second) in pairs.items():
        if (first is None) != (second is None):
            missing = names.split("/")[1 if second is None else 0]
            raise AtlasConfigurationError(f"{names}: both must be given ({missing} is missing)")
    given = [names for names, (first, _) in pairs.items() if first is not None]
    if access_token is not None:
        given.append("access_token")
    if len(given) > 1:
        raise AtlasConfigurationError(f"give one kind of credentials, not {' and '.join(given)}")
    if client_id is not None and client_secret is not None:
        return ServiceAccountAuth(
            client_id,
            client_secret,
            token_url=base_url + C.TOKEN_PATH,
            revoke_url=base_url + C.REVOKE_PATH,
            store=token_store,
            timeout=token_timeout,
            user_agent=user_agent,
        )
    if public_key is not None and private_key is not None:
        return DigestAuth(public_key, private_key)
    if access_token is not None:
        return BearerAuth(access_token)
    return None


class AtlasClient(AtlasOperations):
    """An async client for the MongoDB Atlas Administration API v2.

    Every documented operation is ``await atlas.<tag>.<operation>(...)``; each returns the parsed model
    (``None`` for 204) and raises an `AtlasError` subclass on failure.

    Usage::

        async with AtlasClient(client_id="mdb_sa_id_...", client_secret="mdb_sa_sk_...") as atlas:
            buckets = await atlas.cloud_backups.list_export_buckets("32b6e34b3d91647abb20e7b8")

    Credentials: a service account (``client_id``/``client_secret``, OAuth 2.0 client credentials), an API
    key pair (``public_key``/``private_key``, HTTP Digest) or a static ``access_token``; or see `from_env`.

    Limits: ``timeout`` bounds each step of each request (connect, write, each read, pool wait), the token
    request included; ``deadline`` (default 300 s, None for none) bounds a whole call with its retries;
    ``max_body_size`` (default 64 MiB) bounds a decoded answer. Redirects are never followed. After
    `aclose`, calls raise `AtlasClientClosedError`.

    Answers that differ from the spec below their top level are kept as received and logged once per operation
    and field path (lenient, the default); ``strict=True`` raises `AtlasResponseError` with the JSON path instead.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        public_key: str | None = None,
        private_key: str | None = None,
        access_token: str | None = None,
        base_url: str = C.DEFAULT_BASE_URL,
        http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        retry_unsafe: bool = False,
        deadline: float | None = C.DEFAULT_DEADLINE,
        max_body_size: int = C.MAX_BODY_SIZE,
        token_store: TokenStore | None = None,
        revoke_on_close: bool = True,
        user_agent_suffix: str | None = None,
        verify: bool = True,
        strict: bool = False,
    ) -> None:
        if max_retries is not NOT_GIVEN:
            _check_max_retries(max_retries)
        _check_deadline(deadline)
        _check_max_body_size(max_body_size)
        _check_strict(strict)
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise AtlasConfigurationError(f"base_url must be an http(s) URL, got {base_url!r}")
        self._base_url = str(url).rstrip("/")
        self._user_agent = _user_agent(user_agent_suffix)
        # Not given: the SDK's default for a client it creates, the supplied client's own for one it was handed.
        if timeout is NOT_GIVEN:
            timeout = C.DEFAULT_TIMEOUT if http_client is None else NOT_GIVEN
        self._timeout = timeout
        # The token request is built by hand inside the auth flow, so its timeout is spelled out.
        token_timeout = (
            http_client.timeout if http_client is not None and timeout is NOT_GIVEN else httpx.Timeout(timeout)
        )
        self._auth = _choose_auth(
            client_id=client_id,
            client_secret=client_secret,
            public_key=public_key,
            private_key=private_key,
            access_token=access_token,
            base_url=self._base_url,
            token_store=token_store,
            token_timeout=token_timeout,
            user_agent=self._user_agent,
        )
        self._retry_policy = retry_policy or RetryPolicy()
        if max_retries is not NOT_GIVEN:
            self._retry_policy = attrs.evolve(self._retry_policy, max_retries=max_retries)
        self._retry_unsafe = retry_unsafe
        self._deadline = deadline
        self._revoke_on_close = revoke_on_close
        self._owns_http = http_client is None
        # A with_options() view shares this client's pool and token: closing a view must not end either.
        self._is_view = False
        # follow_redirects stays off: Authorization must never travel to another host.
        self._http = http_client or httpx.AsyncClient(timeout=C.DEFAULT_TIMEOUT, verify=verify, follow_redirects=False)
        if isinstance(self._auth, ServiceAccountAuth):
            # Token requests go through this client, in a task of their own (see ServiceAccountAuth).
            self._auth._http = self._http
        self._max_body_size = max_body_size
        self._lifecycle = _Lifecycle()
        self._generated = GeneratedClient(base_url=self._base_url, raise_on_unexpected_status=False)
        self._warned_deprecated: set[str] = set()
        # Issue #13: lenient (keep what differs from the spec, warn once per operation and path) unless strict.
        self._strict = strict
        self._warned_deviations: set[tuple[str, str]] = set()  # shared with with_options() views
        super().__init__(self)

    # --- construction -----------------------------------------------------------------------------
    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> AtlasClient:
        """Build a client from ``MONGODB_ATLAS_*`` environment variables.

        Reads ``MONGODB_ATLAS_CLIENT_ID``/``MONGODB_ATLAS_CLIENT_SECRET`` (service account),
        ``MONGODB_ATLAS_PUBLIC_API_KEY``/``MONGODB_ATLAS_PRIVATE_API_KEY`` (or ``MONGODB_ATLAS_PUBLIC_KEY``/
        ``MONGODB_ATLAS_PRIVATE_KEY``), ``MONGODB_ATLAS_ACCESS_TOKEN`` and ``MONGODB_ATLAS_BASE_URL``.
        Keyword arguments override what the environment gives.

        Usage::

            async with AtlasClient.from_env() as atlas:
                ...
        """
        env = os.environ if environ is None else environ

        def first(*names: str) -> str | None:
            for name in names:
                if env.get(name):
                    return env[name]
            return None

        found = {
            "client_id": first(C.ENV_CLIENT_ID),
            "client_secret": first(C.ENV_CLIENT_SECRET),
            "public_key": first(C.ENV_PUBLIC_API_KEY, C.ENV_PUBLIC_KEY),
            "private_key": first(C.ENV_PRIVATE_API_KEY, C.ENV_PRIVATE_KEY),
            "access_token": first(C.ENV_ACCESS_TOKEN),
        }
        base_url = first(C.ENV_BASE_URL)
        if base_url:
            found["base_url"] = base_url
        credential_names = ("client_id", "client_secret", "public_key", "private_key", "access_token")
        if any(name in overrides for name in credential_names):
            # Credentials given in code replace the environment's, whatever kind they are.
            found = {k: v for k, v in found.items() if k not in credential_names}
        kwargs: dict[str, Any] = {k: v for k, v in found.items() if v is not None}
        kwargs.update(overrides)
        variables = (
            f"{C.ENV_CLIENT_ID}/{C.ENV_CLIENT_SECRET}, {C.ENV_PUBLIC_API_KEY}/{C.ENV_PRIVATE_API_KEY} "
            f"(or {C.ENV_PUBLIC_KEY}/{C.ENV_PRIVATE_KEY}), or {C.ENV_ACCESS_TOKEN}"
        )
        if not any(kwargs.get(k) for k in ("client_id", "public_key", "access_token", "client_secret", "private_key")):
            raise AtlasConfigurationError(f"no Atlas credentials in the environment: set {variables}")
        try:
            return cls(**kwargs)
        except AtlasConfigurationError as exc:
            raise AtlasConfigurationError(f"{exc} (environment variables: {variables})") from None

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        deadline: float | None = NOT_GIVEN,
        retry_unsafe: bool = NOT_GIVEN,
        strict: bool = NOT_GIVEN,
    ) -> AtlasClient:
        """A view of this client with other per-call settings; it shares the connection pool and token.

        Usage::

            role = await atlas.with_options(timeout=5, max_retries=0).custom_database_roles.get_custom_database_role(
                group_id, "myRole"
            )
        """
        other = copy.copy(self)
        other._owns_http = False
        other._is_view = True
        other._runner = other  # the facade sends through the view, with the view's settings
        for tag in TAGS:  # cached tag objects are bound to the original's runner
            other.__dict__.pop(tag, None)
        if timeout is not NOT_GIVEN:
            other._timeout = timeout
        if max_retries is not NOT_GIVEN:
            _check_max_retries(max_retries)
            other._retry_policy = attrs.evolve(self._retry_policy, max_retries=max_retries)
        if deadline is not NOT_GIVEN:
            _check_deadline(deadline)
            other._deadline = deadline
        if retry_unsafe is not NOT_GIVEN:
            other._retry_unsafe = retry_unsafe
        if strict is not NOT_GIVEN:
            _check_strict(strict)
            other._strict = strict
        return other

    # --- lifecycle --------------------------------------------------------------------------------
    async def __aenter__(self) -> AtlasClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Revoke the service-account token (unless ``revoke_on_close=False``) and close owned connections.

        Every later call, on this client or its `with_options` views, raises `AtlasClientClosedError`.
        Closing a view does nothing: the client it came from owns the connections and the token.
        """
        if self._is_view:
            return
        self._lifecycle.closed = True
        if isinstance(self._auth, ServiceAccountAuth):
            self._auth._mark_closed()
        try:
            if self._revoke_on_close and isinstance(self._auth, ServiceAccountAuth):
                await self._auth.arevoke(self._http)
        finally:
            if self._owns_http:
                await self._http.aclose()

    def __repr__(self) -> str:
        return f"AtlasClient(base_url={self._base_url!r}, auth={self._auth!r})"

    @property
    def base_url(self) -> str:
        return self._base_url

    # --- raw responses ----------------------------------------------------------------------------
    @staticmethod
    @contextlib.contextmanager
    def capture_responses() -> Iterator[list[RawResponse]]:
        """Record the raw HTTP response of every call made inside the block (in this task).

        Usage::

            with atlas.capture_responses() as responses:
                await atlas.cloud_backups.list_export_buckets(group_id)
            print(responses[-1].status_code, responses[-1].rate_limit_remaining, responses[-1].retries_taken)
        """
        captured: list[RawResponse] = []
        token = _captured.set(captured)
        try:
            yield captured
        finally:
            _captured.reset(token)

    # --- the pipeline -----------------------------------------------------------------------------
    async def _run(self, kwargs: dict[str, Any], parse: Callable[..., Any]) -> Any:
        """Send one generated operation's request and return its parsed success body (the facade calls this)."""
        self._check_open()
        operation_id = kwargs.get("extensions", {}).get("atlas_admin.operation_id", "")
        operation = _OPERATIONS_BY_ID.get(operation_id)
        request = self._build_request(kwargs, operation)
        template = operation.path if operation else request.url.path
        if operation is not None and (operation.deprecated or operation.sunset):
            self._warn_deprecated(operation_id, template, None, operation.sunset)

        started = time.monotonic()
        deadline = started + self._deadline if self._deadline is not None else None
        attempts = send_with_retries(
            lambda: self._send_once(request),
            policy=self._retry_policy,
            method=request.method,
            idempotent=operation.idempotent if operation else is_idempotent(request.method),
            retry_unsafe=self._retry_unsafe,
            deadline=deadline,
            operation=operation_id,
        )
        where = {"method": request.method, "url": safe_url(request.url)}
        try:
            if self._deadline is None:
                response, retries = await attempts
            else:
                # The retry loop never sleeps past the deadline; this also cuts an attempt still in flight.
                import asyncio

                async with asyncio.timeout(self._deadline):
                    response, retries = await attempts
        except BaseException as exc:
            # Whatever is raised (or chained to it) may hold the request, with its credentials.
            redact_exception(exc)
            failure = self._failure(exc, request, template, where)
            if failure is exc:
                raise
            raise failure from exc
        finally:
            redact_request(request)
        redact_response(response)

        elapsed = time.monotonic() - started
        logger.debug(
            "%s %s -> %s (retries=%d, %.3fs)", request.method, template, response.status_code, retries, elapsed
        )
        captured = _captured.get()
        if captured is not None:
            captured.append(
                RawResponse(
                    operation_id=operation_id,
                    status_code=response.status_code,
                    headers=response.headers,
                    retries_taken=retries,
                    elapsed=elapsed,
                    http_response=response,
                )
            )
        if "Deprecation" in response.headers or "Sunset" in response.headers:
            self._warn_deprecated(operation_id, template, response.headers)
        if not 200 <= response.status_code < 300:
            raise error_from_response(response)
        return self._parse(response, parse, operation_id, operation)

    # --- the send path: closed state, request building, one attempt, failures ---------------------
    def _check_open(self) -> None:
        if self._lifecycle.closed:
            raise AtlasClientClosedError("this AtlasClient was closed (aclose()); create a new one")
        if self._http.is_closed:
            raise AtlasClientClosedError("the http_client given to this AtlasClient was closed by its owner")

    def _build_request(self, kwargs: dict[str, Any], operation: Operation | None) -> httpx.Request:
        headers = dict(kwargs.get("headers") or {})
        headers["User-Agent"] = self._user_agent
        # Only encodings whose decoding read_body can bound (a supplied client may offer br or zstd).
        headers["Accept-Encoding"] = C.ACCEPT_ENCODING
        try:
            return self._http.build_request(
                kwargs["method"].upper(),
                self._base_url + kwargs["url"],
                params=kwargs.get("params"),
                json=kwargs.get("json"),
                headers=headers,
                extensions=kwargs.get("extensions"),
                timeout=self._timeout if self._timeout is not NOT_GIVEN else httpx.USE_CLIENT_DEFAULT,
            )
        except UnicodeEncodeError:
            # A lone surrogate (from a bad decode, say) cannot be sent as UTF-8.
            name = _unencodable_argument(kwargs, operation)
            raise InvalidArgumentError(
                name, "contains text that cannot be encoded as UTF-8 (a lone surrogate?)"
            ) from None
        except (TypeError, ValueError) as exc:
            # json.dumps refuses NaN/Infinity (allow_nan=False) and objects it does not know.
            raise InvalidArgumentError("body", f"cannot be sent as JSON ({type(exc).__name__}: {exc})") from None

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        """One attempt: send without following redirects, then read the body within the caps."""
        if self._http.is_closed:
            raise AtlasClientClosedError("the http_client given to this AtlasClient was closed by its owner")
        response = await self._http.send(
            request,
            auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT,
            # Whatever the supplied client's setting: Authorization and bodies must never go to another URL.
            follow_redirects=False,
            stream=True,
        )
        try:
            await read_body(response, max_size=self._max_body_size)
        except BodyError as exc:
            if response.is_success:
                redact_response(response)
                raise AtlasResponseError.from_response(response, exc.problem) from None
            # An error status with an unreadable body: the status still says what went wrong.
            logger.debug(
                "%s %s: body of the %d answer dropped: %s",
                request.method,
                request.url.path,
                response.status_code,
                exc.problem,
            )
            response._content = b""
        return response

    def _failure(
        self, exc: BaseException, request: httpx.Request, template: str, where: dict[str, str]
    ) -> BaseException:
        """The exception a call raises for ``exc``: an AtlasError, unless it is a cancellation or an exit."""
        call = f"{request.method} {template}"
        if isinstance(exc, AtlasError) or not isinstance(exc, Exception):
            return exc
        # Transport failures name the operation, the host (never userinfo) and httpx's own reason (issue #17).
        operation_id = request.extensions.get("atlas_admin.operation_id") or "unknown operation"
        sent_to = f"{call} ({operation_id}) to {_host(request.url)}"
        if isinstance(exc, TimeoutError):
            return AtlasTimeoutError(f"deadline of {self._deadline}s passed on {sent_to}", **where)
        if isinstance(exc, httpx.TimeoutException):
            return AtlasTimeoutError(f"{type(exc).__name__} on {sent_to}{_cause(exc)}", **where)
        if isinstance(exc, httpx.TransportError):
            return AtlasConnectionError(f"{type(exc).__name__} on {sent_to}{_cause(exc)}", **where)
        if isinstance(exc, RuntimeError) and self._http.is_closed:
            return AtlasClientClosedError(f"the http_client was closed during {call}")
        if isinstance(exc, MemoryError):
            return AtlasResponseError(f"out of memory while handling the answer to {call}", status=0, **where)
        # Anything else httpx (or an event hook, or a transport) raises: still no usable answer.
        return AtlasTransportError(f"{type(exc).__name__} on {call}", **where)

    def _parse(
        self, response: httpx.Response, parse: Callable[..., Any], operation_id: str, operation: Operation | None = None
    ) -> Any:
        if response.status_code == 204:
            return None
        if not response.content:
            return self._parse_empty(response, parse)
        content_type = response.headers.get("Content-Type", "")
        if operation is not None and operation.media_type and "json" not in operation.media_type:
            # a documented download (gzip logs, CSV invoices): the generated parser returns the bytes
            return parse(client=self._generated, response=response)
        if "json" not in content_type:
            raise AtlasResponseError.from_response(response, f"expected a JSON body, got {content_type or 'no type'}")
        if len(response.content) >= C.PARSE_GC_PAUSE_MIN_BYTES:  # see atlas_admin._gcpause
            return call_with_gc_paused(
                parse_success,
                response,
                parse,
                client=self._generated,
                operation_id=operation_id,
                strict=self._strict,
                warned=self._warned_deviations,
            )
        return parse_success(
            response,
            parse,
            client=self._generated,
            operation_id=operation_id,
            strict=self._strict,
            warned=self._warned_deviations,
        )

    def _parse_empty(self, response: httpx.Response, parse: Callable[..., Any]) -> Any:
        """An empty 2xx body: None where the spec documents no body for this status (or its 2xx), else an error."""
        try:
            # The generated parser returns None for a status documented without a body (204, or another 2xx
            # answered where 204 is documented) and reads JSON, which an empty body is not, for all others.
            return parse(client=self._generated, response=response)
        except Exception:
            raise AtlasResponseError.from_response(
                response, "the body is empty where the operation documents one"
            ) from None

    def _warn_deprecated(
        self, operation_id: str, template: str, headers: httpx.Headers | None, sunset: str | None = None
    ) -> None:
        if operation_id in self._warned_deprecated:
            return
        self._warned_deprecated.add(operation_id)
        detail = ""
        if headers is not None:
            parts = [f"{name}: {headers[name]}" for name in ("Deprecation", "Sunset") if name in headers]
            detail = f" ({'; '.join(parts)})"
        elif sunset is not None:
            # The spec's x-sunset of the media-type version the SDK sends: Atlas stops serving it on that date.
            detail = f" (its API version is sunset on {sunset})"
        message = f"Atlas operation {operation_id} ({template}) is deprecated{detail}"
        logger.warning(message)
        warnings.warn(message, AtlasDeprecationWarning, stacklevel=_stacklevel_outside_the_sdk())
