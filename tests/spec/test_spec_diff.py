"""openapi/spec_diff.py on small hand-made documents: one test per kind of change, with its breaking mark."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "openapi"))

import spec_diff  # noqa: E402

V1 = "application/vnd.atlas.2023-01-01+json"
V2 = "application/vnd.atlas.2024-05-30+json"
BUCKETS = "/api/atlas/v2/groups/{groupId}/buckets"
BUCKET = "/api/atlas/v2/groups/{groupId}/buckets/{bucketId}"


def base_spec() -> dict[str, Any]:
    """A tiny official-style document: a list/create collection, one item, a discriminated union."""
    group_id = {"$ref": "#/components/parameters/groupId"}
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "2.0", "x-xgen-sha": "0123456789abcdef"},
        "paths": {
            BUCKETS: {
                "get": {
                    "operationId": "listGroupBuckets",
                    "x-xgen-operation-id-override": "listBuckets",
                    "tags": ["Buckets"],
                    "summary": "Return all buckets",
                    "parameters": [
                        group_id,
                        {"name": "itemsPerPage", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                        {"name": "state", "in": "query", "schema": {"$ref": "#/components/schemas/State"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {V1: {"schema": {"$ref": "#/components/schemas/PaginatedBuckets"}}},
                        },
                        "401": {"$ref": "#/components/responses/unauthorized"},
                    },
                },
                "post": {
                    "operationId": "createGroupBucket",
                    "tags": ["Buckets"],
                    "summary": "Create one bucket",
                    "parameters": [group_id],
                    "requestBody": {
                        "required": True,
                        "content": {V1: {"schema": {"$ref": "#/components/schemas/BucketRequest"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {V1: {"schema": {"$ref": "#/components/schemas/Bucket"}}},
                        }
                    },
                },
            },
            BUCKET: {
                "get": {
                    "operationId": "getGroupBucket",
                    "tags": ["Buckets"],
                    "summary": "Return one bucket",
                    "parameters": [
                        group_id,
                        {"name": "bucketId", "in": "path", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {V1: {"schema": {"$ref": "#/components/schemas/Bucket"}}},
                        }
                    },
                },
            },
        },
        "components": {
            "parameters": {
                "groupId": {"name": "groupId", "in": "path", "required": True, "schema": {"type": "string"}},
            },
            "responses": {"unauthorized": {"description": "Unauthorized"}},
            "schemas": {
                "State": {"type": "string", "enum": ["ACTIVE", "DELETING"]},
                "PaginatedBuckets": {
                    "type": "object",
                    "properties": {
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Bucket"}},
                        "totalCount": {"type": "integer", "format": "int32"},
                    },
                },
                "Bucket": {
                    "type": "object",
                    "required": ["_id", "bucketName"],
                    "properties": {
                        "_id": {"type": "string", "readOnly": True},
                        "bucketName": {"type": "string"},
                        "state": {"$ref": "#/components/schemas/State"},
                        "createdAt": {"type": "string", "format": "date-time"},
                        "location": {"$ref": "#/components/schemas/Location"},
                        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "BucketRequest": {
                    "type": "object",
                    "required": ["bucketName"],
                    "properties": {
                        "_id": {"type": "string", "readOnly": True},
                        "bucketName": {"type": "string"},
                        "state": {"$ref": "#/components/schemas/State"},
                        "location": {"$ref": "#/components/schemas/Location"},
                    },
                },
                "Location": {
                    "type": "object",
                    "discriminator": {
                        "propertyName": "provider",
                        "mapping": {
                            "AWS": "#/components/schemas/AwsLocation",
                            "GCP": "#/components/schemas/GcpLocation",
                        },
                    },
                    "properties": {"provider": {"type": "string", "enum": ["AWS", "GCP"]}},
                    "required": ["provider"],
                },
                "AwsLocation": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Location"},
                        {"type": "object", "properties": {"region": {"type": "string"}}},
                    ]
                },
                "GcpLocation": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Location"},
                        {"type": "object", "properties": {"zone": {"type": "string"}}},
                    ]
                },
            },
        },
    }


def run(mutate) -> spec_diff.SpecDiff:  # type: ignore[no-untyped-def]
    old = base_spec()
    new = copy.deepcopy(old)
    mutate(new)
    return spec_diff.diff(old, new, "old", "new")


def entries(result: spec_diff.SpecDiff) -> list[tuple[str, str, bool]]:
    """(operation label, change text, breaking) for every change."""
    return [(op.label, change.text, change.breaking) for op, change in result.all_changes()]


def only(result: spec_diff.SpecDiff) -> tuple[str, str, bool]:
    found = entries(result)
    assert len(found) == 1, found
    return found[0]


S = "components"


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc[S]["schemas"]


def test_identical_documents_have_no_changes() -> None:
    result = run(lambda new: None)
    assert entries(result) == []
    assert result.breaking == []
    assert "0 breaking changes" in result.summary()


# --- operations ------------------------------------------------------------------------------------------


def test_operation_added_is_not_breaking() -> None:
    def mutate(new: dict[str, Any]) -> None:
        new["paths"][BUCKET]["delete"] = {
            "operationId": "deleteGroupBucket",
            "tags": ["Buckets"],
            "summary": "Remove one bucket",
            "responses": {"204": {"description": "No Content"}},
        }

    result = run(mutate)
    assert [op.name for op in result.added] == ["deleteGroupBucket"]
    assert only(result) == (f"DELETE {BUCKET}", "operation added", False)


def test_operation_removed_is_breaking() -> None:
    result = run(lambda new: new["paths"].pop(BUCKET))
    assert [op.name for op in result.removed] == ["getGroupBucket"]
    assert only(result) == (f"GET {BUCKET}", "operation removed", True)


def test_operation_deprecated_is_not_breaking() -> None:
    result = run(lambda new: new["paths"][BUCKET]["get"].update(deprecated=True))
    assert [op.name for op in result.deprecated] == ["getGroupBucket"]
    assert only(result) == (f"GET {BUCKET}", "deprecated", False)


def test_sunset_given_and_moved() -> None:
    def give(new: dict[str, Any]) -> None:
        new["paths"][BUCKET]["get"]["responses"]["200"]["content"][V1]["x-sunset"] = "2027-01-01"

    result = run(give)
    assert only(result) == (f"GET {BUCKET}", f"`{V1}` sunset on 2027-01-01", False)
    assert result.sunsets[0][4] is True  # the SDK's own version

    old = base_spec()
    give(old)
    new = copy.deepcopy(old)
    new["paths"][BUCKET]["get"]["responses"]["200"]["content"][V1]["x-sunset"] = "2027-07-01"
    moved = spec_diff.diff(old, new)
    assert only(moved) == (f"GET {BUCKET}", f"`{V1}` sunset moved 2027-01-01 → 2027-07-01", False)


def test_official_name_change_at_same_method_and_path_is_a_rename_not_a_removal() -> None:
    def mutate(new: dict[str, Any]) -> None:
        new["paths"][BUCKETS]["get"]["x-xgen-operation-id-override"] = "listExportBuckets"
        new["paths"][BUCKETS]["get"]["operationId"] = "listGroupBackupExportBuckets"

    result = run(mutate)
    assert result.added == [] and result.removed == []
    ((old, new),) = result.renamed
    assert (old.name, new.name) == ("listBuckets", "listExportBuckets")
    assert only(result) == (f"GET {BUCKETS}", "official name `listBuckets` → `listExportBuckets`", False)


def test_path_parameter_renamed_matches_the_operation_and_breaks_keyword_callers() -> None:
    def mutate(new: dict[str, Any]) -> None:
        item = new["paths"].pop(BUCKET)
        item["get"]["parameters"][1]["name"] = "exportBucketId"
        new["paths"]["/api/atlas/v2/groups/{groupId}/buckets/{exportBucketId}"] = item

    result = run(mutate)
    assert result.added == [] and result.removed == []
    _label, text, breaking = only(result)
    assert text == "path parameter `bucketId` renamed `exportBucketId`" and breaking


# --- media-type versions ---------------------------------------------------------------------------------


def test_new_version_added_and_the_sdk_moves_to_it_fields_compared_on_it() -> None:
    def mutate(new: dict[str, Any]) -> None:
        content = new["paths"][BUCKET]["get"]["responses"]["200"]["content"]
        schemas(new)["Bucket2"] = copy.deepcopy(schemas(new)["Bucket"])
        schemas(new)["Bucket2"]["properties"]["sizeGB"] = {"type": "number"}
        content[V2] = {"schema": {"$ref": "#/components/schemas/Bucket2"}}

    found = entries(run(mutate))
    assert (f"GET {BUCKET}", f"media-type version `{V2}` added", False) in found
    assert (f"GET {BUCKET}", f"the SDK moves from `{V1}` to `{V2}`", False) in found
    assert (f"GET {BUCKET}", "response 200 `sizeGB` added", False) in found
    assert len(found) == 3, found


def test_removed_version_breaks_only_when_the_sdk_used_it() -> None:
    def two_versions(doc: dict[str, Any]) -> None:
        content = doc["paths"][BUCKET]["get"]["responses"]["200"]["content"]
        content[V2] = copy.deepcopy(content[V1])

    old = base_spec()
    two_versions(old)
    drop_old = copy.deepcopy(old)
    del drop_old["paths"][BUCKET]["get"]["responses"]["200"]["content"][V1]
    assert only(spec_diff.diff(old, drop_old)) == (f"GET {BUCKET}", f"media-type version `{V1}` removed", False)

    drop_sdk = copy.deepcopy(old)
    del drop_sdk["paths"][BUCKET]["get"]["responses"]["200"]["content"][V2]
    assert only(spec_diff.diff(old, drop_sdk)) == (
        f"GET {BUCKET}",
        f"media-type version `{V2}` removed (the SDK used it)",
        True,
    )


# --- request fields --------------------------------------------------------------------------------------


def test_request_field_added_optional_is_not_breaking_required_is() -> None:
    def optional(new: dict[str, Any]) -> None:
        schemas(new)["BucketRequest"]["properties"]["encrypted"] = {"type": "boolean"}

    assert only(run(optional)) == (f"POST {BUCKETS}", "request body `encrypted` added", False)

    def required(new: dict[str, Any]) -> None:
        optional(new)
        schemas(new)["BucketRequest"]["required"].append("encrypted")

    assert only(run(required)) == (f"POST {BUCKETS}", "request body `encrypted` added (required)", True)


def test_request_field_removed_is_breaking() -> None:
    result = run(lambda new: schemas(new)["BucketRequest"]["properties"].pop("state"))
    assert only(result) == (f"POST {BUCKETS}", "request body `state` removed", True)


def test_request_field_becoming_required_is_breaking_and_optional_is_not() -> None:
    result = run(lambda new: schemas(new)["BucketRequest"]["required"].append("state"))
    assert only(result) == (f"POST {BUCKETS}", "request body `state` now required", True)
    result = run(lambda new: schemas(new)["BucketRequest"].update(required=[]))
    assert only(result) == (f"POST {BUCKETS}", "request body `bucketName` now optional", False)


def test_read_only_fields_are_not_request_fields() -> None:
    result = run(lambda new: schemas(new)["BucketRequest"]["properties"].pop("_id"))
    assert entries(result) == []


def test_new_required_body() -> None:
    def mutate(new: dict[str, Any]) -> None:
        new["paths"][BUCKET]["get"]["requestBody"] = {
            "required": True,
            "content": {V1: {"schema": {"$ref": "#/components/schemas/BucketRequest"}}},
        }

    assert only(run(mutate)) == (f"GET {BUCKET}", "request body added", True)


# --- response fields: nested paths through $ref, arrays, maps, allOf and discriminator variants -----------


def test_response_field_added_is_not_breaking_with_nested_paths() -> None:
    result = run(lambda new: schemas(new)["GcpLocation"]["allOf"][1]["properties"].update(project={"type": "string"}))
    found = entries(result)
    # Through Bucket.location (a discriminated union; GcpLocation is allOf[Location, ...]), in both operations
    # that return a Bucket, through the list's results[] array, and in the request body.
    assert (f"GET {BUCKETS}", "response 200 `results[].location<GcpLocation>.project` added", False) in found
    assert (f"GET {BUCKET}", "response 200 `location<GcpLocation>.project` added", False) in found
    assert (f"POST {BUCKETS}", "request body `location<GcpLocation>.project` added", False) in found
    assert (f"POST {BUCKETS}", "response 200 `location<GcpLocation>.project` added", False) in found
    assert len(found) == 4, found


def test_response_field_removed_is_breaking_and_reported_once_at_its_top() -> None:
    result = run(lambda new: schemas(new)["Bucket"]["properties"].pop("location"))
    found = entries(result)
    assert (f"GET {BUCKET}", "response 200 `location` removed", True) in found
    assert not any("location<" in text or "location." in text for _, text, _ in found), found


def test_response_field_becoming_optional_is_breaking_required_is_not() -> None:
    result = run(lambda new: schemas(new)["Bucket"].update(required=["_id"]))
    assert (f"GET {BUCKET}", "response 200 `bucketName` now optional", True) in entries(result)
    result = run(lambda new: schemas(new)["Bucket"]["required"].append("state"))
    assert (f"GET {BUCKET}", "response 200 `state` now required", False) in entries(result)


def test_map_values_have_their_own_path() -> None:
    result = run(
        lambda new: schemas(new)["Bucket"]["properties"]["tags"].update(additionalProperties={"type": "integer"})
    )
    assert (f"GET {BUCKET}", "response 200 `tags{}` type str → int", True) in entries(result)


# --- types -----------------------------------------------------------------------------------------------


def test_type_change_is_breaking_format_only_change_is_not_reported() -> None:
    result = run(lambda new: schemas(new)["Bucket"]["properties"]["createdAt"].update(format="date"))
    assert (f"GET {BUCKET}", "response 200 `createdAt` type datetime → date", True) in entries(result)
    result = run(lambda new: schemas(new)["PaginatedBuckets"]["properties"]["totalCount"].update(format="int64"))
    assert entries(result) == []


def test_nullable_in_a_response_is_breaking() -> None:
    result = run(lambda new: schemas(new)["Bucket"]["properties"]["bucketName"].update(nullable=True))
    found = entries(result)
    assert (f"GET {BUCKET}", "response 200 `bucketName` nullable added", True) in found
    assert (f"POST {BUCKETS}", "response 200 `bucketName` nullable added", True) in found


def test_query_parameter_type_change_is_breaking() -> None:
    def mutate(new: dict[str, Any]) -> None:
        new["paths"][BUCKETS]["get"]["parameters"][1]["schema"] = {"type": "string"}

    assert only(run(mutate)) == (f"GET {BUCKETS}", "query parameter `itemsPerPage` type int → str", True)


# --- enums and unions ------------------------------------------------------------------------------------


def test_enum_value_added_is_not_breaking() -> None:
    result = run(lambda new: schemas(new)["State"]["enum"].append("PAUSED"))
    found = entries(result)
    assert (f"GET {BUCKETS}", "query parameter `state` enum values added: `PAUSED`", False) in found
    assert (f"GET {BUCKET}", "response 200 `state` enum values added: `PAUSED`", False) in found
    assert (f"POST {BUCKETS}", "request body `state` enum values added: `PAUSED`", False) in found


def test_enum_value_removed_is_breaking() -> None:
    result = run(lambda new: schemas(new)["State"]["enum"].remove("DELETING"))
    found = entries(result)
    assert (f"POST {BUCKETS}", "request body `state` enum values removed: `DELETING`", True) in found
    assert (f"GET {BUCKET}", "response 200 `state` enum values removed: `DELETING`", True) in found


def test_a_one_of_of_inline_enums_is_compared_as_one_enum() -> None:
    def event_types(doc: dict[str, Any], extra: list[str]) -> None:
        schemas(doc)["State"] = {
            "oneOf": [
                {"title": "Alerts", "type": "string", "enum": ["ALERT_OPENED"]},
                {"title": "Users", "type": "string", "enum": ["USER_JOINED", *extra]},
            ]
        }

    old, new = base_spec(), base_spec()
    event_types(old, [])
    event_types(new, ["USER_LEFT"])
    found = entries(spec_diff.diff(old, new))
    assert (f"GET {BUCKETS}", "query parameter `state` enum values added: `USER_LEFT`", False) in found


def test_union_variant_added_is_not_breaking_removed_is() -> None:
    def add(new: dict[str, Any]) -> None:
        schemas(new)["AzureLocation"] = {
            "allOf": [{"$ref": "#/components/schemas/Location"}, {"properties": {"container": {"type": "string"}}}]
        }
        schemas(new)["Location"]["discriminator"]["mapping"]["AZURE"] = "#/components/schemas/AzureLocation"

    found = entries(run(add))
    assert (f"GET {BUCKET}", "response 200 `location` union variants added: `AzureLocation`", False) in found
    assert (f"POST {BUCKETS}", "request body `location` union variants added: `AzureLocation`", False) in found
    assert not any("container" in text for _, text, _ in found), "a new variant's fields are not listed one by one"

    found = entries(run(lambda new: schemas(new)["Location"]["discriminator"]["mapping"].pop("GCP")))
    assert (f"POST {BUCKETS}", "request body `location` union variants removed: `GcpLocation`", True) in found


def test_a_discriminator_added_over_the_same_members_is_no_change() -> None:
    def one_of(doc: dict[str, Any]) -> None:
        location = schemas(doc)["Location"]
        location["oneOf"] = [{"$ref": f"#/components/schemas/{n}"} for n in ("AwsLocation", "GcpLocation")]
        del location["discriminator"]

    old = base_spec()
    one_of(old)
    new = copy.deepcopy(old)
    schemas(new)["Location"]["discriminator"] = copy.deepcopy(schemas(base_spec())["Location"]["discriminator"])
    assert entries(spec_diff.diff(old, new)) == []


def test_recursive_schemas_terminate() -> None:
    def mutate(new: dict[str, Any]) -> None:
        schemas(new)["Bucket"]["properties"]["children"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Bucket"},
        }

    found = entries(run(mutate))
    assert (f"GET {BUCKET}", "response 200 `children` added", False) in found


# --- parameters ------------------------------------------------------------------------------------------


def test_parameters_added_removed_required_deprecated() -> None:
    def add_optional(new: dict[str, Any]) -> None:
        new["paths"][BUCKETS]["get"]["parameters"].append(
            {"name": "pretty", "in": "query", "schema": {"type": "boolean"}}
        )

    assert only(run(add_optional)) == (f"GET {BUCKETS}", "query parameter `pretty` added", False)

    def add_required(new: dict[str, Any]) -> None:
        param = {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}}
        new["paths"][BUCKETS]["get"]["parameters"].append(param)

    assert only(run(add_required)) == (f"GET {BUCKETS}", "query parameter `region` added (required)", True)
    result = run(lambda new: new["paths"][BUCKETS]["get"]["parameters"].pop(1))
    assert only(result) == (f"GET {BUCKETS}", "query parameter `itemsPerPage` removed", True)
    result = run(lambda new: new["paths"][BUCKETS]["get"]["parameters"][1].update(required=True))
    assert only(result) == (f"GET {BUCKETS}", "query parameter `itemsPerPage` now required", True)
    result = run(lambda new: new["paths"][BUCKETS]["get"]["parameters"][1].update(deprecated=True))
    assert only(result) == (f"GET {BUCKETS}", "query parameter `itemsPerPage` deprecated", False)


def test_field_deprecated_is_not_breaking() -> None:
    result = run(lambda new: schemas(new)["PaginatedBuckets"]["properties"]["totalCount"].update(deprecated=True))
    assert only(result) == (f"GET {BUCKETS}", "response 200 `totalCount` deprecated", False)


# --- the report and the command --------------------------------------------------------------------------


def test_markdown_section_marks_breaking_entries_and_summarises() -> None:
    def mutate(new: dict[str, Any]) -> None:
        new["paths"].pop(BUCKET)
        schemas(new)["State"]["enum"].append("PAUSED")

    text = spec_diff.render_markdown(run(mutate), title="2026-06-23: old → new")
    assert text.startswith("## 2026-06-23: old → new\n")
    assert "**Summary:** old → new: 3 → 2 operations, 0 added, 1 removed" in text
    assert "### Breaking changes (1)" in text
    assert f"- **BREAKING** `GET {BUCKET}` `getGroupBucket` (`Buckets`): operation removed." in text
    assert "- non-breaking: query parameter `state` enum values added: `PAUSED`" in text


def test_facade_names_shown_when_given() -> None:
    result = run(lambda new: new["paths"].pop(BUCKET))
    text = spec_diff.render_markdown(result, names={("GET", BUCKET): "get_bucket"})
    assert "`get_bucket` (`Buckets`): operation removed" in text


def write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "openapi" / "spec_diff.py"), *args], capture_output=True, text=True, check=False
    )


def test_command_exits_1_on_breaking_changes_unless_allowed(tmp_path: Path) -> None:
    old = write(tmp_path, "atlas-api-2026-01-01.yaml", base_spec())
    changed = base_spec()
    changed["paths"].pop(BUCKET)
    new = write(tmp_path, "atlas-api-2026-02-01.yaml", changed)
    refused = cli(str(old), str(new))
    assert refused.returncode == 1
    assert "## " in refused.stdout and "atlas-api-2026-01-01 → atlas-api-2026-02-01" in refused.stdout
    assert "1 breaking change" in refused.stderr
    allowed = cli(str(old), str(new), "--allow-breaking", "--markdown", str(tmp_path / "out.md"))
    assert allowed.returncode == 0
    assert "operation removed" in (tmp_path / "out.md").read_text(encoding="utf-8")
    same = cli(str(old), str(old))
    assert same.returncode == 0 and "0 breaking changes" in same.stderr


@pytest.mark.parametrize("content", ["paths: [unclosed", "just a string", None])
def test_command_rejects_what_is_not_a_document(tmp_path: Path, content: str | None) -> None:
    good = write(tmp_path, "good.yaml", base_spec())
    bad = tmp_path / "bad.yaml"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    result = cli(str(good), str(bad))
    assert result.returncode == 2
    assert "spec_diff:" in result.stderr and "Traceback" not in result.stderr
