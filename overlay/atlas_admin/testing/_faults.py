"""Programmable faults: what FakeAtlas does instead of answering normally."""

from __future__ import annotations

from typing import Literal

import attrs

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
