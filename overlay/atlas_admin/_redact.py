"""Removing credentials from everything a call hands back: responses, requests, exceptions and their chains.

Run once an exchange is over (never while a request may still be retried): a response's request loses its
credential headers, its ``history`` (the auth exchanges: token answer, Digest challenge) and its
``next_request`` (a redirect target built with the credentials) are dropped, and every exception linked by
``__cause__`` or ``__context__`` gets the same treatment for the request or response it carries.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["REDACTED", "redact_exception", "redact_request", "redact_response"]

REDACTED = "[redacted]"
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def redact_request(request: httpx.Request | None) -> None:
    if request is None:
        return
    for name in _CREDENTIAL_HEADERS:
        if name in request.headers:
            request.headers[name] = REDACTED


def redact_response(response: httpx.Response | None) -> None:
    if response is None:
        return
    # The auth exchanges (token answer with the token in its body, challenges) are not the caller's business.
    response.history = []
    response.next_request = None
    redact_request(getattr(response, "_request", None))
    if hasattr(response, "_content"):
        # A read body's stream is spent, but it still links to httpcore's copy of the request, headers and all.
        response.stream = httpx.ByteStream(b"")


def redact_exception(exc: BaseException | None) -> None:
    """Redact what ``exc`` and every exception chained to it carry (httpx keeps the request on its errors)."""
    stack = [exc] if exc is not None else []
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        _redact_attached(current)
        stack.extend(linked for linked in (current.__cause__, current.__context__) if linked is not None)
        stack.extend(inner for inner in getattr(current, "exceptions", ()) if isinstance(inner, BaseException))


def _redact_attached(exc: BaseException) -> None:
    attrs: dict[str, Any] = getattr(exc, "__dict__", {})
    request = attrs.get("_request")
    if isinstance(request, httpx.Request):
        redact_request(request)
    response = attrs.get("response") or attrs.get("_response")
    if isinstance(response, httpx.Response):
        redact_response(response)
