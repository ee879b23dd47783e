"""Atlas's error body and the JSON responses FakeAtlas sends."""

from __future__ import annotations

import gzip
import json
from typing import Any

from starlette.responses import Response

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiProblem(Exception):
    """An Atlas error response, raised anywhere in the pipeline."""

    def __init__(self, status: int, error_code: str, detail: str, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error_code = error_code
        self.detail = detail
        self.fields = fields
        self.headers: dict[str, str] = {}


def atlas_error(
    status: int, error_code: str, detail: str, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The body Atlas sends with an error status."""
    body: dict[str, Any] = {
        "error": status,
        "errorCode": error_code,
        "detail": detail,
        "reason": REASONS.get(status, "Error"),
        "parameters": [],
    }
    if fields is not None:
        body["badRequestDetail"] = {"fields": fields}
    return body


def json_response(status: int, payload: Any, media_type: str | None) -> Response:
    """``payload`` as compact JSON in ``media_type``; no body for 204 (or for None outside a 200)."""
    if status == 204 or (payload is None and status != 200):
        return Response(status_code=status, headers={"Content-Type": media_type} if media_type else None)
    if media_type and media_type.endswith(("+gzip", "+csv")):
        # Downloads (logs, usage reports): the bytes themselves, not JSON.
        text = payload if isinstance(payload, str) else "" if payload is None else json.dumps(payload)
        raw = text.encode()
        return Response(
            gzip.compress(raw, mtime=0) if media_type.endswith("+gzip") else raw, status, media_type=media_type
        )
    content = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type=media_type or "application/json")
