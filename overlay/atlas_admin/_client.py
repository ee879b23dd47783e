"""`AtlasClient`: the typed async facade over the generated operations.

A call travels one pipeline, each step in one place:

1. build — the generated ``_get_kwargs`` turns arguments into method, path, query, versioned ``Accept``
   and body, checking path and query parameters before any I/O;
2. send — `AtlasClient.run`: auth (an `httpx.Auth` per scheme), retries (`RetryPolicy`), logging,
   deprecation warnings;
3. parse — the generated ``_parse_response`` (discriminated unions, tolerant enums);
4. fail — non-2xx answers and undecodable bodies become the exceptions of `atlas_admin._errors`.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import httpx
from atlas_admin_api._operations import OPERATIONS, Operation
from atlas_admin_api.api import TAGS, AtlasOperations
from atlas_admin_api.client import Client as GeneratedClient
from atlas_admin_api.types import DiscriminatorError

from . import _constants as C
from ._auth import BearerAuth, DigestAuth, ServiceAccountAuth, TokenStore
from ._errors import (
    AtlasConfigurationError,
    AtlasConnectionError,
    AtlasDeprecationWarning,
    AtlasResponseError,
    AtlasTimeoutError,
    AtlasTransportError,
    error_from_response,
    safe_url,
)
from ._retry import RetryPolicy, is_idempotent, send_with_retries
from ._version import __version__

logger = logging.getLogger(C.LOGGER_NAME)

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


def _json_path(exc: Exception) -> str | None:
    """Where in the body the generated parser gave up, as far as the exception tells."""
    if isinstance(exc, DiscriminatorError):
        return exc.path if exc.path.startswith("$") else f"$.{exc.path}"
    if isinstance(exc, KeyError) and exc.args:
        return f"$.{exc.args[0]}"
    return None


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
        deadline: float | None = None,
        token_store: TokenStore | None = None,
        revoke_on_close: bool = True,
        user_agent_suffix: str | None = None,
        verify: bool = True,
    ) -> None:
        if max_retries is not NOT_GIVEN:
            _check_max_retries(max_retries)
        _check_deadline(deadline)
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
        self._generated = GeneratedClient(base_url=self._base_url, raise_on_unexpected_status=False)
        self._warned_deprecated: set[str] = set()
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
        return other

    # --- lifecycle --------------------------------------------------------------------------------
    async def __aenter__(self) -> AtlasClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Revoke the service-account token (unless ``revoke_on_close=False``) and close owned connections."""
        try:
            if self._revoke_on_close and isinstance(self._auth, ServiceAccountAuth) and not self._is_view:
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
    async def run(self, kwargs: dict[str, Any], parse: Callable[..., Any]) -> Any:
        """Send one generated operation's request and return its parsed success body (the facade calls this)."""
        operation_id = kwargs.get("extensions", {}).get("atlas_admin.operation_id", "")
        operation = _OPERATIONS_BY_ID.get(operation_id)
        headers = dict(kwargs.get("headers") or {})
        headers["User-Agent"] = self._user_agent
        request = self._http.build_request(
            kwargs["method"].upper(),
            self._base_url + kwargs["url"],
            params=kwargs.get("params"),
            json=kwargs.get("json"),
            headers=headers,
            extensions=kwargs.get("extensions"),
            timeout=self._timeout if self._timeout is not NOT_GIVEN else httpx.USE_CLIENT_DEFAULT,
        )
        template = operation.path if operation else request.url.path
        if operation is not None and (operation.deprecated or operation.sunset):
            self._warn_deprecated(operation_id, template, None, operation.sunset)

        started = time.monotonic()
        deadline = started + self._deadline if self._deadline is not None else None

        async def send() -> httpx.Response:
            return await self._http.send(
                request, auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT
            )

        attempts = send_with_retries(
            send,
            policy=self._retry_policy,
            method=request.method,
            idempotent=operation.idempotent if operation else is_idempotent(request.method),
            retry_unsafe=self._retry_unsafe,
            deadline=deadline,
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
        except TimeoutError as exc:
            message = f"deadline of {self._deadline}s passed on {request.method} {template}"
            raise AtlasTimeoutError(message, **where) from exc
        except httpx.TimeoutException as exc:
            raise AtlasTimeoutError(f"{type(exc).__name__} on {request.method} {template}", **where) from exc
        except httpx.TransportError as exc:
            raise AtlasConnectionError(f"{type(exc).__name__} on {request.method} {template}", **where) from exc
        except httpx.HTTPError as exc:
            # e.g. DecodingError (a body whose Content-Encoding lies): still no usable answer.
            raise AtlasTransportError(f"{type(exc).__name__} on {request.method} {template}", **where) from exc

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
        return self._parse(response, parse, template, operation)

    def _parse(
        self, response: httpx.Response, parse: Callable[..., Any], template: str, operation: Operation | None = None
    ) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        content_type = response.headers.get("Content-Type", "")
        if operation is not None and operation.media_type and "json" not in operation.media_type:
            # a documented download (gzip logs, CSV invoices): the generated parser returns the bytes
            return parse(client=self._generated, response=response)
        if "json" not in content_type:
            raise AtlasResponseError.from_response(response, f"expected a JSON body, got {content_type or 'no type'}")
        try:
            return parse(client=self._generated, response=response)
        except json.JSONDecodeError as exc:
            raise AtlasResponseError.from_response(response, f"the body is not valid JSON ({exc.msg})") from None
        except Exception as exc:
            # A body off the documented shape breaks the generated parser in many ways: KeyError, TypeError,
            # IndexError, OverflowError, RecursionError on deep nesting... All of them mean "not the documented
            # shape". CancelledError and KeyboardInterrupt are not Exceptions, so they still propagate.
            path = _json_path(exc)
            raise AtlasResponseError.from_response(
                response, f"the body does not have the documented shape ({type(exc).__name__}: {exc})", json_path=path
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
        warnings.warn(message, AtlasDeprecationWarning, stacklevel=4)
