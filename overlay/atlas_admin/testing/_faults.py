"""Programmable faults: what FakeAtlas does instead of answering normally, and the responses they make."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Literal

import attrs
import httpx
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

from ._responses import atlas_error, json_response

FaultKind = Literal["error", "delay", "disconnect", "truncated_json", "html", "wrong_shape", "large_body"]

_ERROR_CODES = {
    400: "INVALID_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "RESOURCE_NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMITED",
    500: "UNEXPECTED_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


@attrs.define
class Fault:
    """One misbehaviour, applied to the next ``times`` matching requests (``None``: every one).

    ``Fault(status=503, retry_after="2", times=2)`` answers the next two requests with an Atlas error;
    the other kinds are easiest built with the class methods::

        fake.inject("listExportBuckets", Fault(status=503, retry_after="2"))
        fake.inject("*", Fault.delay(0.5, times=None))
        fake.inject("createExportBucket", Fault.disconnect())

    ``latency`` seconds are waited before any kind. ``kind`` defaults to ``"error"`` when ``status`` is
    set and to ``"delay"`` otherwise.
    """

    status: int | None = None
    retry_after: str | None = None
    times: int | None = 1
    latency: float = 0.0
    kind: FaultKind | None = None
    error_code: str | None = None
    size: int = 8 * 1024 * 1024  # bytes, for "large_body"

    def __attrs_post_init__(self) -> None:
        if self.kind is None:
            self.kind = "error" if self.status is not None else "delay"
        if self.kind == "error" and self.status is None:
            self.status = 503

    @classmethod
    def error(cls, status: int = 503, *, retry_after: str | None = None, times: int | None = 1) -> Fault:
        """An Atlas error response, e.g. ``Fault.error(429, retry_after="10")``."""
        return cls(status=status, retry_after=retry_after, times=times, kind="error")

    @classmethod
    def delay(cls, seconds: float, *, times: int | None = 1) -> Fault:
        """Answer normally, ``seconds`` late."""
        return cls(latency=seconds, times=times, kind="delay")

    @classmethod
    def disconnect(cls, *, times: int | None = 1) -> Fault:
        """Send the headers and part of the body, then drop the connection."""
        return cls(times=times, kind="disconnect")

    @classmethod
    def truncated_json(cls, *, times: int | None = 1) -> Fault:
        """A complete HTTP response whose JSON body stops half-way."""
        return cls(times=times, kind="truncated_json")

    @classmethod
    def html(cls, *, status: int = 200, times: int | None = 1) -> Fault:
        """An HTML error page (a proxy's, say) with status 200 by default."""
        return cls(status=status, times=times, kind="html")

    @classmethod
    def wrong_shape(cls, *, times: int | None = 1) -> Fault:
        """Valid JSON with the right media type, but not the documented schema."""
        return cls(times=times, kind="wrong_shape")

    @classmethod
    def large_body(cls, size: int = 8 * 1024 * 1024, *, times: int | None = 1) -> Fault:
        """The normal response padded to about ``size`` bytes."""
        return cls(times=times, kind="large_body", size=size)

    @property
    def atlas_error_code(self) -> str:
        return self.error_code or _ERROR_CODES.get(self.status or 503, "UNEXPECTED_ERROR")


@attrs.define
class _Armed:
    fault: Fault
    remaining: int | None  # kept here so a Fault object can be injected again unchanged


class FaultTable:
    """Faults by operation id (``"*"`` matches every API operation), consumed in insertion order."""

    def __init__(self) -> None:
        self._faults: dict[str, list[_Armed]] = {}

    def add(self, operation_id: str, fault: Fault) -> None:
        self._faults.setdefault(operation_id, []).append(_Armed(fault, fault.times))

    def clear(self, operation_id: str | None = None) -> None:
        if operation_id is None:
            self._faults.clear()
        else:
            self._faults.pop(operation_id, None)

    def take(self, operation_id: str, *, wildcard: bool = True) -> Fault | None:
        """The fault for this request, counting it against ``times``."""
        if not self._faults:  # the common case, kept cheap
            return None
        for key in (operation_id, "*") if wildcard else (operation_id,):
            queue = self._faults.get(key)
            while queue:
                armed = queue[0]
                if armed.remaining is None:
                    return armed.fault
                if armed.remaining > 0:
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        queue.pop(0)
                    return armed.fault
                queue.pop(0)
        return None


class InjectedDisconnect(httpx.RemoteProtocolError):
    """Raised by the app to drop a connection mid-response (`Fault.disconnect`).

    Over loopback the server aborts the socket and the client sees its own `httpx.RemoteProtocolError`;
    in-process through `httpx.ASGITransport` this exception reaches the client directly, so client
    code can catch the same `httpx.RemoteProtocolError` in both modes.
    """


async def fault_response(fault: Fault, success_status: int | None, media_type: str | None) -> Response | None:
    """The response replacing the normal one, or None when the normal one should be produced (and mangled)."""
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.kind == "error":
        status = fault.status or 503
        response = JSONResponse(
            atlas_error(status, fault.atlas_error_code, f"Injected fault: HTTP {status}."), status_code=status
        )
        if fault.retry_after is not None:
            response.headers["Retry-After"] = fault.retry_after
        return response
    if fault.kind == "html":
        page = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
        return HTMLResponse(page, status_code=fault.status or 200)
    if fault.kind == "wrong_shape":
        status = fault.status or success_status or 200
        return json_response(
            status if status != 204 else 200, {"unexpected": True, "results": "not-a-list"}, media_type
        )
    return None


def mangle(fault: Fault, response: Response, media_type: str | None) -> Response:
    """The normal ``response`` spoiled the way ``fault`` says (truncated, padded, dropped)."""
    body = bytes(response.body)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    status = response.status_code if response.status_code != 204 else 200
    if fault.kind == "truncated_json":
        body = body or b'{"results": [{"id": 1}]}'
        return Response(body[: max(1, len(body) // 2)], status_code=status, headers=headers)
    if fault.kind == "large_body":
        payload = json.loads(body) if body else {}
        if not isinstance(payload, dict):
            payload = {"results": payload}
        payload["padding"] = "x" * fault.size
        return json_response(status, payload, media_type)
    if fault.kind == "disconnect":
        return _DroppedResponse(body or b'{"results": []}', status, headers)
    return response


class _DroppedResponse(Response):
    """Promises the whole body, sends half of it, then aborts (`Fault.disconnect`)."""

    def __init__(self, full_body: bytes, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(status_code=status, headers=headers)
        self.full_body = full_body
        self.headers["content-length"] = str(len(full_body))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.full_body[: len(self.full_body) // 2], "more_body": True}
        )
        raise InjectedDisconnect("FakeAtlas dropped the connection mid-response (injected fault)")
