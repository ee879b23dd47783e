"""Versioned media types, deprecation and rate-limit headers, request validation."""

from __future__ import annotations

import httpx
import pytest
from atlas_admin.testing import FakeAtlas
from fakeatlas_support import BUCKETS, GROUP_ID, ROLES, V2023, V2024, get_token


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "application/vnd.atlas.2099-01-01+json"])
async def test_406_without_the_operations_version(api: httpx.AsyncClient, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        del api.headers["Accept"]
    response = await api.get(BUCKETS, headers=headers)
    assert response.status_code == 406
    assert response.json()["errorCode"] == "INVALID_VERSION_DATE"
    assert response.headers["content-type"].startswith("application/json")


async def test_versioned_content_type(api: httpx.AsyncClient) -> None:
    response = await api.get(BUCKETS, headers={"Accept": f"application/json, {V2024};q=0.9"})
    assert response.status_code == 200
    assert response.headers["content-type"] == V2024


async def test_other_operation_wants_its_own_version(api: httpx.AsyncClient) -> None:
    assert (await api.get(ROLES)).status_code == 406
    response = await api.get(ROLES, headers={"Accept": V2023})
    assert response.status_code == 200
    assert response.headers["content-type"] == V2023


async def test_deprecation_and_sunset_on_deprecated_operations(api: httpx.AsyncClient) -> None:
    deprecated = await api.get(f"/api/atlas/v2/groups/{GROUP_ID}/clusters/c1/status")
    assert deprecated.status_code == 200
    assert deprecated.headers["Deprecation"].startswith("@")
    assert deprecated.headers["Sunset"] == "Mon, 01 Jun 2026 00:00:00 GMT"  # from x-sunset
    created = await api.post(BUCKETS, json={"cloudProvider": "AWS", "bucketName": "b"})
    assert "Sunset" in created.headers  # deprecated, no x-sunset: the default
    current = await api.get(BUCKETS)
    assert "Deprecation" not in current.headers
    assert "Sunset" not in current.headers


async def test_ratelimit_headers_on_every_api_response(api: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
    first = await api.get(BUCKETS)
    second = await api.get(BUCKETS)
    assert int(first.headers["RateLimit-Limit"]) > 0
    assert int(second.headers["RateLimit-Remaining"]) == int(first.headers["RateLimit-Remaining"]) - 1
    unauthenticated = await http.get(BUCKETS, headers={"Authorization": ""})
    assert "RateLimit-Limit" in unauthenticated.headers


async def test_rate_limit_enforced(spec: dict[str, object]) -> None:
    fake = FakeAtlas(spec=spec, rate_limit=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        headers = {"Authorization": f"Bearer {await get_token(http)}", "Accept": V2024}
        assert [(await http.get(BUCKETS, headers=headers)).status_code for _ in range(3)] == [200, 200, 429]
        limited = await http.get(BUCKETS, headers=headers)
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert "Retry-After" in limited.headers


def fields(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["errorCode"] == "VALIDATION_ERROR"
    assert body["reason"] == "Bad Request"
    return {f["field"]: f["description"] for f in body["badRequestDetail"]["fields"]}


async def test_path_pattern(api: httpx.AsyncClient) -> None:
    assert "groupId" in fields(await api.get("/api/atlas/v2/groups/not-hex/backup/exportBuckets"))


@pytest.mark.parametrize(
    "query", ["itemsPerPage=0", "itemsPerPage=501", "itemsPerPage=ten", "pageNum=0", "includeCount=maybe"]
)
async def test_query_types_and_ranges(api: httpx.AsyncClient, query: str) -> None:
    assert query.split("=")[0] in fields(await api.get(f"{BUCKETS}?{query}"))


async def test_required_body_fields(api: httpx.AsyncClient) -> None:
    assert fields(await api.post(BUCKETS, json={"cloudProvider": "AWS"})) == {"bucketName": "is required"}


async def test_discriminator_value(api: httpx.AsyncClient) -> None:
    assert "cloudProvider" in fields(await api.post(BUCKETS, json={"cloudProvider": "GCP", "bucketName": "b"}))


async def test_nested_body_errors(api: httpx.AsyncClient) -> None:
    response = await api.post(ROLES, headers={"Accept": V2023}, json={"roleName": "r", "actions": [{"resources": []}]})
    assert "actions.0.action" in fields(response)


async def test_missing_and_malformed_body(api: httpx.AsyncClient) -> None:
    assert "body" in fields(await api.post(BUCKETS))
    assert "body" in fields(await api.post(BUCKETS, content=b"{not json", headers={"Content-Type": V2024}))


async def test_unknown_path_and_method(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"/api/atlas/v2/groups/{GROUP_ID}/nothing")
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "RESOURCE_NOT_FOUND"
    assert (await api.delete(BUCKETS)).status_code == 405


async def test_request_body_in_another_version_is_415(api: httpx.AsyncClient) -> None:
    body = b'{"cloudProvider": "AWS", "bucketName": "b"}'
    refused = await api.post(BUCKETS, content=body, headers={"Content-Type": V2023})
    assert refused.status_code == 415
    assert refused.json()["errorCode"] == "INVALID_VERSION_DATE"
    assert V2024 in refused.json()["detail"]
    accepted = await api.post(BUCKETS, content=body, headers={"Content-Type": V2024})
    assert accepted.status_code == 200
    plain = await api.post(BUCKETS, content=body, headers={"Content-Type": "application/json"})
    assert plain.status_code == 200  # unversioned JSON is read as the operation's version
