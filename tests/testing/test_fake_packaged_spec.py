"""FakeAtlas against the real packaged spec (generated/atlas_admin_api/openapi.json)."""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import AsyncIterator
from typing import Any

import atlas_admin_api
import httpx
import pytest
from atlas_admin.testing import FakeAtlas
from atlas_admin.testing._spec import SpecOperation
from fakeatlas_support import GROUP_ID, get_token
from spec_walk import param_value

pytestmark = pytest.mark.skipif(
    not (importlib.resources.files(atlas_admin_api) / "openapi.json").is_file(), reason="run `make generate` first"
)

# Values tried, in order, for a path parameter; the first that fits its pattern is used.
CANDIDATES = [GROUP_ID, "name1", "mdb_sa_id_" + GROUP_ID, "vpce-0123456789abcdef0", "host1.example.com:27017", "1"]


@pytest.fixture(scope="module")
def packaged() -> FakeAtlas:
    return FakeAtlas()


@pytest.fixture
async def client(packaged: FakeAtlas) -> AsyncIterator[httpx.AsyncClient]:
    packaged.store.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=packaged), base_url="https://fake") as http:
        http.headers["Authorization"] = f"Bearer {await get_token(http)}"
        yield http


def _value(param: Any) -> str | None:
    if param.schema.get("enum") or param.schema.get("type", "string") != "string":
        return param_value(param)
    pattern = param.schema.get("pattern")
    return next((c for c in CANDIDATES if not pattern or re.search(pattern, c)), None) or param_value(param)


def _request(fake: FakeAtlas, op: SpecOperation) -> tuple[str, dict[str, str], Any] | None:
    """A request the spec allows for ``op`` (path, query, body), or None when we cannot make one up."""
    values = {p.name: _value(p) for p in op.path_params}
    query = {p.name: _value(p) for p in op.query_params if p.required}
    if None in values.values() or None in query.values():
        return None
    path = re.sub(r"\{([^}]+)\}", lambda m: str(values[m.group(1)]), op.path)
    body = None
    request_body = fake.spec.resolve(fake.spec.document["paths"][op.path][op.method.lower()].get("requestBody"))
    for media in (request_body or {}).get("content", {}).values():
        example, documented = fake.spec._first_example(media)
        body = example if documented else fake.spec.synthesizer.value(media.get("schema", {}), for_request=True)
    return path, {k: str(v) for k, v in query.items()}, body


def test_store_backs_the_documented_families(packaged: FakeAtlas) -> None:
    kinds = {op_id: b.kind for op_id, b in packaged.behaviours.items()}
    assert kinds["listExportBuckets"] == "list"
    assert kinds["createExportBucket"] == "create"
    assert kinds["listCustomDatabaseRoles"] == "list"
    assert kinds["createCustomDatabaseRole"] == "create"
    assert kinds["getCustomDatabaseRole"] == "get"


async def test_every_operation_wants_its_version(packaged: FakeAtlas, client: httpx.AsyncClient) -> None:
    for op in packaged.spec.operations:
        path = re.sub(r"\{[^}]+\}", "x", op.path)
        response = await client.request(op.method, path, headers={"Accept": "application/json"})
        assert response.status_code == 406, (op.operation_id, response.text)


async def test_every_operation_answers_a_valid_request(packaged: FakeAtlas, client: httpx.AsyncClient) -> None:
    answered = 0
    for op in packaged.spec.operations:
        request = _request(packaged, op)
        if request is None or packaged.behaviours[op.operation_id].kind in ("get", "update", "replace", "delete"):
            continue  # item reads of an empty store are 404s, tested elsewhere
        path, query, body = request
        headers = {"Accept": sorted(op.versions)[0]} if op.versions else {}
        response = await client.request(op.method, path, params=query, headers=headers, json=body)
        assert response.status_code == op.success_status, (op.operation_id, response.text)
        if op.versions and response.status_code != 204:
            assert response.headers["content-type"] in op.versions
        answered += 1
    assert answered >= len(packaged.spec.operations) // 2


async def test_documented_examples_round_trip(packaged: FakeAtlas, client: httpx.AsyncClient) -> None:
    for create_id, item_param in (("createExportBucket", None), ("createCustomDatabaseRole", "roleName")):
        op = packaged.spec.by_id[create_id]
        request = _request(packaged, op)
        assert request is not None
        path, _, body = request
        headers = {"Accept": sorted(op.versions)[0]}
        created = await client.post(path, headers=headers, json=body)
        assert created.status_code == op.success_status, created.text
        listed = (await client.get(path, headers=headers)).json()
        items = listed["results"] if isinstance(listed, dict) else listed
        assert len(items) == 1
        if item_param:
            fetched = await client.get(f"{path}/{body[item_param]}", headers=headers)
            assert fetched.status_code == 200
            assert fetched.json()[item_param] == body[item_param]
