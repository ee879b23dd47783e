"""The exceptions raised by atlas-admin.

Our exception hierarchy:

* AtlasError
  + AtlasApiError                 - Atlas answered with a non-2xx status.
    · AtlasBadRequestError          - 400
    · AtlasAuthenticationError      - 401 (also: token requests backing off after repeated failures)
      · AtlasCredentialError          - a credential or token refused before use (also a configuration error)
    · AtlasPermissionError          - 403
    · AtlasNotFoundError            - 404
    · AtlasConflictError            - 409
    · AtlasRateLimitError           - 429
    · AtlasServerError              - 5xx, including unofficial codes such as 520
  + AtlasTransportError           - no usable HTTP answer at all.
    · AtlasConnectionError
    · AtlasTimeoutError
  + AtlasResponseError            - a 2xx answer whose body cannot be decoded or has the wrong shape.
  + AtlasConfigurationError       - bad client settings, found before any I/O (also a ValueError).
  + AtlasClientClosedError        - a call on a client after aclose(), refused before any I/O.

* AtlasDeprecationWarning         - a called operation is deprecated or sunset (a DeprecationWarning).

Other 4xx statuses (405, 406, 410, 422, ...) raise a plain AtlasApiError.

No message, str() or repr() of these exceptions contains credentials: URLs lose their userinfo,
and request headers are never copied into them. Nor does anything reachable from them once raised by a
call: the request of ``exc.response`` and of a chained httpx error has its credential headers redacted,
and ``response.history`` (the auth exchanges) and ``response.next_request`` are dropped (see ``_redact``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import attrs
import httpx

# AtlasDeprecationWarning is defined beside InvalidArgumentError in the generated runtime, so the generated facade
# warns the same class when an operation is called by a name Atlas renamed (openapi/facade_names.py).
from atlas_admin_api._operations import AtlasDeprecationWarning

from ._constants import ERROR_EXCERPT_LIMIT, REQUEST_ID_HEADERS
from ._retry import parse_retry_after

__all__ = [
    "AtlasApiError",
    "AtlasAuthenticationError",
    "AtlasBadRequestError",
    "AtlasClientClosedError",
    "AtlasConfigurationError",
    "AtlasConflictError",
    "AtlasConnectionError",
    "AtlasCredentialError",
    "AtlasDeprecationWarning",
    "AtlasError",
    "AtlasNotFoundError",
    "AtlasPermissionError",
    "AtlasRateLimitError",
    "AtlasResponseError",
    "AtlasServerError",
    "AtlasTimeoutError",
    "AtlasTransportError",
    "FieldError",
    "error_from_response",
    "is_error_code",
    "safe_url",
]


@attrs.frozen
class FieldError:
    """One rejected request field, from ``badRequestDetail.fields`` of an Atlas 400 answer.

    >>> FieldError(field="name", description="must not be blank").field
    'name'
    """

    field: str
    description: str


class AtlasError(Exception):
    """Base class of every exception raised by atlas-admin.

    >>> try:
    ...     raise AtlasConfigurationError("client_id is missing")
    ... except AtlasError as exc:
    ...     print(exc)
    client_id is missing
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only fields, which Exception's default pickling cannot pass back;
        # rebuild from args and attributes instead, so errors survive multiprocessing and task queues.
        # The httpx.Response does not pickle (its stream and client); every field read from it is kept.
        state = {k: (None if k == "response" else v) for k, v in self.__dict__.items()}
        return _restore_error, (type(self), self.args, state)


def _restore_error(cls: type[AtlasError], args: tuple[Any, ...], state: dict[str, Any]) -> AtlasError:
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class AtlasApiError(AtlasError):
    """Atlas answered with a non-2xx status; the fields hold what its error body said.

    Usually built by `error_from_response`, which also picks the right subclass.

    Usage::

        try:
            await client.clusters.get(group_id, "missing")
        except AtlasApiError as exc:
            print(exc.status, exc.error_code)  # 404 CLUSTER_NOT_FOUND
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str | None = None,
        detail: str | None = None,
        reason: str | None = None,
        parameters: Sequence[Any] = (),
        field_errors: Sequence[FieldError] = (),
        method: str = "",
        url: str = "",
        response: httpx.Response | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.detail = detail
        self.reason = reason
        self.parameters = list(parameters)
        self.field_errors = list(field_errors)
        self.method = method
        self.url = url
        self.response = response
        self.request_id = request_id
        self.retry_after = retry_after
        # True when the error came from a step before the API request itself (the token endpoint), so the
        # request provably was not processed and may be retried whatever its method.
        self.before_request = False


class AtlasBadRequestError(AtlasApiError):
    """400: the request was malformed; see ``field_errors`` for the rejected fields.

    Usage: ``[f"{e.field}: {e.description}" for e in exc.field_errors]`` gives ``['name: must not be blank']``
    """


class AtlasAuthenticationError(AtlasApiError):
    """401: the credentials are missing, wrong or expired (also raised by the OAuth token endpoint).

    Usage: ``except AtlasAuthenticationError: print("check MONGODB_ATLAS_CLIENT_ID / _SECRET")``
    """


class AtlasPermissionError(AtlasApiError):
    """403: the credentials are valid but lack the role (or IP access list entry) for this call.

    Usage: ``except AtlasPermissionError as exc: print(exc.error_code)``
    """


class AtlasNotFoundError(AtlasApiError):
    """404: the addressed resource does not exist (or is invisible to these credentials).

    Usage: ``except AtlasNotFoundError: cluster = None``
    """


class AtlasConflictError(AtlasApiError):
    """409: the resource exists already or is busy with another change.

    Usage: ``except AtlasConflictError as exc: print(exc.error_code)  # e.g. DUPLICATE_CLUSTER_NAME``
    """


class AtlasRateLimitError(AtlasApiError):
    """429: too many requests; ``retry_after`` says how many seconds Atlas asked us to wait, if it did.

    Usage: ``except AtlasRateLimitError as exc: await asyncio.sleep(exc.retry_after or 60)``
    """


class AtlasServerError(AtlasApiError):
    """5xx (any status from 500 up, including unofficial ones such as 520): Atlas or a proxy failed.

    Usage: ``except AtlasServerError as exc: print(exc.status, exc.request_id)``
    """


class AtlasTransportError(AtlasError):
    """No usable HTTP answer: the connection failed or timed out. The httpx error is ``__cause__``.

    Usage: ``except AtlasTransportError as exc: print(type(exc.__cause__).__name__)``
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class AtlasConnectionError(AtlasTransportError):
    """The connection could not be made or broke before a full answer arrived.

    Usage: ``except AtlasConnectionError: print("is cloud.mongodb.com reachable?")``
    """


class AtlasTimeoutError(AtlasTransportError):
    """Connecting, sending or reading took longer than the configured timeout.

    Usage: ``except AtlasTimeoutError: print("try a longer timeout=")``
    """


class AtlasResponseError(AtlasError):
    """A 2xx answer whose body cannot be decoded or does not have the documented shape.

    ``excerpt`` holds the start of the body (at most ERROR_EXCERPT_LIMIT characters) and
    ``json_path`` where the shape went wrong, when known.

    Usage: ``raise AtlasResponseError.from_response(response, "wrong shape", json_path="$.results")``
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        content_type: str | None = None,
        excerpt: str = "",
        json_path: str | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.json_path = json_path
        self.method = method
        self.url = url

    @classmethod
    def from_response(
        cls, response: httpx.Response, problem: str, *, json_path: str | None = None
    ) -> AtlasResponseError:
        """Describe what is wrong with ``response``'s body; the body must have been read.

        Usage: ``raise AtlasResponseError.from_response(response, "the body is not valid JSON") from None``
        """
        method, url, path = _request_summary(response)
        where = f" at {json_path}" if json_path else ""
        return cls(
            f"{response.status_code} answer to {method} {path}: {problem}{where}",
            status=response.status_code,
            content_type=response.headers.get("Content-Type"),
            excerpt=_body_text(response)[:ERROR_EXCERPT_LIMIT],
            json_path=json_path,
            method=method,
            url=url,
        )


class AtlasConfigurationError(AtlasError, ValueError):
    """Bad client settings (missing or conflicting credentials, a malformed URL), found before any I/O.

    Usage: ``AtlasClient(client_id="mdb_sa_id_1")`` raises it: client_secret is missing.
    """


class AtlasCredentialError(AtlasAuthenticationError, AtlasConfigurationError):
    """A credential or access token that cannot be used safely (control characters, say); never sent.

    The message names which credential, never its value. ``status`` is 0 for a credential given to the client
    and the token endpoint's status for a token it returned. It is also an `AtlasConfigurationError` (and so a
    ``ValueError``), as credentials given to the client are checked when it is built.

    Usage: ``AtlasClient(access_token="abc\\r\\nX: 1")`` raises it.
    """


class AtlasClientClosedError(AtlasError):
    """A call on a client that was closed (``aclose()``, or a supplied ``http_client`` closed by its owner).

    Raised before any I/O: no token is fetched and no request sent.

    Usage: ``except AtlasClientClosedError: atlas = AtlasClient.from_env()``
    """


_ERROR_CLASS_BY_STATUS: dict[int, type[AtlasApiError]] = {
    400: AtlasBadRequestError,
    401: AtlasAuthenticationError,
    403: AtlasPermissionError,
    404: AtlasNotFoundError,
    409: AtlasConflictError,
    429: AtlasRateLimitError,
}


def error_from_response(response: httpx.Response) -> AtlasApiError:
    """The exception describing a non-2xx ``response``; never raises itself.

    Reads the Atlas error body (``error``, ``errorCode``, ``detail``, ``reason``, ``parameters``,
    ``badRequestDetail.fields``) and the OAuth one (``error``, ``error_description``); any other
    body (an HTML page from a proxy, say) still gives an error with the status. Read the body
    first (a non-streaming ``send`` does), or only the status is used.

    Usage::

        if response.is_error:
            raise error_from_response(response)
    """
    status = response.status_code
    body = _json_body(response)
    error_code = _text(body.get("errorCode"))
    detail = _text(body.get("detail"))
    if error_code is None and isinstance(body.get("error"), str):
        # The OAuth endpoints answer with RFC 6749 bodies: {"error": "invalid_client", ...}.
        error_code = _text(body.get("error"))
        detail = detail or _text(body.get("error_description"))
    reason = _text(body.get("reason")) or response.reason_phrase or None
    parameters = body.get("parameters")
    method, url, path = _request_summary(response)
    retry_after_header = response.headers.get("Retry-After")
    retry_after = parse_retry_after(retry_after_header, time.time()) if retry_after_header is not None else None
    request_id = next((response.headers[name] for name in REQUEST_ID_HEADERS if name in response.headers), None)

    summary = " ".join(part for part in (str(status), error_code) if part)
    explanation = detail or reason or "no error detail"
    message = f"{summary}: {explanation} ({method} {path})" if method else f"{summary}: {explanation}"
    error_class = _ERROR_CLASS_BY_STATUS.get(status, AtlasServerError if status >= 500 else AtlasApiError)
    return error_class(
        message,
        status=status,
        error_code=error_code,
        detail=detail,
        reason=reason,
        parameters=parameters if isinstance(parameters, list) else [],
        field_errors=_field_errors(body),
        method=method,
        url=url,
        response=response,
        request_id=request_id,
        retry_after=retry_after,
    )


def is_error_code(exc: BaseException, code: str) -> bool:
    """Whether ``exc`` is an Atlas API error with the given ``errorCode``.

    Usage::

        try:
            await client.clusters.create(group_id, spec)
        except AtlasApiError as exc:
            if not is_error_code(exc, "DUPLICATE_CLUSTER_NAME"):
                raise
    """
    return isinstance(exc, AtlasApiError) and exc.error_code == code


def safe_url(url: httpx.URL) -> str:
    """``url`` without userinfo, fit for messages and logs.

    >>> safe_url(httpx.URL("https://user:secret@cloud.mongodb.com/api"))
    'https://cloud.mongodb.com/api'
    """
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


def _request_summary(response: httpx.Response) -> tuple[str, str, str]:
    """(method, credential-free URL, path) of the request behind ``response``; empty when unknown.

    The request stays reachable from the exception (``exc.response.request``), which may travel far (error
    trackers, pickled task results): its credentials are masked here, once the exchange is over.
    """
    try:
        request = response.request
    except RuntimeError:
        # A Response built by hand (in tests, say) has no request.
        return "", "", ""
    for name in ("Authorization", "Proxy-Authorization", "Cookie"):
        if name in request.headers:
            request.headers[name] = "[redacted]"
    return request.method, safe_url(request.url), request.url.path


def _body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except Exception:
        # Unread body or an unknown charset in Content-Type: describe the error without an excerpt.
        return ""


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except Exception:
        # Whatever the body is (unread, HTML, absurdly nested JSON), building the error must not fail.
        return {}
    return body if isinstance(body, dict) else {}


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _field_errors(body: dict[str, Any]) -> list[FieldError]:
    detail = body.get("badRequestDetail")
    fields = detail.get("fields") if isinstance(detail, dict) else None
    if not isinstance(fields, list):
        return []
    return [
        FieldError(field=str(item.get("field", "")), description=str(item.get("description", "")))
        for item in fields
        if isinstance(item, dict)
    ]
