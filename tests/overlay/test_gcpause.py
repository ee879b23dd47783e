"""`atlas_admin._gcpause`: large bodies are parsed with the cyclic GC paused, and the collector's state comes back."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasClient
from atlas_admin._constants import PARSE_GC_PAUSE_MIN_BYTES
from atlas_admin._gcpause import call_with_gc_paused
from atlas_admin_api.api.cloud_backups import list_export_buckets
from atlas_admin_api.models.paginated_export_bucket import PaginatedExportBucket

GROUP = "32b6e34b3d91647abb20e7b8"


@pytest.fixture(autouse=True)
def gc_enabled_after() -> Iterator[None]:
    yield
    assert gc.isenabled(), "a test left the garbage collector disabled"


def test_the_collector_is_off_during_the_call_and_on_after() -> None:
    seen = call_with_gc_paused(lambda value: (gc.isenabled(), value), value=7)
    assert seen == (False, 7)
    assert gc.isenabled()


def test_the_collector_comes_back_after_an_exception() -> None:
    def fails() -> None:
        assert not gc.isenabled()
        raise KeyError("boom")

    with pytest.raises(KeyError):
        call_with_gc_paused(fails)
    assert gc.isenabled()


def test_a_collector_the_application_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        assert call_with_gc_paused(gc.isenabled) is False
        assert not gc.isenabled()
    finally:
        gc.enable()


def _bucket_page(items: int) -> bytes:
    results = [
        {"_id": f"{i:024x}", "cloudProvider": "AWS", "bucketName": f"b-{i}", "iamRoleId": "668c5f0ed436263134491592"}
        for i in range(items)
    ]
    return json.dumps({"results": results, "totalCount": items}).encode()


@pytest.mark.parametrize(("items", "paused"), [(1, False), (500, True)])
async def test_client_pauses_the_collector_only_for_large_bodies(
    items: int, paused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _bucket_page(items)
    assert (len(body) >= PARSE_GC_PAUSE_MIN_BYTES) is paused
    seen: list[bool] = []
    generated_parse = list_export_buckets._parse_response

    def parse(**kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return generated_parse(**kwargs)

    monkeypatch.setattr(list_export_buckets, "_parse_response", parse)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/vnd.atlas.2024-05-30+json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AtlasClient(access_token="t", base_url="https://atlas.test", http_client=http) as atlas:
        page = await atlas.cloud_backups.list_export_buckets(GROUP, items_per_page=500)
    assert seen == [not paused]
    assert isinstance(page, PaginatedExportBucket)
    assert page.to_dict() == json.loads(body)
    assert gc.isenabled()
