"""Redaction of responses, requests and exception chains once an exchange is over."""

from __future__ import annotations

import httpx
from atlas_admin._redact import REDACTED, redact_exception, redact_response

SECRET = "Bearer tok-Secret9"


def request_with_credentials() -> httpx.Request:
    return httpx.Request(
        "GET",
        "https://x.test/a",
        headers={"Authorization": SECRET, "Proxy-Authorization": "Basic eA==", "Cookie": "s=1"},
    )


def test_response_loses_history_next_request_and_credential_headers() -> None:
    request = request_with_credentials()
    token_exchange = httpx.Response(200, json={"access_token": "tok-Secret9"}, request=request_with_credentials())
    response = httpx.Response(404, request=request, history=[token_exchange])
    response.next_request = request_with_credentials()
    redact_response(response)
    assert response.history == []
    assert response.next_request is None
    assert {response.request.headers[name] for name in ("Authorization", "Proxy-Authorization", "Cookie")} == {REDACTED}
    assert response.request.headers["Host"] == "x.test"  # other headers stay


def test_every_exception_in_the_chain_is_redacted() -> None:
    timeout = httpx.ReadTimeout("slow", request=request_with_credentials())
    status = httpx.HTTPStatusError(
        "bad", request=request_with_credentials(), response=httpx.Response(500, request=request_with_credentials())
    )
    group = ExceptionGroup("both", [httpx.ConnectError("no", request=request_with_credentials())])
    outer = RuntimeError("outer")
    outer.__cause__ = timeout
    timeout.__context__ = status
    status.__context__ = group
    status.__cause__ = outer  # a cycle must not loop
    redact_exception(outer)
    assert timeout.request.headers["Authorization"] == REDACTED
    assert status.request.headers["Authorization"] == REDACTED
    assert status.response.request.headers["Authorization"] == REDACTED
    connect_error = group.exceptions[0]
    assert isinstance(connect_error, httpx.ConnectError)
    assert connect_error.request.headers["Authorization"] == REDACTED
