"""Request arguments and documented responses for every operation, read from the packaged spec.

Shared by the tests that call every operation (against httpx.MockTransport here, and against Prism in
tests/contract): one place knows how to turn the spec's examples into facade arguments.
"""

from __future__ import annotations

import datetime
import enum
import functools
import json
import re
import typing
from dataclasses import dataclass
from importlib import import_module, resources
from typing import Any
from urllib.parse import quote

import atlas_admin_api
from atlas_admin.testing._patterns import sample_for
from atlas_admin_api._operations import OPERATIONS, Operation
from atlas_admin_api.types import UnknownVariant

SPEC: dict[str, Any] = json.loads((resources.files(atlas_admin_api) / "openapi.json").read_text(encoding="utf-8"))

# One valid value per documented path pattern (used when the parameter documents no example that fits).
# A new pattern in the spec fails `path_value` loudly.
HEX24 = "32b6e34b3d91647abb20e7b8"
PATH_SAMPLES: dict[str | None, str] = {
    r"^([a-f0-9]{24})$": HEX24,
    r"^[a-fA-F0-9]{24}$": HEX24,
    r"^([a-fA-F0-9]{64})$": "ab" * 32,
    r"[0-9a-f]+": "0123abcd",
    '^[^/\\\\ "$]{1,64}$': "sample_name-1",
    r"^[a-zA-Z0-9][a-zA-Z0-9-]*$": "Cluster0",
    r"^mdb_sa_id_[a-fA-F\d]{24}$": "mdb_sa_id_32b6e34b3d91647abb20e7b8",
    r"^vpce-[0-9a-f]{17}$": "vpce-0123456789abcdef0",
    (
        r"^vpce-[0-9a-f]{17}|^%2[fF]subscriptions%2[fF][0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"%2[fF]resource[gG]roups%2[fF]([-\w._()]+)%2[fF]providers%2[fF]Microsoft\.Network%2[fF]privateEndpoints"
        r"%2[fF]([-\w._()]+)"
    ): "vpce-0123456789abcdef0",
    r"^([0-9]{1,3}\.){3}[0-9]{1,3}|([0-9a-f]{1,4}\:){7}([0-9a-f]{1,4})|(([a-z0-9]+\.){1,10}[a-z]+)?(\:[0-9]{4,5})$": (
        "cluster0-shard-00-00.abcde.mongodb.net:27017"
    ),
    r"^([0-9]{1,3}\.){3}[0-9]{1,3}|([0-9a-f]{1,4}:){7}([0-9a-f]{1,4})|(([a-z0-9]+\.){1,10}[a-z]+)?$": (
        "cluster0-shard-00-00.abcde.mongodb.net"
    ),
    (
        r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
        r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
    ): "user@example.com",
    (
        r"^([0-9]{1,3}\.){3}[0-9]{1,3}(%2[fF][0-9]{1,3})?|([0-9a-f]{1,4}\:){7}[0-9a-f]{1,4}(%2[fF][0-9]{1,3})?|"
        r"([0-9a-f]{1,4}\:){1,6}\:(%2[fF][0-9]{1,3})|(sg\-[a-f0-9]{8})?$"
    ): "192.0.2.0",
    (
        r"^([0-9]{1,3}\.){3}[0-9]{1,3}(%2[fF][0-9]{1,3})?|([0-9a-f]{1,4}\:){7}[0-9a-f]{1,4}(%2[fF][0-9]{1,3})?|"
        r"([0-9a-f]{1,4}\:){1,6}\:(%2[fF][0-9]{1,3})?$"
    ): "192.0.2.0",
    r"^([A-Z]{2})$": "US",
    None: "sample",
}
# Enum-valued path parameters (no pattern) take their first documented value.
ENUM_PATH_VALUES = {"cloudProvider": "AWS"}
# The tag directory of each generated operation module (the facade attribute is the same name, with the
# brand "mongodb" in one word).
API_DIR = resources.files(atlas_admin_api) / "api"
MODULE_TAGS: dict[str, str] = {
    module.name.removesuffix(".py"): tag.name
    for tag in API_DIR.iterdir()
    if tag.is_dir() and not tag.name.startswith("_")
    for module in tag.iterdir()
    if module.name.endswith(".py") and module.name != "__init__.py"
}


@dataclass
class OperationCase:
    key: str
    operation: Operation
    tag: str
    path_args: dict[str, str]
    query_args: dict[str, Any]
    body: Any
    request_example: Any
    status: int
    response_example: Any
    documented: bool  # one of the operations of the doc pages (verified there), not only in the official document

    @property
    def module(self) -> Any:
        return import_module(f"atlas_admin_api.api.{MODULE_TAGS[self.key]}.{self.key}")

    def call_kwargs(self) -> dict[str, Any]:
        """Everything a facade call needs: path parameters, required query parameters, the body."""
        kwargs: dict[str, Any] = {**self.path_args, **self.query_args}
        if self.body is not None:
            kwargs["body"] = self.body
        return kwargs

    @property
    def expected_path(self) -> str:
        path = self.operation.path
        for spec_name, python_name, _type, _pattern in self.operation.path_params:
            path = path.replace("{" + spec_name + "}", quote(self.path_args[python_name], safe=":@"))
        return path


def _operation_spec(op: Operation) -> dict[str, Any]:
    return SPEC["paths"][op.path][op.method.lower()]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def first_example(media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    examples = media.get("examples") or {}
    for example in examples.values():
        return _resolve(example).get("value")
    return None


def path_value(op: Operation, spec_name: str, pattern: str | None) -> str:
    for raw in _operation_spec(op).get("parameters", []):
        param = _resolve(raw)
        if param["name"] != spec_name or param["in"] != "path":
            continue
        schema = param.get("schema", {})
        if "enum" in schema:
            return str(schema["enum"][0])
        example = param.get("example", schema.get("example"))
        fits = isinstance(example, str) and example and (pattern is None or re.search(pattern, example))
        if fits and "/" not in example and not set(example) & {"\\", " "}:
            return str(example)
    if spec_name in ENUM_PATH_VALUES and pattern is None:
        return ENUM_PATH_VALUES[spec_name]
    if pattern not in PATH_SAMPLES:
        raise AssertionError(f"no sample value for the path pattern {pattern!r}: add one to PATH_SAMPLES")
    value = PATH_SAMPLES[pattern]
    assert pattern is None or re.search(pattern, value), (pattern, value)
    return value


# --- values synthesized from a schema, for operations without a documented example --------------------------
STRING_FORMATS = {
    "date-time": "2024-05-04T09:42:00Z",
    "date": "2024-05-04",
    "email": "user@example.com",
    "uri": "https://example.com/x",
    "url": "https://example.com/x",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
}
MAX_DEPTH = 5


def synthesize(schema: dict[str, Any], *, request: bool, depth: int = 0, seen: frozenset[str] = frozenset()) -> Any:
    """A value valid for ``schema``: only required fields in a request, every field in a response."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen and depth > 1:
            return {}
        return synthesize(_resolve(schema), request=request, depth=depth, seen=seen | {ref})
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            first = schema[key][0]
            value = synthesize(first, request=request, depth=depth, seen=seen)
            discriminator = schema.get("discriminator") or {}
            if isinstance(value, dict) and "propertyName" in discriminator and "$ref" in first:
                for name, target in (discriminator.get("mapping") or {}).items():
                    if target == first["$ref"]:
                        value[discriminator["propertyName"]] = name
                        break
            return value
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part_value = synthesize(part, request=request, depth=depth, seen=seen)
            if isinstance(part_value, dict):
                merged.update(part_value)
        return merged
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        out: dict[str, Any] = {}
        required = set(schema.get("required") or [])
        for name, prop in (schema.get("properties") or {}).items():
            resolved = _resolve(prop)
            flags = {**resolved, **prop}
            if request and name not in required:
                continue  # (required read-only fields are kept: the model needs them; the SDK strips them)
            if not request and (flags.get("writeOnly") or (depth >= MAX_DEPTH and name not in required)):
                continue
            out[name] = synthesize(prop, request=request, depth=depth + 1, seen=seen)
        return out
    if kind == "array":
        if request and depth > 0 and not schema.get("minItems"):
            return []
        if depth >= MAX_DEPTH:
            return []
        return [synthesize(schema.get("items") or {}, request=request, depth=depth + 1, seen=seen)]
    example = schema.get("example")
    if kind == "string":
        if isinstance(example, str):
            return example
        if schema.get("format") in STRING_FORMATS:
            return STRING_FORMATS[schema["format"]]
        pattern = schema.get("pattern")
        if pattern is not None and pattern in PATH_SAMPLES:
            return PATH_SAMPLES[pattern]
        if pattern is not None:
            # FakeAtlas's sampler: a short string the pattern (and the length bounds) accept, when it finds one.
            sampled = sample_for(pattern, schema.get("minLength", 0), schema.get("maxLength"))
            if sampled is not None:
                return sampled
        return "sample"[: schema.get("maxLength", 6)].ljust(schema.get("minLength", 0), "x")
    if kind in ("integer", "number"):
        if isinstance(example, (int, float)) and not isinstance(example, bool):
            return int(example) if kind == "integer" else example
        value = schema.get("default", schema.get("minimum", 1))
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return bool(schema.get("default", False))
    return example if example is not None else "sample"


def _valid(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` is an instance of ``schema`` (None never is): the spec's own examples are not all valid."""
    if value is None:
        return False
    from openapi_schema_validator import OAS30Validator

    root = {**schema, "components": SPEC["components"]}
    return not any(True for _ in OAS30Validator(root).iter_errors(value))


def _as_hint(value: Any, hint: Any) -> Any:
    """``value`` (JSON) as the Python type the generated signature declares (enum members, datetimes, lists)."""
    if typing.get_origin(hint) is list and isinstance(value, list):
        (item,) = typing.get_args(hint)
        return [_as_hint(v, item) for v in value]
    for candidate in typing.get_args(hint) or (hint,):
        if typing.get_origin(candidate) is list and isinstance(value, list):
            (item,) = typing.get_args(candidate)
            return [_as_hint(v, item) for v in value]
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum) and not isinstance(value, list):
            return candidate(value)
        if candidate is datetime.datetime and isinstance(value, str):
            return datetime.datetime.fromisoformat(value)
    return value


def query_value(module: Any, python_name: str, schema: dict[str, Any]) -> Any:
    """A value for a required query parameter, of the type the generated signature takes."""
    value = synthesize(schema, request=False) if schema.get("type") == "array" else synthesize(schema, request=True)
    return _as_hint(value, typing.get_type_hints(module._get_kwargs).get(python_name))


def _body_for(module: Any, example: Any) -> Any:
    hints = typing.get_type_hints(module._get_kwargs)
    body_type = hints["body"]
    if typing.get_origin(body_type) is list:
        (item_type,) = typing.get_args(body_type)
        if isinstance(item_type, type) and hasattr(item_type, "from_dict"):
            return [item_type.from_dict(item) for item in example]
        return list(example)
    args = [a for a in typing.get_args(body_type) if a is not type(None)]
    classes = [a for a in args if isinstance(a, type) and hasattr(a, "from_dict")] or [body_type]
    models = [c for c in classes if c is not UnknownVariant and c.__name__ != "Unset"]
    if len(models) == 1:
        return models[0].from_dict(example)
    # A union body: the variant classes set their own discriminator, so pick by the example's value.
    for model in models:
        try:
            candidate = model.from_dict(example)
        except (KeyError, TypeError, ValueError):
            continue
        if candidate.to_dict() == example or all(candidate.to_dict().get(k) == v for k, v in example.items()):
            return candidate
    return UnknownVariant(discriminator=None, raw=dict(example))


def tag_of(key: str) -> str:
    """The facade attribute of the tag holding ``key``."""
    return MODULE_TAGS[key].replace("mongo_db", "mongodb")


def operation_cases(keys: typing.Iterable[str] | None = None) -> list[OperationCase]:
    """One case per operation (or per ``keys``): documented examples, else values synthesized from the schemas.

    Built once per test session (several test modules iterate over every operation)."""
    if keys is None:
        return list(_all_cases())
    return _cases(keys)


@functools.cache
def _all_cases() -> tuple[OperationCase, ...]:
    return tuple(_cases(sorted(OPERATIONS)))


def _cases(keys: typing.Iterable[str]) -> list[OperationCase]:
    cases = []
    for key in keys:
        op = OPERATIONS[key]
        tag = tag_of(key)
        module = import_module(f"atlas_admin_api.api.{MODULE_TAGS[key]}.{key}")
        spec = _operation_spec(op)
        path_args = {
            python_name: path_value(op, spec_name, pattern) for spec_name, python_name, _t, pattern in op.path_params
        }
        query_args = {}
        for raw in spec.get("parameters", []):
            param = _resolve(raw)
            if param["in"] == "query" and param.get("required"):
                python_name = next(q[1] for q in op.query_params if q[0] == param["name"])
                query_args[python_name] = query_value(module, python_name, param.get("schema") or {})
        request_example = None
        body = None
        if op.request_media_type is not None:
            media = spec["requestBody"]["content"][op.request_media_type]
            request_example = first_example(media)
            if "schema" in media and not _valid(media["schema"], request_example):
                request_example = synthesize(media["schema"], request=True)
            if request_example is not None and "schema" in media:
                body = _body_for(module, request_example)
        successes = [(s, r) for s, r in sorted(spec["responses"].items()) if s.startswith("2")]
        # the success status whose answer is in the version the SDK asks for (201 where 200 is an older version)
        status, response = next(
            ((s, r) for s, r in successes if op.media_type in (r.get("content") or {})), successes[0]
        )
        media = (response.get("content") or {}).get(op.media_type or "", {})
        response_example = first_example(media)
        if "schema" in media and not _valid(media["schema"], response_example):
            # no example, or one that contradicts its own schema (a few of the official document's lack a
            # required field): what a conforming server may answer, synthesized from the schema
            response_example = synthesize(media["schema"], request=False) if "json" in (op.media_type or "") else None
        cases.append(
            OperationCase(
                key=key,
                operation=op,
                tag=tag,
                path_args=path_args,
                query_args=query_args,
                body=body,
                request_example=request_example,
                status=int(status),
                response_example=response_example,
                documented=bool(spec.get("x-atlas-documented")),
            )
        )
    return cases
