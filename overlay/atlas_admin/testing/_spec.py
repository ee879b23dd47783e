"""The spec, compiled into a routing table: one `SpecOperation` per documented operation.

Everything FakeAtlas knows about an operation is computed here once, at construction, so that serving
a request is a regex match and a few dict lookups (benchmarks push thousands of calls through it).
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
from collections.abc import Iterator
from typing import Any

import attrs
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

# Refs inside the spec are document-relative ("#/components/..."); registering the whole spec under
# one URI lets a validator resolve them from any schema we point it at.
SPEC_URI = "urn:atlas-admin:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_VERSIONED_MEDIA_TYPE = re.compile(r"^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+(\w+)$")
_PATH_PARAM = re.compile(r"\{([^}/]+)\}")

JSON = Any


def load_packaged_spec() -> dict[str, Any]:
    """The spec packaged with the generated client (``generated/atlas_admin_api/openapi.json``)."""
    # Import the package object rather than naming it in a string: users vendor the generated client
    # under their own package name and this import is rewritten with it.
    import atlas_admin_api

    resource = importlib.resources.files(atlas_admin_api) / "openapi.json"
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            "atlas_admin_api/openapi.json is missing: run `make generate`, or pass FakeAtlas(spec=...)"
        ) from None
    spec: dict[str, Any] = json.loads(text)
    return spec


def pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) into the spec."""
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@attrs.define(frozen=True)
class Parameter:
    name: str
    location: str  # "path" | "query" | "header"
    required: bool
    schema: dict[str, Any]
    validator: Any  # OAS30Validator for the (resolved) parameter schema


@attrs.define(frozen=True)
class SpecOperation:
    """What the fake needs to serve one documented operation."""

    operation_id: str
    method: str
    path: str
    path_regex: re.Pattern[str]
    path_params: tuple[Parameter, ...]
    query_params: tuple[Parameter, ...]
    tag: str
    deprecated: bool
    sunset: str | None
    versions: frozenset[str]  # versioned media types the operation answers with
    success_status: int
    success_media_type: str | None
    response_schema: dict[str, Any] | None  # resolved (refs followed at the top level only)
    example: JSON | None
    has_example: bool
    body_required: bool
    body_validator: Any | None


class Spec:
    """A parsed spec: operations, ref resolution and compiled validators."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(document))
        self.operations: list[SpecOperation] = []
        self.by_id: dict[str, SpecOperation] = {}
        # Routing index: method -> number of path segments -> operations. Templates with a custom
        # method (":addRole") keep their segment count, so the index stays exact.
        self._index: dict[str, dict[int, list[SpecOperation]]] = {}
        for path, path_item in document.get("paths", {}).items():
            shared = path_item.get("parameters", [])
            for method in HTTP_METHODS:
                if method in path_item:
                    op = self._compile(path, method, path_item[method], shared)
                    self.operations.append(op)
                    self.by_id[op.operation_id] = op
                    segments = path.count("/")
                    self._index.setdefault(op.method, {}).setdefault(segments, []).append(op)
        for by_segments in self._index.values():
            for candidates in by_segments.values():
                # Most literal text first, so ".../users/{userId}:addRole" wins over ".../users/{userId}".
                candidates.sort(key=lambda op: -len(_PATH_PARAM.sub("", op.path)))

    # --- lookups ------------------------------------------------------------------------------------
    def match(self, method: str, path: str) -> tuple[SpecOperation | None, dict[str, str], bool]:
        """The operation serving ``method path``, its raw path parameters, and whether the path exists at all."""
        segments = path.count("/")
        for op in self._index.get(method, {}).get(segments, ()):
            found = op.path_regex.match(path)
            if found:
                return op, found.groupdict(), True
        path_exists = any(op.path_regex.match(path) for ops in self._index.values() for op in ops.get(segments, ()))
        return None, {}, path_exists

    def resolve(self, node: Any) -> Any:
        """Follow ``$ref``s at the top of ``node`` until it is an inline schema/parameter/response."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            node = self.registry.resolver(SPEC_URI).lookup(node["$ref"]).contents
            seen += 1
        return node

    def validator(self, schema_pointer: str) -> Any:
        """A compiled validator for the schema at ``schema_pointer`` in the spec."""
        return OAS30Validator(
            {"$ref": SPEC_URI + schema_pointer}, registry=self.registry, format_checker=oas30_format_checker
        )

    def walk_properties(self, schema: Any, depth: int = 0) -> Iterator[str]:
        """Top-level property names of ``schema``, through refs, allOf/oneOf/anyOf."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 8:
            return
        yield from schema.get("properties", {})
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, []):
                yield from self.walk_properties(sub, depth + 1)

    # --- compilation --------------------------------------------------------------------------------
    def _compile(self, path: str, method: str, raw: dict[str, Any], shared: list[Any]) -> SpecOperation:
        base = ["paths", path, method]
        params: dict[tuple[str, str], Parameter] = {}
        for where, plist in (("shared", shared), ("own", raw.get("parameters", []))):
            for i, param_ref in enumerate(plist):
                param = self.resolve(param_ref)
                if "$ref" in param_ref:
                    schema_ptr = param_ref["$ref"] + "/schema"
                elif where == "shared":
                    schema_ptr = pointer("paths", path, "parameters", str(i), "schema")
                else:
                    schema_ptr = pointer(*base, "parameters", str(i), "schema")
                schema = self.resolve(param.get("schema", {}))
                params[(param["name"], param["in"])] = Parameter(
                    name=param["name"],
                    location=param["in"],
                    required=bool(param.get("required", param["in"] == "path")),
                    schema=schema,
                    validator=self.validator(schema_ptr) if "schema" in param else None,
                )
        path_params = tuple(p for p in params.values() if p.location == "path")
        query_params = tuple(p for p in params.values() if p.location == "query")

        regex = "^"
        last = 0
        for m in _PATH_PARAM.finditer(path):
            regex += re.escape(path[last : m.start()]) + f"(?P<{_group_name(m.group(1))}>[^/]+?)"
            last = m.end()
        regex += re.escape(path[last:]) + "$"

        responses = raw.get("responses", {})
        success = sorted((code for code in responses if code.startswith("2")), key=str)
        success_status = int(success[0]) if success else 200
        versions: set[str] = set()
        for code in success:
            for media_type in self.resolve(responses[code]).get("content", {}):
                if _VERSIONED_MEDIA_TYPE.match(media_type):
                    versions.add(media_type)
        media_type, response_schema, example, has_example = None, None, None, False
        if success:
            response = self.resolve(responses[success[0]])
            content = response.get("content", {})
            if content:
                media_type = next((m for m in content if _VERSIONED_MEDIA_TYPE.match(m)), next(iter(content)))
                body = content[media_type] or {}
                if "schema" in body:
                    response_schema = self.resolve(body["schema"])
                example, has_example = self._first_example(body)
                if not has_example and response_schema is not None:
                    example, has_example = self.example_from_schema(body["schema"]), True

        body_required, body_validator = False, None
        request_body = self.resolve(raw.get("requestBody"))
        if isinstance(request_body, dict):
            body_required = bool(request_body.get("required", False))
            for req_media_type, req_body in request_body.get("content", {}).items():
                if req_body and "schema" in req_body:
                    ref = "$ref" in raw["requestBody"]
                    body_ptr = raw["requestBody"]["$ref"] if ref else pointer(*base, "requestBody")
                    body_validator = self.validator(body_ptr + pointer("content", req_media_type, "schema")[1:])
                    break

        tags = raw.get("tags") or ["default"]
        return SpecOperation(
            operation_id=raw.get("operationId") or f"{method}{path}",
            method=method.upper(),
            path=path,
            path_regex=re.compile(regex),
            path_params=path_params,
            query_params=query_params,
            tag=tags[0],
            deprecated=bool(raw.get("deprecated", False)),
            sunset=raw.get("x-sunset"),
            versions=frozenset(versions),
            success_status=success_status,
            success_media_type=media_type,
            response_schema=response_schema,
            example=example,
            has_example=has_example,
            body_required=body_required,
            body_validator=body_validator,
        )

    def _first_example(self, media: dict[str, Any]) -> tuple[JSON, bool]:
        if "example" in media:
            return copy.deepcopy(media["example"]), True
        for labelled in (media.get("examples") or {}).values():
            labelled = self.resolve(labelled)
            if isinstance(labelled, dict) and "value" in labelled:
                return copy.deepcopy(labelled["value"]), True
        return None, False

    def example_from_schema(self, schema: Any, depth: int = 0) -> JSON:
        """A plausible value for ``schema`` when the spec documents no example."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 6:
            return None
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        if "default" in schema:
            return copy.deepcopy(schema["default"])
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self.example_from_schema(schema[key][0], depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for sub in schema["allOf"]:
                part = self.example_from_schema(sub, depth + 1)
                if isinstance(part, dict):
                    merged.update(part)
            return merged
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind == "object":
            return {
                name: self.example_from_schema(sub, depth + 1)
                for name, sub in schema.get("properties", {}).items()
                if not self.resolve(sub).get("writeOnly")
            }
        if kind == "array":
            item = self.example_from_schema(schema.get("items", {}), depth + 1)
            return [] if item is None else [item]
        if kind == "integer":
            return int(schema.get("minimum", 0))
        if kind == "number":
            return float(schema.get("minimum", 0))
        if kind == "boolean":
            return False
        if kind == "string":
            return {"date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01"}.get(schema.get("format", ""), "string")
        return None


def _group_name(param: str) -> str:
    # Regex group names must be identifiers; Atlas parameter names already are, but be safe.
    return re.sub(r"\W", "_", param)
