"""Secrets never show: not in reprs, exceptions, warnings or log records (at DEBUG, httpx and httpcore included).

One flow exercises every path that touches a secret: a service-account token fetch, an API call, a
404, an injected 503 that is retried, a refused secret, digest authentication
with an API key, and revocation on close. Everything it leaves behind is then searched for the client
secret, the private key, the Basic credentials and every access token the fake issued.
"""

from __future__ import annotations

import base64
import logging
import ssl
import warnings
from collections.abc import Iterator

import httpx
import pytest
from atlas_admin import AtlasApiError, AtlasAuthenticationError, AtlasClient, AtlasError, AtlasNotFoundError
from atlas_admin.testing import FakeAtlas, Fault
from integration_support import FAST_RETRIES, GROUP_ID, within

CLIENT_ID = "mdb_sa_id_secrets"
CLIENT_SECRET = "mdb_sa_sk_Zq8rT4vW1xY7"
WRONG_SECRET = "mdb_sa_sk_wrongG5hJ2kL9"
PUBLIC_KEY = "pubkeyab"
PRIVATE_KEY = "private-1c7f-4e2a-9b3d"
STATIC_TOKEN = "eyStatic.Kp3Lm9Nq2Rs"
LOGGERS = ("", "httpx", "httpcore", "atlas_admin")


@pytest.fixture
def fake() -> FakeAtlas:
    # Credentials unlike any other string in the flow, so that a substring search means something.
    return FakeAtlas(service_accounts={CLIENT_ID: CLIENT_SECRET}, api_keys={PUBLIC_KEY: PRIVATE_KEY})


class Capture(logging.Handler):
    """Keeps every record's formatted message, raw args and formatted traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.records = 0
        self.logger_names: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        self.logger_names.add(record.name.split(".")[0])
        self.texts.append(record.getMessage())
        self.texts.append(repr(record.args))
        self.texts.append(repr(record.msg))
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def captured_logs() -> Iterator[Capture]:
    capture = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(capture)
    try:
        yield capture
    finally:
        for logger, level in saved:
            logger.removeHandler(capture)
            logger.setLevel(level)


def describe(value: object) -> list[str]:
    """repr and str of an object; for exceptions also their attributes, args, causes and contexts."""
    texts = [repr(value), str(value)]
    if isinstance(value, BaseException):
        texts.append(repr(vars(value)))
        texts.append(repr(value.args))
        for linked in (value.__cause__, value.__context__):
            if linked is not None:
                texts.extend(describe(linked))
    return texts


async def test_no_secret_in_logs_reprs_errors_or_warnings(
    fake: FakeAtlas, base_url: str, captured_logs: Capture
) -> None:
    seen: list[str] = []
    errors: list[BaseException] = []
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")

        oauth = AtlasClient(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=base_url, retry_policy=FAST_RETRIES
        )
        await within(5, oauth.cloud_backups.list_export_buckets(GROUP_ID))
        try:
            await within(5, oauth.custom_database_roles.get_custom_database_role(GROUP_ID, "missing"))
        except AtlasNotFoundError as exc:
            errors.append(exc)
        fake.inject("listExportBuckets", Fault.error(503))
        await within(5, oauth.cloud_backups.list_export_buckets(GROUP_ID))
        fake.inject("listExportBuckets", Fault.error(503, times=None))
        try:
            await within(5, oauth.cloud_backups.list_export_buckets(GROUP_ID))
        except AtlasApiError as exc:
            errors.append(exc)
        fake.clear_faults()
        seen += describe(oauth) + describe(oauth.with_options(timeout=1)) + describe(oauth._retry_policy)
        seen += describe(oauth._auth)
        await within(5, oauth.aclose())

        refused = AtlasClient(client_id=CLIENT_ID, client_secret=WRONG_SECRET, base_url=base_url)
        try:
            await within(5, refused.cloud_backups.list_export_buckets(GROUP_ID))
        except AtlasAuthenticationError as exc:
            errors.append(exc)
        seen += describe(refused)
        await within(5, refused.aclose())

        async with AtlasClient(public_key=PUBLIC_KEY, private_key=PRIVATE_KEY, base_url=base_url) as digest:
            await within(5, digest.cloud_backups.list_export_buckets(GROUP_ID))
            try:
                await within(5, digest.custom_database_roles.get_custom_database_role(GROUP_ID, "missing"))
            except AtlasNotFoundError as exc:
                errors.append(exc)
            seen += describe(digest) + describe(digest._auth)

        async with AtlasClient(access_token=STATIC_TOKEN, base_url=base_url, max_retries=0) as bearer:
            try:
                await within(5, bearer.cloud_backups.list_export_buckets(GROUP_ID))
            except AtlasAuthenticationError as exc:
                errors.append(exc)
            seen += describe(bearer) + describe(bearer._auth)

    issued_tokens = list(fake.auth.tokens)
    assert issued_tokens, "the flow should have fetched at least one token"
    assert len(errors) == 5
    assert {"httpx", "httpcore", "atlas_admin"} <= captured_logs.logger_names
    assert any(text.startswith("retrying ") and "(GET) after 503" in text for text in captured_logs.texts)
    assert fake.stats.revocations >= 1

    for error in errors:
        seen += describe(error)
    seen += captured_logs.texts
    seen += [str(w.message) for w in caught_warnings]
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    secrets = [CLIENT_SECRET, WRONG_SECRET, PRIVATE_KEY, STATIC_TOKEN, basic, *issued_tokens]
    for secret in secrets:
        leaks = [text for text in seen if secret in text]
        assert leaks == [], f"{secret[:6]}... leaked"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_host_is_not_followed(status: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, headers={"Location": "https://evil.example/steal"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    atlas = AtlasClient(access_token=STATIC_TOKEN, base_url="https://atlas.test", http_client=http)
    with pytest.raises(AtlasError) as caught:
        await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    await http.aclose()

    assert [request.url.host for request in seen] == ["atlas.test"]
    assert str(status) in str(caught.value)
    assert STATIC_TOKEN not in str(caught.value)


async def test_owned_http_client_verifies_tls_by_default() -> None:
    async with AtlasClient(access_token=STATIC_TOKEN) as atlas:
        context: ssl.SSLContext = atlas._http._transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
        assert atlas._http.follow_redirects is False


async def test_verify_false_turns_tls_verification_off() -> None:
    async with AtlasClient(access_token=STATIC_TOKEN, verify=False) as atlas:
        context: ssl.SSLContext = atlas._http._transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_NONE
