"""Discriminated oneOf unions in the generated package (issue #6), checked over every union in the spec.

`atlas_admin_api._operations.UNIONS` lists each union: its discriminator property and, per value, the variant
component. Union parse functions are generated inline (inside a model's from_dict or an endpoint's
_parse_response), so a union is parsed through a "carrier": a model with a field (or a list field) of that union,
or an operation whose response body is the union.
"""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from atlas_admin_api import models
from atlas_admin_api._operations import OPERATIONS, UNIONS
from atlas_admin_api.types import Deviation, DiscriminatorError, UnknownVariant, find_deviations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_python_client.strings import snake_case  # the generator's own naming of fields

REF = "#/components/schemas/"
JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref[len(REF) :] if isinstance(ref, str) and ref.startswith(REF) else None


def _minimal(doc: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """The smallest JSON value valid for a schema that also round-trips through the generated classes."""
    schemas = doc["components"]["schemas"]
    name = _ref_name(schema)
    if name is not None:
        if name in UNIONS:
            _, variant = UNIONS[name].mapping[0]
            return _minimal(doc, {"$ref": REF + variant}, depth)
        return _minimal(doc, schemas[name], depth)
    if "oneOf" in schema or "anyOf" in schema:
        return _minimal(doc, (schema.get("oneOf") or schema["anyOf"])[0], depth)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_minimal(doc, part, depth))
        return merged
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "string":
        return {
            "date-time": "2024-01-02T03:04:05Z",
            "date": "2024-01-02",
            "uuid": "12345678-1234-5678-1234-567812345678",
        }.get(schema.get("format", ""), "x" * max(schema.get("minLength", 1), 1))
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    properties = schema.get("properties", {})
    return {key: _minimal(doc, properties[key], depth + 1) for key in schema.get("required", []) if key in properties}


def _model_class(component: str) -> Any:
    return getattr(models, component)


class Carrier:
    """Parses one union payload through generated code and gives the parsed value back (and serializes it)."""

    def __init__(
        self,
        parse: Callable[[Any], Any],
        dump: Callable[[Any], Any],
        where: str,
        deviations: Callable[[Any], list[Deviation]] | None = None,
    ) -> None:
        self.parse = parse
        self.dump = dump
        self.where = where
        # A model field (not a response body): what the model recorded as differing from the spec (issue #13).
        self.deviations = deviations


def _model_carrier(doc: dict[str, Any], component: str, field: str, python_field: str, is_list: bool) -> Carrier:
    schema = doc["components"]["schemas"][component]
    cls = _model_class(component)
    base = {k: v for k, v in _minimal(doc, schema).items() if k != field}

    def wrap(payload: Any) -> dict[str, Any]:
        return {**copy.deepcopy(base), field: [payload] if is_list else payload}

    def parse(payload: Any) -> Any:
        value = getattr(cls.from_dict(wrap(payload)), python_field)
        return value[0] if is_list else value

    def dump(payload: Any) -> Any:
        out = cls.from_dict(wrap(payload)).to_dict()[field]
        return out[0] if is_list else out

    def deviations(payload: Any) -> list[Deviation]:
        return find_deviations(cls.from_dict(wrap(payload)))

    return Carrier(parse, dump, f"{component}.{field}{'[]' if is_list else ''}", deviations)


def _python_field(component: str, field: str) -> str | None:
    fields = _model_class(component).__attrs_attrs__
    doc_names = {f.name for f in fields}
    candidate = snake_case(field)
    for name in (candidate, candidate + "_"):
        if name in doc_names:
            return name
    return None


def _response_carrier(operation_id: str, status: str) -> Carrier:
    module = None
    api = importlib.import_module("atlas_admin_api.api")
    for info in pkgutil.walk_packages(api.__path__, "atlas_admin_api.api."):
        if info.name.endswith("." + operation_id):
            module = importlib.import_module(info.name)
            break
    assert module is not None, operation_id

    class _Client:
        raise_on_unexpected_status = True

    def parse(payload: Any) -> Any:
        response = httpx.Response(int(status), json=payload)
        return module._parse_response(client=_Client(), response=response)

    return Carrier(parse, lambda payload: parse(payload).to_dict(), f"{operation_id} -> {status}")


def carriers(doc: dict[str, Any], union: str) -> Iterator[Carrier]:
    """Every place the generated code parses this union: model fields, list items, response bodies."""
    for component, schema in doc["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            is_list = prop.get("type") == "array"
            if _ref_name(prop.get("items", {}) if is_list else prop) != union:
                continue
            python_field = _python_field(component, field)
            if python_field is not None:
                yield _model_carrier(doc, component, field, python_field, is_list)
    by_id = {op.operation_id: name for name, op in OPERATIONS.items()}
    for path_item in doc["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    if _ref_name(media.get("schema", {})) == union and status.isdigit():
                        yield _response_carrier(by_id.get(operation["operationId"], operation["operationId"]), status)


def carrier(doc: dict[str, Any], union: str) -> Carrier:
    found = next(carriers(doc, union), None)
    if found is None:
        pytest.skip(f"{union} is not used in a parsed position")
    return found


def multi(union: str) -> bool:
    """Unions with one variant are collapsed by the generator into that variant's class (no dispatch)."""
    return len({variant for _value, variant in UNIONS[union].mapping}) > 1


def _enum_values(doc: dict[str, Any], variant: str, prop: str) -> list[str]:
    schema = doc["components"]["schemas"][variant]
    return list(schema["properties"][prop].get("enum") or [])


UNION_VALUES = [(name, value, variant) for name, union in UNIONS.items() for value, variant in union.mapping]
MULTI = [name for name in UNIONS if multi(name)]


def test_spec_has_unions() -> None:
    assert UNIONS, "the spec declares discriminated unions"
    assert MULTI


@pytest.mark.parametrize(("union", "value", "variant"), UNION_VALUES, ids=[f"{u}-{v}" for u, v, _ in UNION_VALUES])
def test_each_mapping_value_parses_to_its_variant(
    openapi_doc: dict[str, Any], union: str, value: str, variant: str
) -> None:
    payload = _minimal(openapi_doc, {"$ref": REF + variant})
    # A variant may own several values (the official document maps 160 metric names to a few threshold shapes):
    # the minimal payload names its first; each of them must reach this variant.
    assert value in _enum_values(openapi_doc, variant, UNIONS[union].property_name)
    payload[UNIONS[union].property_name] = value
    for place in carriers(openapi_doc, union):
        parsed = place.parse(copy.deepcopy(payload))
        assert type(parsed) is _model_class(variant), place.where
        assert place.dump(copy.deepcopy(payload)) == payload, place.where
    # Every variant class on its own round-trips too.
    assert _model_class(variant).from_dict(payload).to_dict() == payload


@pytest.mark.parametrize("union", MULTI)
def test_unknown_discriminator_value_is_unknown_variant(openapi_doc: dict[str, Any], union: str) -> None:
    prop = UNIONS[union].property_name
    payload = {**_minimal(openapi_doc, {"$ref": REF + UNIONS[union].mapping[0][1]}), prop: "NOT_IN_THE_SPEC"}
    for place in carriers(openapi_doc, union):
        parsed = place.parse(copy.deepcopy(payload))
        assert isinstance(parsed, UnknownVariant), place.where
        assert parsed.discriminator == "NOT_IN_THE_SPEC"
        assert parsed.raw == payload
        assert place.dump(copy.deepcopy(payload)) == payload, place.where


@pytest.mark.parametrize("union", MULTI)
@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p, prop: {k: v for k, v in p.items() if k != prop}, "missing"),
        (lambda p, prop: {**p, prop: 3}, "expected a string"),
        (lambda p, prop: {**p, prop: None}, "expected a string"),
        (lambda p, prop: [p], "expected a JSON object"),
        (lambda p, prop: "AWS", "expected a JSON object"),
    ],
    ids=["missing", "int", "null", "list", "string"],
)
def test_bad_discriminator_raises_naming_the_property(
    openapi_doc: dict[str, Any], union: str, mutate: Callable[[Any, str], Any], reason: str
) -> None:
    prop = UNIONS[union].property_name
    payload = mutate(_minimal(openapi_doc, {"$ref": REF + UNIONS[union].mapping[0][1]}), prop)
    for place in carriers(openapi_doc, union):
        if place.deviations is not None:
            continue  # inside a model: kept as received (next test)
        with pytest.raises(DiscriminatorError) as caught:
            place.parse(copy.deepcopy(payload))
        error = caught.value
        assert error.property_name == prop
        assert prop in str(error) and reason in str(error), place.where
        assert error.path.endswith(prop)
        assert isinstance(error, ValueError) and isinstance(error, TypeError)
        assert not isinstance(error, KeyError)


@pytest.mark.parametrize("union", MULTI)
@pytest.mark.parametrize(
    ("mutate", "received"),
    [
        (lambda p, prop: {k: v for k, v in p.items() if k != prop}, "missing"),
        (lambda p, prop: {**p, prop: 3}, "integer"),
        (lambda p, prop: {**p, prop: None}, "null"),
        (lambda p, prop: [p], "array"),
        (lambda p, prop: "AWS", "string"),
    ],
    ids=["missing", "int", "null", "list", "string"],
)
def test_bad_discriminator_inside_a_model_is_kept_and_recorded(
    openapi_doc: dict[str, Any], union: str, mutate: Callable[[Any, str], Any], received: str
) -> None:
    """Issue #13: below the top level, a union payload without a usable discriminator is kept as received."""
    prop = UNIONS[union].property_name
    payload = mutate(_minimal(openapi_doc, {"$ref": REF + UNIONS[union].mapping[0][1]}), prop)
    for place in carriers(openapi_doc, union):
        if place.deviations is None:
            continue
        parsed = place.parse(copy.deepcopy(payload))
        if isinstance(payload, dict):
            # Still one of the union: an object whose variant cannot be told.
            assert isinstance(parsed, UnknownVariant) and parsed.discriminator is None, place.where
            assert parsed.raw == payload
        else:
            assert parsed == payload, place.where
        assert place.dump(copy.deepcopy(payload)) == payload, place.where
        [deviation] = place.deviations(copy.deepcopy(payload))
        assert deviation.received == received, place.where
        if isinstance(payload, dict):
            assert deviation.path.endswith("." + prop), deviation


def _variant_enum_fields(doc: dict[str, Any], variant: str, discriminator: str) -> list[str]:
    props = doc["components"]["schemas"][variant].get("properties", {})
    return [k for k, p in props.items() if k != discriminator and "enum" in p and p.get("type") == "string"]


@pytest.mark.parametrize("union", list(UNIONS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_unknown_values_and_extra_fields(
    openapi_doc: dict[str, Any], union: str, data: st.DataObject
) -> None:
    """Unknown discriminator values, unknown enum values and extra fields all parse and round-trip unchanged."""
    spec = UNIONS[union]
    prop = spec.property_name
    _, variant = data.draw(st.sampled_from(spec.mapping))
    payload = _minimal(openapi_doc, {"$ref": REF + variant})
    known = set(openapi_doc["components"]["schemas"][variant].get("properties", {}))
    for _, other in spec.mapping:
        known |= set(openapi_doc["components"]["schemas"][other].get("properties", {}))
    extra = data.draw(st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in known), JSON_VALUES))
    payload.update(extra)
    for field in _variant_enum_fields(openapi_doc, variant, prop):
        if data.draw(st.booleans()):
            payload[field] = data.draw(st.text(min_size=1, max_size=10))
    unknown = multi(union) and data.draw(st.booleans())
    if unknown:
        payload[prop] = data.draw(st.text(max_size=10).filter(lambda v: v not in dict(spec.mapping)))
    place = carrier(openapi_doc, union)
    parsed = place.parse(copy.deepcopy(payload))
    if unknown:
        assert isinstance(parsed, UnknownVariant)
        assert UnknownVariant.from_dict(parsed.to_dict(), prop) == parsed
    else:
        assert type(parsed) is _model_class(variant)
    assert parsed.to_dict() == payload
    assert place.dump(copy.deepcopy(payload)) == payload


def test_request_variants_label_themselves(openapi_doc: dict[str, Any]) -> None:
    """A single-value enum field defaults to its value: variants are built without naming the discriminator.

    (A variant owning several values has no default: the caller names which.)"""
    for name, union in UNIONS.items():
        for value, variant in union.mapping:
            if len(_enum_values(openapi_doc, variant, union.property_name)) > 1:
                continue
            cls = _model_class(variant)
            field = next(f for f in cls.__attrs_attrs__ if f.name == _python_field(variant, union.property_name))
            assert field.default is not None and str(field.default) == value, (name, variant)
    from atlas_admin_api.models import ExportBucketRequestAWS

    bucket = ExportBucketRequestAWS(bucket_name="snapshots", iam_role_id="32b6e34b3d91647abb20e7b8")
    assert bucket.to_dict()["cloudProvider"] == "AWS"


def _examples(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every documented example in requests and responses."""
    for path, path_item in doc["paths"].items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict):
                continue
            media_types = [
                (f"{method} {path} request", m) for m in operation.get("requestBody", {}).get("content", {}).values()
            ]
            for status, response in operation.get("responses", {}).items():
                media_types += [(f"{method} {path} {status}", m) for m in response.get("content", {}).values()]
            for where, media in media_types:
                if "example" in media:
                    yield where, media.get("schema", {}), media["example"]
                for key, example in media.get("examples", {}).items():
                    if "value" in example:
                        yield f"{where} ({key})", media.get("schema", {}), example["value"]


def _check_unions(doc: dict[str, Any], component: str, example: Any, parsed: Any, where: str) -> int:
    """Compare the classes of union fields of a parsed model with the example's discriminator values."""
    checked = 0
    schema = doc["components"]["schemas"].get(component, {})
    for field, prop in schema.get("properties", {}).items():
        is_list = prop.get("type") == "array"
        target = _ref_name(prop.get("items", {}) if is_list else prop)
        if not isinstance(example, dict) or field not in example or target is None:
            continue
        python_field = _python_field(component, field)
        if python_field is None:
            continue
        values = example[field] if is_list else [example[field]]
        objects = getattr(parsed, python_field) if is_list else [getattr(parsed, python_field)]
        for raw, obj in zip(values, objects, strict=True):
            if target in UNIONS:
                expected = dict(UNIONS[target].mapping).get(raw.get(UNIONS[target].property_name))
                assert type(obj) is (_model_class(expected) if expected else UnknownVariant), where
                checked += 1
                target_component = expected
            else:
                target_component = target
            if target_component:
                checked += _check_unions(doc, target_component, raw, obj, where)
    return checked


def test_documented_examples_parse_to_the_right_variant(openapi_doc: dict[str, Any]) -> None:
    checked = 0
    for where, schema, example in _examples(openapi_doc):
        name = _ref_name(schema)
        if name is None or not isinstance(example, dict):
            continue
        if name in UNIONS:
            component = dict(UNIONS[name].mapping).get(example.get(UNIONS[name].property_name))
            assert component is not None, where
            place = next(carriers(openapi_doc, name), None) if multi(name) else None
            parsed = place.parse(copy.deepcopy(example)) if place else _model_class(component).from_dict(example)
            assert type(parsed) is _model_class(component), where
            checked += 1
        elif hasattr(models, name) and "properties" in openapi_doc["components"]["schemas"].get(name, {}):
            parsed = _model_class(name).from_dict(copy.deepcopy(example))
            found = _check_unions(openapi_doc, name, example, parsed, where)
            if not found:
                continue
            checked += found
        else:
            continue
        assert json.loads(json.dumps(parsed.to_dict())) == example, where
    assert checked, "the spec documents examples of union values"
    print(f"{checked} documented union values checked")


# Variants the doc pages did not show and the official document adds (issue #15): before the whole API they
# were UnknownVariants nobody could build. Each now has its class, reached by its value.
ADDED_BY_THE_OFFICIAL_DOCUMENT = [
    ("CloudProviderAccessRoleRequest", "GCP"),
    ("CloudProviderAccessRoleRequestUpdate", "GCP"),
    ("CloudProviderContainer", "AWS"),
    ("CloudProviderContainer", "GCP"),
    ("EARPrivateEndpoint", "AWS"),
    *[("DataLakeStoreSettings", v) for v in ("atlas", "azure", "dls:aws", "dls:azure", "dls:gcp", "gcs", "http")],
    ("OnlineArchiveSchedule", "MONTHLY"),
    ("OnlineArchiveSchedule", "WEEKLY"),
    ("OrgUserResponse", "INVITATION_EXPIRED"),
    ("OrgUserResponse", "INVITATION_REJECTED"),
    ("ServerlessTenantEndpoint", "AZURE"),
]


@pytest.mark.parametrize(("union", "value"), ADDED_BY_THE_OFFICIAL_DOCUMENT)
def test_variants_the_official_document_adds_have_classes(openapi_doc: dict[str, Any], union: str, value: str) -> None:
    variant = dict(UNIONS[union].mapping).get(value)
    assert variant is not None, f"{union} has no variant for {value}"
    payload = {**_minimal(openapi_doc, {"$ref": REF + variant}), UNIONS[union].property_name: value}
    built = _model_class(variant).from_dict(payload)
    assert type(built).__module__.startswith("atlas_admin_api.models.")
    assert built.to_dict() == payload
