"""openapi/merge.py on small hand-made documents: how upstream's union variants reach a documented union."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "openapi"))

import merge  # noqa: E402

REF = "#/components/schemas/"
PATH = "/api/atlas/v2/groups/{groupId}/endpoints"
MEDIA = "application/vnd.atlas.2023-01-01+json"


def _variant(provider: str, *, required: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"providerName": {"type": "string", "enum": [provider]}, "_id": {"type": "string"}},
    }
    if required:
        schema["required"] = ["providerName"]
    return schema


def _document(union: dict[str, Any], schemas: dict[str, Any], operation_id: str) -> dict[str, Any]:
    answer = {"content": {MEDIA: {"schema": {"type": "array", "items": {"$ref": REF + "Endpoint"}}}}}
    operation = {"operationId": operation_id, "tags": ["Endpoints"], "responses": {"200": answer}}
    if operation_id == "listEndpointsUpstream":
        operation["x-atlas-upstream-operation-id"] = operation_id
    return {"paths": {PATH: {"get": operation}}, "components": {"schemas": {"Endpoint": union, **schemas}}}


def _pages() -> dict[str, Any]:
    union = {
        "oneOf": [{"$ref": REF + "EndpointAWS"}],
        "discriminator": {"propertyName": "providerName", "mapping": {"AWS": REF + "EndpointAWS"}},
    }
    return _document(union, {"EndpointAWS": _variant("AWS", required=True)}, "listEndpoints")


def _upstream(*, azure_fixes_the_value: bool = True) -> dict[str, Any]:
    # Like the official ServerlessTenantEndpoint: a oneOf without a discriminator, the variants not requiring it.
    azure = _variant("AZURE", required=False)
    if not azure_fixes_the_value:
        azure["properties"]["providerName"]["enum"] = ["AZURE", "AZURE_GOV"]
    union = {"oneOf": [{"$ref": REF + "AwsEndpoint"}, {"$ref": REF + "AzureEndpoint"}]}
    schemas = {"AwsEndpoint": _variant("AWS", required=False), "AzureEndpoint": azure}
    return _document(union, schemas, "listEndpointsUpstream")


def test_upstream_variants_without_a_discriminator_are_added_by_the_pages_property() -> None:
    spec, records = merge.merge(copy.deepcopy(_pages()), _upstream(), {})
    schemas = spec["components"]["schemas"]
    union = schemas["Endpoint"]
    assert union["discriminator"]["mapping"] == {"AWS": REF + "EndpointAWS", "AZURE": REF + "AzureEndpoint"}
    assert {"$ref": REF + "AzureEndpoint"} in union["oneOf"]
    # The SDK dispatches on a discriminator only when every variant requires it (OpenAPI says they must).
    assert "providerName" in schemas["AzureEndpoint"]["required"]
    # Upstream's AWS variant is the pages' one: one class per resource, upstream's copy is not kept beside it.
    assert "AwsEndpoint" not in schemas
    decisions = {(r.where, r.aspect): r.decision for r in records}
    assert decisions[("Endpoint", "variant")] == "added from upstream"
    assert "made required" in decisions[("AzureEndpoint", "required")]


def test_without_one_value_per_variant_nothing_is_guessed() -> None:
    spec, records = merge.merge(copy.deepcopy(_pages()), _upstream(azure_fixes_the_value=False), {})
    union = spec["components"]["schemas"]["Endpoint"]
    assert union["discriminator"]["mapping"] == {"AWS": REF + "EndpointAWS"}
    assert [r.decision for r in records if r.where == "Endpoint" and r.aspect == "discriminator"] == ["pages win"]
