"""The FastAPI app against FakeAtlas, in-process: two ASGI apps joined by httpx.ASGITransport, no network.

This is the pattern for testing your own backend: give the AtlasClient an ``http_client`` whose transport
is ``httpx.ASGITransport(app=fake)``, and call your app through another ASGITransport.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import httpx
import pytest

from .app import Settings, create_app, sdk

testing = importlib.import_module(sdk.__name__ + ".testing")  # the vendored copy's FakeAtlas when vendored
FakeAtlas, Fault = testing.FakeAtlas, testing.Fault

GROUP = "32b6e34b3d91647abb20e7b8"
ROLE_ID = "32b6e34b3d91647abb20e7b9"
FAKE_URL = "https://fake-atlas.test"


class TimeoutOn(httpx.AsyncBaseTransport):
    """Wraps a transport; requests whose path contains ``marker`` time out (ASGITransport has no timeouts)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, marker: str) -> None:
        self.inner, self.marker = inner, marker

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.marker in request.url.path:
            raise httpx.ReadTimeout("timed out", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def fake() -> FakeAtlas:
    return FakeAtlas()


async def _client(
    fake: FakeAtlas, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    atlas_http = httpx.AsyncClient(transport=transport or httpx.ASGITransport(app=fake))
    settings = Settings(
        base_url=FAKE_URL, credentials={"client_id": "mdb_sa_id_demo", "client_secret": "mdb_sa_sk_demo"}, max_retries=0
    )
    app = create_app(settings, http_client=atlas_http)
    app_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app.test")
    # ASGITransport does not run lifespans: enter the app's own, as the server would.
    async with atlas_http, app.router.lifespan_context(app), app_http:
        yield app_http


@pytest.fixture
async def client(fake: FakeAtlas) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(fake):
        yield c


def test_the_sdk_in_use() -> None:
    print(f"atlas_admin from {sdk.__file__}")  # the vendoring test checks this line


async def test_create_and_list_buckets_of_every_provider(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.seed("listExportBuckets", [{"cloudProvider": "ORACLE", "bucketName": "oci-bucket"}], groupId=GROUP)
    bodies = [
        {"provider": "AWS", "bucket_name": "my-s3-bucket", "role_id": ROLE_ID},
        {
            "provider": "AZURE",
            "bucket_name": "my-container",
            "role_id": ROLE_ID,
            "service_url": "https://a.blob.core.windows.net",
        },
        {"provider": "GCP", "bucket_name": "my-gcs-bucket", "role_id": ROLE_ID},
    ]
    for body in bodies:
        response = await client.post(f"/projects/{GROUP}/export-buckets", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["provider"] == body["provider"]
    response = await client.get(f"/projects/{GROUP}/export-buckets")
    assert response.status_code == 200
    assert [(b["provider"], b["url"]) for b in response.json()] == [
        ("ORACLE", None),
        ("AWS", "s3://my-s3-bucket"),
        ("AZURE", "https://a.blob.core.windows.net/my-container"),
        ("GCP", "gs://my-gcs-bucket"),
    ]
    # One token for the whole app: the lifespan's client is shared by every request.
    assert [e.operation_id for e in fake.requests].count("oauth:token") == 1


async def test_get_role_and_404_stays_404(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.seed(
        "listCustomDatabaseRoles",
        [
            {
                "roleName": "reader",
                "actions": [{"action": "FIND", "resources": [{"db": "a", "collection": "", "cluster": False}]}],
            }
        ],
        groupId=GROUP,
    )
    assert (await client.get(f"/projects/{GROUP}/roles/reader")).json()["roleName"] == "reader"
    missing = await client.get(f"/projects/{GROUP}/roles/nobody")
    assert missing.status_code == 404
    assert missing.json()["atlas_error_code"] == "RESOURCE_NOT_FOUND"


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [
        (Fault.error(429, retry_after="7"), 503, "7"),
        (Fault.error(401, times=None), 502, None),  # a 401 is retried once with a fresh token
        (Fault.error(403), 502, None),
        (Fault.error(500), 502, None),
        (Fault.error(503), 502, None),
    ],
)
async def test_atlas_errors_map_to_this_services_answers(
    client: httpx.AsyncClient, fake: FakeAtlas, fault: Fault, status: int, retry_after: str | None
) -> None:
    fake.inject("listExportBuckets", fault)
    response = await client.get(f"/projects/{GROUP}/export-buckets")
    assert response.status_code == status
    assert response.headers.get("Retry-After") == retry_after
    assert "mdb_sa" not in response.text and "Bearer" not in response.text


async def test_bad_request_field_errors_become_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/projects/not-a-project-id/roles/reader")  # rejected by the SDK before any I/O
    assert response.status_code == 422


async def test_atlas_timeout_becomes_504(fake: FakeAtlas) -> None:
    async for client in _client(fake, TimeoutOn(httpx.ASGITransport(app=fake), "/customDBRoles/")):
        response = await client.get(f"/projects/{GROUP}/roles/reader")
        assert response.status_code == 504
        assert response.json() == {"detail": "Atlas did not answer in time"}


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_ATLAS_BASE_URL", "https://atlas.example")
    monkeypatch.setenv("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_x")
    monkeypatch.setenv("MONGODB_ATLAS_CLIENT_SECRET", "mdb_sa_sk_x")
    monkeypatch.delenv("MONGODB_ATLAS_ACCESS_TOKEN", raising=False)
    settings = Settings.from_env()
    assert settings.base_url == "https://atlas.example"
    assert settings.credentials == {"client_id": "mdb_sa_id_x", "client_secret": "mdb_sa_sk_x"}


async def test_sdk_models_as_request_body_and_response_model(client: httpx.AsyncClient) -> None:
    role = {
        "roleName": "writer",
        "actions": [{"action": "INSERT", "resources": [{"db": "sales", "collection": "orders", "cluster": False}]}],
    }
    created = await client.post(f"/projects/{GROUP}/roles", json=role)
    assert created.status_code == 201
    assert created.json()["roleName"] == "writer"
    assert created.json()["actions"] == role["actions"]
    fetched = await client.get(f"/projects/{GROUP}/roles/writer")
    assert fetched.json()["actions"] == role["actions"]
    invalid = await client.post(f"/projects/{GROUP}/roles", json={"actions": []})  # roleName is required
    assert invalid.status_code == 422


def test_openapi_schema_shows_the_atlas_model() -> None:
    schema = create_app(Settings(base_url=FAKE_URL)).openapi()
    route = schema["paths"]["/projects/{group_id}/roles/{role_name}"]["get"]
    response_schema = route["responses"]["200"]["content"]["application/json"]["schema"]
    body_schema = schema["paths"]["/projects/{group_id}/roles"]["post"]["requestBody"]["content"]["application/json"]
    for found in (response_schema, body_schema["schema"]):
        if "$ref" in found:  # FastAPI may share it under components
            found = schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[1]]
        assert found["required"] == ["roleName"]
        assert set(found["properties"]) == {"roleName", "actions", "inheritedRoles"}
        assert found["properties"]["actions"]["items"]["properties"]["action"]["type"] == "string"
