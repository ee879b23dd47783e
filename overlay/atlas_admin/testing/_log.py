"""The request log and counters tests assert on."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

import attrs

MASK = "***"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_SECRET_FORM_FIELDS = frozenset({"client_secret", "token", "access_token", "refresh_token", "password"})


@attrs.define(frozen=True)
class RequestLogEntry:
    """One request FakeAtlas answered (or dropped), with secrets masked as ``***``."""

    method: str
    path: str
    query: str
    operation_id: str | None  # None for unknown paths; "oauth:token" / "oauth:revoke" for the token endpoints
    headers: dict[str, str]
    body: Any  # parsed JSON, the form fields, the raw text, or None
    status: int
    principal: str | None = None  # the service account or API key the request authenticated as
    fault: str | None = None  # the kind of injected fault, if one was applied


@attrs.define
class Stats:
    """Counters since the fake was created."""

    token_requests: int = 0
    revocations: int = 0
    requests_by_operation: collections.Counter[str] = attrs.field(factory=collections.Counter)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: MASK if name.lower() in _SECRET_HEADERS else value for name, value in headers.items()}


def mask_form(form: Mapping[str, str]) -> dict[str, str]:
    return {name: MASK if name in _SECRET_FORM_FIELDS else value for name, value in form.items()}
