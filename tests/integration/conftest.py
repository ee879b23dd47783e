"""Fixtures for end-to-end tests: AtlasClient against FakeAtlas over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from atlas_admin import AtlasClient
from atlas_admin._retry import send_with_retries
from atlas_admin.testing import FakeAtlas
from integration_support import CALL_TIMEOUT, CLIENT_ID, CLIENT_SECRET, FAST_RETRIES, RecordingSleep


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> RecordingSleep:
    """Every wait the retry loop asks for, recorded instead of waited (Retry-After values are honoured as given)."""
    recorder = RecordingSleep()
    # `sleep` is a keyword default of send_with_retries, bound when the module was imported.
    assert send_with_retries.__kwdefaults__ is not None
    monkeypatch.setitem(send_with_retries.__kwdefaults__, "sleep", recorder)
    return recorder


@pytest.fixture
def fake() -> FakeAtlas:
    return FakeAtlas()


@pytest.fixture
async def base_url(fake: FakeAtlas) -> AsyncIterator[str]:
    async with fake.serve() as url:
        yield url


@pytest.fixture
def make_client(base_url: str) -> Callable[..., AtlasClient]:
    """Service-account clients on the loopback fake, with fast retries and a short timeout unless overridden."""

    def make(**overrides: Any) -> AtlasClient:
        settings: dict[str, Any] = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "base_url": base_url,
            "timeout": CALL_TIMEOUT,
            "retry_policy": FAST_RETRIES,
            "strict": True,  # issue #13: the SDK's own suites fail on any answer off the documented shape
        }
        settings.update(overrides)
        return AtlasClient(**settings)

    return make
