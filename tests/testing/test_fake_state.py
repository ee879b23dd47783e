"""The in-memory store: CRUD, pagination, seeding, documented examples."""

from __future__ import annotations

import httpx
from atlas_admin.testing import FakeAtlas
from fakeatlas_support import BUCKETS, GROUP_ID, ROLES, V2023

SETTINGS = f"/api/atlas/v2/groups/{GROUP_ID}/settings"


async def test_export_bucket_crud(api: httpx.AsyncClient) -> None:
    created = await api.post(BUCKETS, json={"cloudProvider": "AWS", "bucketName": "snapshots", "iamRoleId": "r"})
    assert created.status_code == 200
    bucket = created.json()
    assert len(bucket["_id"]) == 24
    assert int(bucket["_id"], 16) >= 0
    assert bucket["bucketName"] == "snapshots"

    listed = (await api.get(BUCKETS)).json()
    assert listed["totalCount"] == 1
    assert listed["results"] == [bucket]

    fetched = await api.get(f"{BUCKETS}/{bucket['_id']}")
    assert fetched.json() == bucket

    assert (await api.delete(f"{BUCKETS}/{bucket['_id']}")).status_code == 204
    gone = await api.get(f"{BUCKETS}/{bucket['_id']}")
    assert gone.status_code == 404
    assert gone.json()["errorCode"] == "RESOURCE_NOT_FOUND"
    assert (await api.get(BUCKETS)).json()["results"] == []


async def test_unknown_id_is_404(api: httpx.AsyncClient) -> None:
    response = await api.delete(f"{BUCKETS}/{'a' * 24}")
    assert response.status_code == 404
    assert response.json() | {"detail": ""} == {
        "error": 404,
        "errorCode": "RESOURCE_NOT_FOUND",
        "detail": "",
        "reason": "Not Found",
        "parameters": [],
    }


async def test_collections_are_per_project(api: httpx.AsyncClient) -> None:
    await api.post(BUCKETS, json={"cloudProvider": "AWS", "bucketName": "b"})
    other = BUCKETS.replace(GROUP_ID, "0" * 24)
    assert (await api.get(other)).json()["results"] == []


async def test_pagination_follows_next_links(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.seed(
        "listExportBuckets", [{"cloudProvider": "AWS", "bucketName": f"b{i}"} for i in range(7)], groupId=GROUP_ID
    )
    names: list[str] = []
    url: str | None = f"{BUCKETS}?itemsPerPage=3"
    pages = 0
    while url:
        page = (await api.get(url)).json()
        pages += 1
        assert page["totalCount"] == 7
        names += [b["bucketName"] for b in page["results"]]
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert rels["self"].startswith(str(api.base_url).rstrip("/") + BUCKETS)
        url = rels.get("next")
    assert pages == 3
    assert names == [f"b{i}" for i in range(7)]


async def test_page_beyond_the_end_and_include_count(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.seed("createExportBucket", [{"cloudProvider": "AWS", "bucketName": "b"}], groupId=GROUP_ID)
    page = (await api.get(f"{BUCKETS}?pageNum=5&includeCount=false")).json()
    assert page["results"] == []
    assert "totalCount" not in page
    assert {link["rel"] for link in page["links"]} == {"self", "previous"}


async def test_custom_roles_crud(api: httpx.AsyncClient) -> None:
    api.headers["Accept"] = V2023
    role = {"roleName": "reader", "actions": [{"action": "FIND", "resources": [{"db": "app"}]}]}
    created = await api.post(ROLES, json=role)
    assert created.status_code == 200
    assert created.json()["roleName"] == "reader"
    assert (await api.get(ROLES)).json()[0]["roleName"] == "reader"  # a plain array, as documented

    fetched = await api.get(f"{ROLES}/reader")
    assert fetched.status_code == 200
    assert fetched.json()["actions"] == role["actions"]

    updated = await api.patch(f"{ROLES}/reader", json={"actions": [{"action": "INSERT"}]})
    assert updated.json()["actions"] == [{"action": "INSERT"}]
    assert updated.json()["roleName"] == "reader"
    assert (await api.get(f"{ROLES}/reader")).json()["actions"] == [{"action": "INSERT"}]

    assert (await api.delete(f"{ROLES}/reader")).status_code == 204
    assert (await api.get(f"{ROLES}/reader")).status_code == 404


async def test_seed_by_path_and_store_put(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    api.headers["Accept"] = V2023
    fake.seed(ROLES, [{"roleName": "seeded"}])
    fake.store.put(ROLES, {"roleName": "put"}, id_field=None)
    assert [r["roleName"] for r in (await api.get(ROLES)).json()] == ["seeded", "put"]
    assert (await api.get(f"{ROLES}/put")).status_code == 200


async def test_other_operations_answer_the_first_documented_example(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/api/atlas/v2/groups/{GROUP_ID}/clusters/c1/status")
    assert response.json() == {"changeStatus": "APPLIED"}


async def test_custom_method_path(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    response = await api.delete(
        f"/api/atlas/v2/groups/{GROUP_ID}/users/u1:addRole", headers={"Accept": "application/vnd.atlas.2025-02-19+json"}
    )
    assert response.status_code == 204
    assert fake.requests[-1].operation_id == "removeThing"
    plain = await api.delete(
        f"/api/atlas/v2/groups/{GROUP_ID}/users/u1", headers={"Accept": "application/vnd.atlas.2025-02-19+json"}
    )
    assert plain.status_code == 204
    assert fake.requests[-1].operation_id == "removeProjectUser"


async def test_single_document_read_back_after_patch(api: httpx.AsyncClient) -> None:
    api.headers["Accept"] = V2023
    assert (await api.get(SETTINGS)).json() == {"isDataExplorerEnabled": True, "isSchemaAdvisorEnabled": True}
    await api.patch(SETTINGS, json={"isDataExplorerEnabled": False})
    assert (await api.get(SETTINGS)).json() == {"isDataExplorerEnabled": False, "isSchemaAdvisorEnabled": True}


async def test_stats_count_operations(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    await api.get(BUCKETS)
    await api.get(BUCKETS)
    assert fake.stats.requests_by_operation["listExportBuckets"] == 2


async def test_server_owns_ids(api: httpx.AsyncClient) -> None:
    created = (await api.post(BUCKETS, json={"cloudProvider": "AWS", "bucketName": "b", "_id": "f" * 24})).json()
    assert created["_id"] != "f" * 24


async def test_duplicate_name_is_409(api: httpx.AsyncClient) -> None:
    api.headers["Accept"] = V2023
    assert (await api.post(ROLES, json={"roleName": "r"})).status_code == 200
    duplicate = await api.post(ROLES, json={"roleName": "r"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == 409


async def test_reset(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    await api.post(BUCKETS, json={"cloudProvider": "AWS", "bucketName": "b"})
    fake.reset()
    assert fake.requests == []
    assert (await api.get(BUCKETS)).json()["results"] == []


async def test_collection_without_create_starts_from_the_documented_example(api: httpx.AsyncClient) -> None:
    api.headers["Accept"] = V2023
    invites = f"/api/atlas/v2/groups/{GROUP_ID}/invites"
    updated = await api.patch(f"{invites}/6a0000000000000000000001", json={"roles": ["GROUP_OWNER"]})
    assert updated.status_code == 200
    assert updated.json()["username"] == "ada@example.com"
    assert (await api.get(invites)).json()[0]["roles"] == ["GROUP_OWNER"]
    assert (await api.patch(f"{invites}/{'b' * 24}", json={"roles": []})).status_code == 404


async def test_envelope(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    response = await api.get(f"{BUCKETS}?envelope=true")
    assert response.json() == {
        "status": 200,
        "content": {"links": response.json()["content"]["links"], "results": [], "totalCount": 0},
    }
