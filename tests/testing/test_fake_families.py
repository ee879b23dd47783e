"""Every resource family the spec's paths describe: create, get, list, update and delete, table-driven.

Run against three specs: the small one of these tests, the packaged one (what FakeAtlas loads by
default) and the whole official document (skipped without it, like the docs-dependent tests).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import atlas_admin_api
import httpx
import pytest
import yaml
from atlas_admin.testing import FakeAtlas
from atlas_admin.testing._families import Family
from fakeatlas_support import get_token
from jsonschema.exceptions import best_match
from referencing.exceptions import Unresolvable
from spec_walk import body_for, first_item, item_path, param_value, send, whole_api_document

# Families whose create/read cycle the whole document itself makes impossible, with the reason.
# (Kept short on purpose: each entry is a finding about the spec, not about FakeAtlas.)
UNWALKABLE: dict[str, str] = {}


def _load(name: str) -> dict[str, Any]:
    if name == "mini":
        loaded: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fake_spec.yaml").read_text())
        return loaded
    if name == "packaged":
        resource = importlib.resources.files(atlas_admin_api) / "openapi.json"
        if not resource.is_file():
            pytest.skip("run `make generate` first")
        import json

        packaged: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
        return packaged
    return whole_api_document()


@pytest.fixture(scope="module", params=["mini", "packaged", "whole"])
def fake(request: pytest.FixtureRequest) -> FakeAtlas:
    return FakeAtlas(spec=_load(request.param), provisioning_delay=0, deletion_delay=0)


@pytest.fixture
async def http(fake: FakeAtlas) -> AsyncIterator[httpx.AsyncClient]:
    fake.reset()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as client:
        client.headers["Authorization"] = f"Bearer {await get_token(client)}"
        yield client


async def _walk(fake: FakeAtlas, http: httpx.AsyncClient, family: Family) -> list[str]:
    """Create, get, list, update, replace and delete one item of ``family``; the steps done."""
    spec = fake.spec
    ops = {kind: spec.by_id[op_id] for kind, op_id in family.operations.items()}
    create = ops["create"]
    values = {p.name: param_value(p) for p in create.path_params}
    collection = family.collection.format(**values) if values else family.collection
    body = body_for(spec, create)
    item_ops = [ops[k] for k in ("get", "update", "replace", "delete") if k in ops]
    params = {p.name: p for op in item_ops for p in op.path_params}
    entry = body[0] if isinstance(body, list) and body else body
    for key in family.keys:
        param = params[key.param]
        server_owned = key.field == family.id_field
        if (
            key.field
            and not server_owned
            and isinstance(entry, dict)
            and not param.validator.is_valid(entry.get(key.field))
        ):
            entry[key.field] = param_value(param)  # a value the item path accepts

    created = await send(http, create, collection, body)
    assert created.status_code == create.success_status, (create.operation_id, created.text)
    steps = ["create"]
    item = first_item(created.json()) if created.content else None

    if "list" in ops:
        listed = await send(http, ops["list"], collection)
        assert listed.status_code == ops["list"].success_status, (ops["list"].operation_id, listed.text)
        payload = listed.json()
        results = payload.get("results") if isinstance(payload, dict) else payload
        assert isinstance(results, list) and len(results) == 1, (ops["list"].operation_id, payload)
        if isinstance(payload, dict) and "totalCount" in payload:
            assert payload["totalCount"] == 1
        steps.append("list")

    if family.item is None or not item_ops:
        return steps
    assert isinstance(item, dict), (create.operation_id, created.text)
    path = item_path(spec, family, values, item)
    assert path is not None, (create.operation_id, family.keys, item)
    for kind in ("get", "update", "replace"):
        if kind in ops:
            change = body_for(spec, ops[kind]) if kind != "get" else None
            answered = await send(http, ops[kind], path, change)
            assert answered.status_code == ops[kind].success_status, (ops[kind].operation_id, answered.text)
            steps.append(kind)
    if "delete" in ops:
        deleted = await send(http, ops["delete"], path)
        assert deleted.status_code == ops["delete"].success_status, (ops["delete"].operation_id, deleted.text)
        steps.append("delete")
        if "get" in ops:
            gone = await send(http, ops["get"], path)
            assert gone.status_code == 404, (ops["get"].operation_id, gone.text)
            assert gone.json()["errorCode"] == "RESOURCE_NOT_FOUND"
            assert set(gone.json()) >= {"error", "errorCode", "detail", "reason", "parameters"}
        if "list" in ops:
            after = (await send(http, ops["list"], collection)).json()
            results = after.get("results") if isinstance(after, dict) else after
            assert results == [], (ops["list"].operation_id, after)
    return steps


async def test_every_family_walks_create_get_list_update_delete(fake: FakeAtlas, http: httpx.AsyncClient) -> None:
    walked: dict[str, list[str]] = {}
    for family in fake.families:
        if "create" not in family.operations or family.collection in UNWALKABLE:
            continue
        fake.reset()
        walked[family.collection] = await _walk(fake, http, family)
    creatable = {f.collection: f for f in fake.families if "create" in f.operations}
    assert set(walked) == set(creatable) - set(UNWALKABLE)
    for collection, steps in walked.items():
        # Every operation the family has was walked (item operations need an item path to reach them).
        assert set(steps) == set(creatable[collection].operations), (collection, steps)


# The table: one case per resource family of the SDK's own spec (the whole API), named by its collection path.
PACKAGED = FakeAtlas(provisioning_delay=0, deletion_delay=0)
CREATABLE = sorted(
    f.collection for f in PACKAGED.families if "create" in f.operations and f.collection not in UNWALKABLE
)


def test_the_table_holds_the_whole_apis_families() -> None:
    assert len(CREATABLE) >= 50, len(CREATABLE)
    assert {"/api/atlas/v2/groups", "/api/atlas/v2/groups/{groupId}/clusters"} <= set(CREATABLE)


@pytest.mark.parametrize("collection", CREATABLE)
async def test_family_walks_create_get_list_update_delete(collection: str) -> None:
    (family,) = [f for f in PACKAGED.families if f.collection == collection]
    PACKAGED.reset()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=PACKAGED), base_url="https://fake") as http:
        http.headers["Authorization"] = f"Bearer {await get_token(http)}"
        steps = await _walk(PACKAGED, http, family)
    # Every operation the family has was walked (item operations need an item path to reach them).
    assert set(steps) == set(family.operations), steps


async def test_whole_api_has_the_families_users_need(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    collections = {f.collection: f for f in fake.families}
    if "/api/atlas/v2/groups/{groupId}/clusters" not in collections:
        pytest.skip("this spec has no cluster operations")
    expected = {
        "/api/atlas/v2/groups": ("groupId",),
        "/api/atlas/v2/groups/{groupId}/clusters": ("clusterName",),
        "/api/atlas/v2/groups/{groupId}/databaseUsers": ("databaseName", "username"),
        "/api/atlas/v2/groups/{groupId}/accessList": ("entryValue",),
    }
    for collection, params in expected.items():
        family = collections[collection]
        assert tuple(k.param for k in family.keys) == params
        assert {"list", "create", "get", "delete"} <= set(family.operations)
    assert collections["/api/atlas/v2/groups/{groupId}/clusters"].keys[0].field == "name"
    assert collections["/api/atlas/v2/groups"].keys[0].field == "id"


async def test_every_synthesized_answer_is_valid_against_its_schema(fake: FakeAtlas) -> None:
    checked = 0
    for op in fake.spec.operations:
        for media, response in op.responses.items():
            if response.schema is None:
                continue
            value = fake.spec.synthesizer.value(response.schema)
            missing = ""
            try:
                error = best_match(fake.spec.schema_validator(response.schema).iter_errors(value))
            except Unresolvable as unresolvable:  # the exception quotes the whole document: say it briefly
                missing = str(getattr(unresolvable, "ref", unresolvable))[:200]
            if missing:
                pytest.fail(f"{op.operation_id} {media}: the spec refers to a schema it lacks: {missing}")
            assert error is None, (op.operation_id, media, error.message if error else "")
            assert fake.spec.synthesizer.value(response.schema) == value  # deterministic
            if not response.has_example:  # what FakeAtlas answers when the spec documents no example
                assert fake.spec.example_for(op, media) == value
            checked += 1
    assert checked >= len(fake.spec.operations) // 2
