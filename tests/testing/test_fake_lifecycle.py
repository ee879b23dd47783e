"""Slow resources: clusters move CREATING -> IDLE, UPDATING -> IDLE, DELETING -> gone; restore jobs finish.

Driven by a hand-moved clock, so every transition happens exactly when the test says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from atlas_admin.testing import FakeAtlas
from fakeatlas_support import Clock, get_token
from spec_walk import whole_api_document

GROUP = "32b6e34b3d91647abb20e7b8"
ORG = "32b6e34b3d91647abb20e7b9"
V_CLUSTER = "application/vnd.atlas.2024-08-05+json"
V2023 = "application/vnd.atlas.2023-01-01+json"
CLUSTERS = f"/api/atlas/v2/groups/{GROUP}/clusters"
SNAPSHOT = "5f1e2d3c4b5a69788796a5b4"


@pytest.fixture(scope="module")
def lifecycle_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "lifecycle_spec.yaml").read_text())
    return loaded


@pytest.fixture
def fake(lifecycle_spec: dict[str, Any], clock: Clock) -> FakeAtlas:
    return FakeAtlas(spec=lifecycle_spec, clock=clock, provisioning_delay=60, deletion_delay=30)


@pytest.fixture
async def api(fake: FakeAtlas) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        http.headers["Authorization"] = f"Bearer {await get_token(http)}"
        http.headers["Accept"] = V_CLUSTER
        yield http


async def _state(api: httpx.AsyncClient, name: str) -> str | int:
    response = await api.get(f"{CLUSTERS}/{name}")
    if response.status_code != 200:
        return response.status_code
    state: str = response.json()["stateName"]
    return state


async def test_cluster_created_then_idle(api: httpx.AsyncClient, clock: Clock) -> None:
    created = await api.post(CLUSTERS, json={"name": "demo", "clusterType": "REPLICASET", "stateName": "IDLE"})
    assert created.status_code == 201
    cluster = created.json()
    assert cluster["stateName"] == "CREATING"  # readOnly: what the client sent does not count
    assert cluster["groupId"] == GROUP  # from the path
    assert len(cluster["id"]) == 24
    assert cluster["createDate"] == "2023-11-14T22:13:20Z"  # the fake's clock
    assert cluster["links"] == [{"rel": "self", "href": f"https://fake{CLUSTERS}/demo"}]
    clock.now += 59
    assert await _state(api, "demo") == "CREATING"
    clock.now += 1
    assert await _state(api, "demo") == "IDLE"
    listed = (await api.get(CLUSTERS)).json()
    assert [(c["name"], c["stateName"]) for c in listed["results"]] == [("demo", "IDLE")]


async def test_update_goes_through_updating(api: httpx.AsyncClient, clock: Clock) -> None:
    await api.post(CLUSTERS, json={"name": "demo"})
    clock.now += 60
    updated = await api.patch(f"{CLUSTERS}/demo", json={"paused": True, "name": "renamed"})
    assert updated.status_code == 200
    assert updated.json()["stateName"] == "UPDATING"
    assert updated.json()["paused"] is True
    assert updated.json()["name"] == "demo"  # the name is the item's path: it cannot change
    clock.now += 60
    assert await _state(api, "demo") == "IDLE"


async def test_an_update_while_creating_is_not_cut_short(api: httpx.AsyncClient, clock: Clock) -> None:
    await api.post(CLUSTERS, json={"name": "demo"})
    clock.now += 50
    await api.patch(f"{CLUSTERS}/demo", json={"paused": True})
    clock.now += 10  # the creation's transition is due now, but the update owns the state
    assert await _state(api, "demo") == "UPDATING"
    clock.now += 50
    assert await _state(api, "demo") == "IDLE"


async def test_delete_goes_through_deleting_then_gone(api: httpx.AsyncClient, clock: Clock) -> None:
    await api.post(CLUSTERS, json={"name": "demo"})
    clock.now += 60
    deleted = await api.delete(f"{CLUSTERS}/demo", headers={"Accept": "application/vnd.atlas.2023-02-01+json"})
    assert deleted.status_code == 202
    assert await _state(api, "demo") == "DELETING"
    clock.now += 29
    assert await _state(api, "demo") == "DELETING"
    clock.now += 1
    gone = await api.get(f"{CLUSTERS}/demo")
    assert gone.status_code == 404
    assert gone.json()["errorCode"] == "RESOURCE_NOT_FOUND"
    assert (await api.get(CLUSTERS)).json()["results"] == []


async def test_settle_finishes_every_transition(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    await api.post(CLUSTERS, json={"name": "a"})
    await api.post(CLUSTERS, json={"name": "b"})
    fake.settle()
    assert [await _state(api, n) for n in ("a", "b")] == ["IDLE", "IDLE"]
    await api.delete(f"{CLUSTERS}/a", headers={"Accept": "application/vnd.atlas.2023-02-01+json"})
    fake.settle()
    assert await _state(api, "a") == 404


async def test_zero_delays_settle_at_the_next_request(lifecycle_spec: dict[str, Any]) -> None:
    fake = FakeAtlas(spec=lifecycle_spec, provisioning_delay=0, deletion_delay=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        http.headers.update({"Authorization": f"Bearer {await get_token(http)}", "Accept": V_CLUSTER})
        assert (await http.post(CLUSTERS, json={"name": "demo"})).json()["stateName"] == "CREATING"
        assert await _state(http, "demo") == "IDLE"


async def test_duplicate_cluster_name_is_409(api: httpx.AsyncClient) -> None:
    await api.post(CLUSTERS, json={"name": "demo"})
    again = await api.post(CLUSTERS, json={"name": "demo"})
    assert again.status_code == 409
    assert again.json()["errorCode"] == "DUPLICATE_RESOURCE"


async def test_restore_job_finishes_later(api: httpx.AsyncClient, clock: Clock) -> None:
    jobs = f"{CLUSTERS}/demo/backup/restoreJobs"
    api.headers["Accept"] = V2023
    job = (await api.post(jobs, json={"snapshotId": SNAPSHOT, "deliveryType": "download"})).json()
    assert "finishedAt" not in job
    clock.now += 60
    finished = (await api.get(f"{jobs}/{job['id']}")).json()
    assert finished["finishedAt"] == "2023-11-14T22:14:20Z"


async def test_a_deleted_projects_clusters_go_with_it(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    api.headers["Accept"] = V2023
    project = (await api.post("/api/atlas/v2/groups", json={"name": "p", "orgId": ORG})).json()
    clusters = f"/api/atlas/v2/groups/{project['id']}/clusters"
    api.headers["Accept"] = V_CLUSTER
    await api.post(clusters, json={"name": "inside"})
    await api.post(CLUSTERS, json={"name": "elsewhere"})
    fake.settle()
    api.headers["Accept"] = V2023
    assert (await api.delete(f"/api/atlas/v2/groups/{project['id']}")).status_code == 204
    assert (await api.get(f"/api/atlas/v2/groups/{project['id']}")).status_code == 404
    api.headers["Accept"] = V_CLUSTER
    assert (await api.get(clusters)).json()["results"] == []
    assert await _state(api, "elsewhere") == "IDLE"


async def test_projects_have_server_side_fields(api: httpx.AsyncClient) -> None:
    api.headers["Accept"] = V2023
    created = await api.post("/api/atlas/v2/groups", json={"name": "p", "orgId": ORG, "id": "f" * 24})
    project = created.json()
    assert project["id"] != "f" * 24
    assert project["created"] == "2023-11-14T22:13:20Z"
    assert isinstance(project["clusterCount"], int)
    fetched = (await api.get(f"/api/atlas/v2/groups/{project['id']}")).json()
    assert fetched == project
    listed = (await api.get("/api/atlas/v2/groups")).json()
    assert listed["results"] == [project] and listed["totalCount"] == 1


async def test_whole_api_cluster_lifecycle(clock: Clock) -> None:
    fake = FakeAtlas(spec=whole_api_document(), clock=clock, provisioning_delay=10, deletion_delay=10)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        http.headers.update({"Authorization": f"Bearer {await get_token(http)}", "Accept": V_CLUSTER})
        body = {
            "name": "demo",
            "clusterType": "REPLICASET",
            "replicationSpecs": [
                {
                    "regionConfigs": [
                        {
                            "providerName": "AWS",
                            "regionName": "US_EAST_1",
                            "priority": 7,
                            "electableSpecs": {"instanceSize": "M10", "nodeCount": 3},
                        }
                    ]
                }
            ],
        }
        created = await http.post(CLUSTERS, json=body, headers={"Content-Type": V_CLUSTER})
        assert created.status_code == 201, created.text
        assert created.json()["stateName"] == "CREATING"
        assert created.json()["replicationSpecs"][0]["regionConfigs"][0]["regionName"] == "US_EAST_1"
        clock.now += 10
        assert await _state(http, "demo") == "IDLE"
        older = await http.get(f"{CLUSTERS}/demo", headers={"Accept": "application/vnd.atlas.2023-02-01+json"})
        assert older.status_code == 200 and older.json()["stateName"] == "IDLE"
        deleted = await http.delete(f"{CLUSTERS}/demo", headers={"Accept": "application/vnd.atlas.2023-02-01+json"})
        assert deleted.status_code == 202
        assert await _state(http, "demo") == "DELETING"
        clock.now += 10
        assert await _state(http, "demo") == 404
