"""Fixtures for FakeAtlas tests: a small spec in Atlas's conventions and clients wired to the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from atlas_admin.testing import FakeAtlas
from fakeatlas_support import V2024, Clock, get_token


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fake_spec.yaml").read_text())
    return loaded


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(spec: dict[str, Any], clock: Clock) -> FakeAtlas:
    return FakeAtlas(spec=spec, clock=clock)


@pytest.fixture(params=["asgi", "loopback"])
async def http(fake: FakeAtlas, request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """An unauthenticated client: in-process through ASGITransport, and over real loopback HTTP."""
    if request.param == "asgi":
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as client:
            yield client
    else:
        async with fake.serve() as base_url, httpx.AsyncClient(base_url=base_url) as client:
            yield client


@pytest.fixture
async def api(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """The in-process client with a bearer token and the 2024-05-30 version in Accept."""
    http.headers["Authorization"] = f"Bearer {await get_token(http)}"
    http.headers["Accept"] = V2024
    return http
