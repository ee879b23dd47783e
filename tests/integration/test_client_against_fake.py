"""AtlasClient end to end against FakeAtlas: OAuth token life cycle, digest, versions, errors, pagination.

Most tests run over real loopback HTTP (the `base_url` fixture serves the fake); the 1,000-caller
single-flight test runs in-process through httpx.ASGITransport to keep it quick.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable

import httpx
import pytest
from atlas_admin import (
    AtlasApiError,
    AtlasAuthenticationError,
    AtlasBadRequestError,
    AtlasClient,
    AtlasConflictError,
    AtlasNotFoundError,
    InMemoryTokenStore,
    iter_pages,
    paginate,
)
from atlas_admin.testing import FakeAtlas, Fault
from atlas_admin_api.models import CustomDatabaseRole, ExportBucketRequestAWS
from integration_support import CLIENT_ID, CLIENT_SECRET, GROUP_ID, IAM_ROLE_ID, PRIVATE_KEY, PUBLIC_KEY


async def test_a_thousand_concurrent_first_calls_share_one_token_request() -> None:
    fake = FakeAtlas()
    fake.seed("listCustomDatabaseRoles", [{"roleName": "reader"}], groupId=GROUP_ID)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake))
    async with AtlasClient(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url="https://fake.test", http_client=http, strict=True
    ) as atlas:
        roles = await asyncio.gather(
            *(atlas.custom_database_roles.get_custom_database_role(GROUP_ID, "reader") for _ in range(1000))
        )
    await http.aclose()
    assert {role.role_name for role in roles} == {"reader"}
    assert fake.stats.token_requests == 1


async def test_token_is_reused_then_replaced_after_the_server_expires_it(
    fake: FakeAtlas, make_client: Callable[..., AtlasClient]
) -> None:
    fake.seed("listCustomDatabaseRoles", [{"roleName": "reader"}], groupId=GROUP_ID)
    async with make_client() as atlas:
        for _ in range(5):
            await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, "reader")
        assert fake.stats.token_requests == 1
        fake.expire_tokens()
        before = len(fake.requests)
        role = await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, "reader")
        assert role.role_name == "reader"
        # One 401 on the stale token, one token request, one replay: no loop, no error for the caller.
        statuses = [entry.status for entry in fake.requests[before:]]
        assert statuses.count(401) == 1
        assert fake.stats.token_requests == 2


async def test_closing_revokes_the_token(fake: FakeAtlas, make_client: Callable[..., AtlasClient]) -> None:
    atlas = make_client()
    await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    await atlas.aclose()
    assert fake.stats.revocations == 1


async def test_revoke_can_be_turned_off(fake: FakeAtlas, make_client: Callable[..., AtlasClient]) -> None:
    atlas = make_client(revoke_on_close=False)
    await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    await atlas.aclose()
    assert fake.stats.revocations == 0


async def test_token_store_lets_two_clients_share_one_token(
    fake: FakeAtlas, make_client: Callable[..., AtlasClient]
) -> None:
    store = InMemoryTokenStore()
    async with make_client(token_store=store, revoke_on_close=False) as first:
        await first.cloud_backups.list_export_buckets(GROUP_ID)
    async with make_client(token_store=store, revoke_on_close=False) as second:
        await second.cloud_backups.list_export_buckets(GROUP_ID)
    assert fake.stats.token_requests == 1


async def test_wrong_client_secret_is_a_typed_error_without_the_secret(
    make_client: Callable[..., AtlasClient],
) -> None:
    async with make_client(client_secret="mdb_sa_sk_wrong_secret_value") as atlas:
        with pytest.raises(AtlasAuthenticationError) as info:
            await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    assert "mdb_sa_sk_wrong_secret_value" not in str(info.value) + repr(info.value)


async def test_digest_pays_the_challenge_once(fake: FakeAtlas, base_url: str) -> None:
    async with AtlasClient(public_key=PUBLIC_KEY, private_key=PRIVATE_KEY, base_url=base_url, strict=True) as atlas:
        for _ in range(50):
            await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    api_requests = [entry for entry in fake.requests if entry.path.endswith("/backup/exportBuckets")]
    assert len(api_requests) == 51  # one 401 challenge, then one exchange per call
    assert [entry.status for entry in api_requests].count(401) == 1


async def test_a_version_the_server_does_not_serve_is_a_406() -> None:
    fake = FakeAtlas()
    spec = copy.deepcopy(fake.spec.document)
    operation = spec["paths"]["/api/atlas/v2/groups/{groupId}/backup/exportBuckets"]["get"]
    success = operation["responses"]["200"]["content"]
    # The server moved on to a version this SDK was not generated for.
    success["application/vnd.atlas.2099-01-01+json"] = success.pop(next(iter(success)))
    moved = FakeAtlas(spec=spec)
    async with (
        moved.serve() as url,
        AtlasClient(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=url, strict=True) as atlas,
    ):
        with pytest.raises(AtlasApiError) as info:
            await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    assert info.value.status == 406


async def test_server_errors_map_to_typed_exceptions(make_client: Callable[..., AtlasClient]) -> None:
    async with make_client() as atlas:
        with pytest.raises(AtlasNotFoundError) as missing:
            await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, "nobody")
        assert missing.value.error_code == "RESOURCE_NOT_FOUND"

        await atlas.custom_database_roles.create_custom_database_role(
            GROUP_ID, body=CustomDatabaseRole(role_name="dup")
        )
        with pytest.raises(AtlasConflictError):
            await atlas.custom_database_roles.create_custom_database_role(
                GROUP_ID, body=CustomDatabaseRole(role_name="dup")
            )

        invalid = CustomDatabaseRole(role_name=12345)  # type: ignore[arg-type]
        with pytest.raises(AtlasBadRequestError) as bad:
            await atlas.custom_database_roles.create_custom_database_role(GROUP_ID, body=invalid)
        assert bad.value.error_code == "VALIDATION_ERROR"
        assert bad.value.field_errors, "the fake names the offending field"


async def test_created_resources_come_back_across_pages(make_client: Callable[..., AtlasClient]) -> None:
    async with make_client() as atlas:
        for index in range(7):
            await atlas.cloud_backups.create_export_bucket(
                GROUP_ID, body=ExportBucketRequestAWS(bucket_name=f"bucket-{index}", iam_role_id=IAM_ROLE_ID)
            )
        names = [
            b.bucket_name async for b in paginate(atlas.cloud_backups.list_export_buckets, GROUP_ID, items_per_page=3)
        ]
        pages = [page async for page in iter_pages(atlas.cloud_backups.list_export_buckets, GROUP_ID, items_per_page=3)]
        first_two = [b async for b in paginate(atlas.cloud_backups.list_export_buckets, GROUP_ID, max_items=2)]
    assert names == [f"bucket-{index}" for index in range(7)]
    assert [len(page.items) for page in pages] == [3, 3, 1]
    assert {page.total_count for page in pages} == {7}
    assert len(first_two) == 2


async def test_closing_revokes_even_with_a_supplied_http_client(fake: FakeAtlas, base_url: str) -> None:
    http = httpx.AsyncClient()
    atlas = AtlasClient(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=base_url, http_client=http, strict=True
    )
    view = atlas.with_options(timeout=5)
    await view.cloud_backups.list_export_buckets(GROUP_ID)
    await view.aclose()  # a view shares the token: closing it revokes nothing
    assert fake.stats.revocations == 0
    await atlas.aclose()
    assert fake.stats.revocations == 1
    assert not http.is_closed  # the SDK does not close a client it did not create
    await http.aclose()


@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_transient_token_endpoint_failure_is_retried_for_any_method(
    fake: FakeAtlas, make_client: Callable[..., AtlasClient], status: int, method: str
) -> None:
    # The API request waits for its token, so it was never sent: even a POST may go again.
    fake.inject("oauth:token", Fault.error(status, retry_after="0"))
    async with make_client() as atlas:
        if method == "GET":
            await atlas.cloud_backups.list_export_buckets(GROUP_ID)
        else:
            await atlas.cloud_backups.create_export_bucket(
                GROUP_ID, body=ExportBucketRequestAWS(bucket_name="after-token-retry", iam_role_id=IAM_ROLE_ID)
            )
    assert fake.stats.token_requests == 2
    operation = "listExportBuckets" if method == "GET" else "createExportBucket"
    assert [entry.status for entry in fake.requests if entry.operation_id == operation] == [200]


async def test_a_rejected_token_request_is_not_retried(
    fake: FakeAtlas, make_client: Callable[..., AtlasClient]
) -> None:
    async with make_client(client_secret="mdb_sa_sk_not_the_secret") as atlas:
        with pytest.raises(AtlasAuthenticationError):
            await atlas.cloud_backups.list_export_buckets(GROUP_ID)
    assert fake.stats.token_requests == 1
