"""Schema-synthesized answers and the spec's patterns (FakeAtlas's _synthesis and _patterns)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from atlas_admin.testing._patterns import compile_pattern, matches, sample_for
from atlas_admin.testing._spec import Spec


@pytest.mark.parametrize(
    "pattern",
    [
        "^([a-f0-9]{24})$",
        "^[a-zA-Z0-9][a-zA-Z0-9-]*$",
        "^mdb_sa_id_[a-fA-F\\d]{24}$",
        "^vpce-[0-9a-f]{17}$",
        "^([0-9]{1,3}\\.){3}[0-9]{1,3}(%2[fF][0-9]{1,3})?|([0-9a-f]{1,4}\\:){7}[0-9a-f]{1,4}(%2[fF][0-9]{1,3})?$",
        "^((25[0-5]|(2[0-4]|1\\d|[1-9]|)\\d)(\\.(?!$)|$)){4}|([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$",
        "^[\\p{L}\\p{N}\\-_.(),:&@+']{1,64}$",
        "^(?:(?<cn>CN=(?<name>[^,]*)),)?(?<domain>(?:DC=[^,]+,?)+)$",
        "^[a-z][0-9a-z-]{4,28}[0-9a-z]{1}",
    ],
)
def test_sample_matches_its_pattern(pattern: str) -> None:
    sample = sample_for(pattern)
    assert sample is not None
    compiled = compile_pattern(pattern)
    assert compiled is not None and compiled.search(sample), (pattern, sample)


def test_unicode_classes_and_named_groups_are_read() -> None:
    assert matches("^[\\p{L}\\p{N}\\-_.]{1,64}$", "Zürich-2")
    assert not matches("^[\\p{L}\\p{N}\\-_.]{1,64}$", "a/b")
    assert matches("^(?<cn>CN=[^,]*)$", "CN=x")
    assert not matches("^(?<cn>CN=[^,]*)$", "OU=x")


def test_an_unreadable_pattern_accepts_everything() -> None:
    assert compile_pattern("^[a-") is None
    assert matches("^[a-", "anything")
    assert sample_for("^[a-") is None


def test_length_bounds() -> None:
    sample = sample_for("^[a-z]+$", 5, 8)
    assert sample is not None and 5 <= len(sample) <= 8 and re.fullmatch("[a-z]+", sample)


SCHEMAS: dict[str, Any] = {
    "Provider": {
        "type": "object",
        "required": ["providerName"],
        "discriminator": {
            "propertyName": "providerName",
            "mapping": {"GCP": "#/components/schemas/Gcp", "AWS": "#/components/schemas/Aws"},
        },
        "oneOf": [{"$ref": "#/components/schemas/Aws"}, {"$ref": "#/components/schemas/Gcp"}],
        "properties": {"providerName": {"type": "string"}},
    },
    "Aws": {
        "type": "object",
        "required": ["roleArn"],
        "properties": {"providerName": {"type": "string"}, "roleArn": {"type": "string", "pattern": "^arn:aws:"}},
    },
    "Gcp": {
        "type": "object",
        "required": ["serviceAccount", "region"],
        "properties": {
            "providerName": {"type": "string"},
            "serviceAccount": {"type": "string", "format": "email"},
            "region": {"type": "string", "enum": ["US_CENTRAL", "EUROPE_WEST"]},
        },
    },
    "Cluster": {
        "type": "object",
        "required": ["name", "diskSizeGB"],
        "properties": {
            "id": {"type": "string", "readOnly": True, "pattern": "^([a-f0-9]{24})$"},
            "name": {"type": "string", "pattern": "^[a-zA-Z0-9][a-zA-Z0-9-]*$", "maxLength": 64},
            "diskSizeGB": {"type": "number", "minimum": 10, "maximum": 4096},
            "created": {"type": "string", "format": "date-time", "readOnly": True},
            "password": {"type": "string", "writeOnly": True, "minLength": 8},
            "nodes": {"type": "integer", "minimum": 3, "exclusiveMinimum": True},
            "tags": {"type": "array", "minItems": 2, "items": {"type": "string"}},
            "provider": {"$ref": "#/components/schemas/Provider"},
            "parent": {"$ref": "#/components/schemas/Cluster"},
        },
    },
}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec({"openapi": "3.0.1", "info": {}, "paths": {}, "components": {"schemas": SCHEMAS}})


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_discriminator_picks_the_first_mapping_entry(spec: Spec) -> None:
    value = spec.synthesizer.value(_ref("Provider"))
    assert value["providerName"] == "GCP"
    assert value["region"] == "US_CENTRAL"
    assert value["serviceAccount"] == "user@example.com"
    assert spec.schema_validator(_ref("Provider")).is_valid(value)


def test_answer_and_request_shapes(spec: Spec) -> None:
    answer = spec.synthesizer.value(_ref("Cluster"))
    request = spec.synthesizer.value(_ref("Cluster"), for_request=True)
    assert spec.schema_validator(_ref("Cluster")).is_valid(answer)
    assert spec.schema_validator(_ref("Cluster")).is_valid(request)
    assert "password" not in answer and "id" in answer and answer["created"] == "2024-01-01T00:00:00Z"
    assert "id" not in request and "created" not in request and len(request["password"]) >= 8
    assert answer["diskSizeGB"] == 10.0 and answer["nodes"] == 4 and len(answer["tags"]) == 2
    assert "parent" not in answer  # a schema that contains itself is not followed


def test_synthesis_is_deterministic_and_not_shared(spec: Spec) -> None:
    first = spec.synthesizer.value(_ref("Cluster"))
    first["name"] = "changed"
    assert spec.synthesizer.value(_ref("Cluster"))["name"] != "changed"
    assert spec.synthesizer.value(_ref("Cluster")) == spec.synthesizer.value(_ref("Cluster"))
