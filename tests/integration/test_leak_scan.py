"""No credential is reachable from anything a call raises or returns, for all three kinds of credentials.

A hostile loopback server plays Atlas (token endpoint, Digest challenges, API) and answers with every kind of
failure: an error status right after the token exchange, a same-host redirect, a read timeout, a dropped
connection, an oversized body, retried 503s, a refused secret, a stalled token endpoint, a token with CR/LF.
Everything reachable from the raised exceptions (arguments, attributes, ``__cause__``/``__context__``,
responses, their history, ``next_request``, requests, headers, bodies), their reprs and pickles, captured
raw responses, and the DEBUG records of the ``atlas_admin``, ``httpx`` and ``httpcore`` loggers are then
searched for each secret, each issued token and their base64 forms. Tracebacks are not walked: their
frames hold the caller's own locals, the client included.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
import types
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasClient, AtlasError, RetryPolicy
from hostile_server import REVOKE_PATH, TOKEN_PATH, HostileServer, SeenRequest, response, token_answer
from integration_support import GROUP_ID, within

CLIENT_ID = "mdb_sa_id_scan"
CLIENT_SECRET = "mdb_sa_sk_Qw7Er9Ty2Ui"
PUBLIC_KEY = "pubscan1"
PRIVATE_KEY = "priv-8d2f-4c1a-b7e9"
STATIC_TOKEN = "eyStatic.Hg5Jk8Lm3Np"
ROLE_JSON = b'{"roleName": "r1", "actions": [], "inheritedRoles": []}'
# Per API path, the answer a scenario gets (the token endpoint and Digest challenge are handled apart).
SCENARIOS = ("not-found", "redirect", "read-timeout", "drop", "oversized", "retried-503", "ok")


class Atlas:
    """Issues tokens tok-Vb<n>, challenges for Digest, and answers each scenario's path as it says."""

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.token_mode = "ok"

    async def __call__(self, request: SeenRequest) -> bytes | None:
        if request.path == TOKEN_PATH:
            return await self._token(request)
        if request.path == REVOKE_PATH:
            return response(200)
        auth = request.headers.get("authorization", "")
        if "digest-mode" in request.path and not auth.startswith("Digest"):
            challenge = 'Digest realm="scan", nonce="n0nce", qop="auth", algorithm=MD5'
            return response(401, b"{}", headers={"WWW-Authenticate": challenge})
        name = request.path.rsplit("/", 1)[-1].removeprefix("digest-mode-")
        if name.startswith("not-found"):
            return response(404, b'{"error": 404, "errorCode": "NOT_FOUND", "detail": "no"}')
        if name.startswith("redirect"):
            return response(307, headers={"Location": request.path + "-moved"})
        if name.startswith("read-timeout"):
            await asyncio.sleep(5)
            return None
        if name.startswith("drop"):
            request.writer.close()
            return None
        if name.startswith("oversized"):
            return response(200, b'{"roleName": "' + b"x" * 20_000 + b'"}')
        if name.startswith("retried-503"):
            return response(503, b'{"error": 503, "errorCode": "SERVICE_UNAVAILABLE"}')
        return response(200, ROLE_JSON)

    async def _token(self, request: SeenRequest) -> bytes | None:
        if self.token_mode == "refuse":
            return response(401, b'{"error": "invalid_client", "error_description": "Invalid client credentials"}')
        if self.token_mode == "stall":
            await asyncio.sleep(5)
            return None
        if self.token_mode == "crlf":
            return token_answer("tok-Vb-crlf\r\nX-Evil: 1")
        self.issued.append(f"tok-Vb{len(self.issued) + 1}")
        return token_answer(self.issued[-1])


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts += [record.getMessage(), repr(record.args), repr(record.msg)]
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


def reachable_texts(root: object, limit: int = 200_000) -> Iterator[str]:
    """Every string and bytes value reachable from ``root`` through attributes, items, causes and contexts."""
    stack: list[object] = [root]
    seen: set[int] = set()
    while stack and len(seen) < limit:
        value = stack.pop()
        if id(value) in seen or value is None or isinstance(value, (int, float, bool, type, types.ModuleType)):
            continue
        seen.add(id(value))
        if isinstance(value, str):
            yield value
            continue
        if isinstance(value, (bytes, bytearray, memoryview)):
            yield bytes(value).decode("latin-1")
            continue
        if isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.FrameType)):
            continue
        if isinstance(value, types.TracebackType):
            continue
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
            continue
        if isinstance(value, BaseException):
            yield repr(value)
            yield str(value)
            stack.extend(value.args)
            stack += [value.__cause__, value.__context__]
        if isinstance(value, httpx.Response):
            stack += [value.headers.raw, value.history, value.next_request, getattr(value, "_request", None)]
            stack.append(getattr(value, "_content", None))
        if isinstance(value, httpx.Request):
            stack += [value.headers.raw, str(value.url), getattr(value, "_content", None)]
        if isinstance(value, httpx.Headers):
            stack.append(value.raw)
        stack.extend(vars(value).values() if hasattr(value, "__dict__") else ())
        for slot in getattr(type(value), "__slots__", ()):
            stack.append(getattr(value, slot, None))


def secret_forms(secret: str) -> list[str]:
    encoded = base64.b64encode(secret.encode()).decode()
    urlsafe = base64.urlsafe_b64encode(secret.encode()).decode()
    return [secret, encoded, encoded.rstrip("="), urlsafe.rstrip("=")]


async def collect(make: Callable[[str], AtlasClient], url: str, prefix: str) -> list[object]:
    """Run every scenario through a client; return what the caller could get hold of."""
    found: list[object] = []
    atlas = make(url)
    for scenario in SCENARIOS:
        with atlas.capture_responses() as captured:
            try:
                await within(10, atlas.custom_database_roles.get_custom_database_role(GROUP_ID, f"{prefix}{scenario}"))
            except AtlasError as exc:
                found += [exc, pickle.dumps(exc)]
        found += captured
    await within(10, atlas.aclose())
    return found


def scan(found: list[object], logs: Records, secrets: list[str]) -> None:
    texts = [text for item in found for text in reachable_texts(item)] + [repr(item) for item in found]
    texts += logs.texts
    assert len(texts) > 100
    for secret in secrets:
        for form in secret_forms(secret):
            leaks = [text[:120] for text in texts if form in text]
            assert leaks == [], f"{secret[:8]}... reachable (as {form[:8]}...): {leaks[:3]}"


@pytest.fixture
def logs() -> Iterator[Records]:
    records = Records()
    saved = []
    for name in ("atlas_admin", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(records)
    yield records
    for logger, level in saved:
        logger.removeHandler(records)
        logger.setLevel(level)


FAST = RetryPolicy(max_retries=1, backoff_initial=0.001, backoff_max=0.002)
Maker = Callable[[str], AtlasClient]


def _client(**credentials: Any) -> Maker:
    def make(url: str) -> AtlasClient:
        return AtlasClient(base_url=url, retry_policy=FAST, timeout=0.5, max_body_size=10_000, **credentials)

    return make


async def run(maker: Maker, path_prefix: str, logs: Records, secrets: list[str], *, token_modes: bool) -> Atlas:
    atlas_server = Atlas()
    server = HostileServer(atlas_server)
    found: list[object] = []
    async with server.serve() as url:
        found += await collect(maker, url, path_prefix)
        if token_modes:
            for mode in ("refuse", "stall", "crlf"):
                atlas_server.token_mode = mode
                atlas = maker(url)
                try:
                    await within(10, atlas.custom_database_roles.get_custom_database_role(GROUP_ID, "ok"))
                except AtlasError as exc:
                    found += [exc, pickle.dumps(exc)]
                await atlas.aclose()
    assert sum(isinstance(item, AtlasError) for item in found) >= 5
    scan(found, logs, secrets + atlas_server.issued + ["tok-Vb-crlf"])
    return atlas_server


async def test_service_account_credentials_are_not_reachable(logs: Records) -> None:
    maker = _client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    server = await run(maker, "", logs, [CLIENT_SECRET, f"{CLIENT_ID}:{CLIENT_SECRET}"], token_modes=True)
    assert server.issued  # tokens were issued, used, and are searched for


async def test_digest_keys_are_not_reachable(logs: Records) -> None:
    maker = _client(public_key=PUBLIC_KEY, private_key=PRIVATE_KEY)
    await run(maker, "digest-mode-", logs, [PRIVATE_KEY, f"{PUBLIC_KEY}:{PRIVATE_KEY}"], token_modes=False)


async def test_static_token_is_not_reachable(logs: Records) -> None:
    maker = _client(access_token=STATIC_TOKEN)
    await run(maker, "", logs, [STATIC_TOKEN], token_modes=False)


def test_the_scan_finds_a_planted_secret() -> None:
    # The walker must reach as deep as the places credentials used to leak from.
    request = httpx.Request("GET", "https://x.test/", headers={"Authorization": f"Bearer {STATIC_TOKEN}"})
    history = httpx.Response(200, request=request)
    outer = httpx.Response(404, request=httpx.Request("GET", "https://x.test/"), history=[history])
    error = AtlasError("boom")
    error.__cause__ = httpx.ReadTimeout("slow", request=httpx.Request("GET", "https://x.test/"))
    error.__cause__.__context__ = ValueError(outer)
    assert any(STATIC_TOKEN in text for text in reachable_texts(error))
    basic = httpx.Request("POST", "https://x.test/", headers={"Authorization": "Basic " + secret_forms("a:b")[1]})
    assert any(secret_forms("a:b")[1] in text for text in reachable_texts(AtlasError(basic)))
