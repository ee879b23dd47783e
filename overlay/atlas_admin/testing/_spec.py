"""The spec, compiled into a routing table: one `SpecOperation` per documented operation.

Everything FakeAtlas knows about an operation is computed here once, at construction, so that serving
a request is a regex match and a few dict lookups (benchmarks push thousands of calls through it).
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import attrs
from jsonschema import _keywords as _jsonschema_keywords  # type: ignore[import-untyped]
from jsonschema import validators as _validators
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from ._patterns import matches

# Refs inside the spec are document-relative ("#/components/..."); registering the whole spec under
# one URI lets a validator resolve them from any schema we point it at.
SPEC_URI = "urn:atlas-admin:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
VERSIONED_MEDIA_TYPE = re.compile(r"^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2}|preview)\+(\w+)$")
_PATH_PARAM = re.compile(r"\{([^}/]+)\}")

JSON = Any


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # Atlas's patterns are not all Python regexes (``\\p{L}``, ``(?<name>``): read what can be read.
    if validator.is_type(instance, "string") and not matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_ACTIVE = threading.local()


def _guarded(keyword: Any) -> Any:
    """``keyword`` that does not re-enter itself for the same schema and instance (discriminator loops)."""

    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        active: set[tuple[int, int]] = _ACTIVE.__dict__.setdefault("pairs", set())
        key = (id(schema), id(instance))
        if key in active:
            return  # already being checked further up: the outer check decides
        active.add(key)
        try:
            yield from keyword(validator, value, instance, schema)
        finally:
            active.discard(key)

    return check


def _type_keyword(validator: Any, kind: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # Atlas writes `type: object` beside a oneOf of string enums (regions, instance sizes): the branches
    # say what the value is, and a real region name must not be refused for not being an object.
    branches = schema.get("oneOf") or schema.get("anyOf") if isinstance(schema, dict) else None
    if kind == "object" and branches and not validator.is_type(instance, "object"):
        return
    yield from OAS30Validator.VALIDATORS["type"](validator, kind, instance, schema)


def _one_of_keyword(validator: Any, branches: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # Without a discriminator, Atlas's oneOf variants overlap (identity providers, alert configurations):
    # a value matching several of them is what Atlas itself sends and accepts, so one match is enough.
    if isinstance(schema, dict) and "discriminator" in schema:
        yield from OAS30Validator.VALIDATORS["oneOf"](validator, branches, instance, schema)
    else:
        yield from OAS30Validator.VALIDATORS["anyOf"](validator, branches, instance, schema)


# openapi-schema-validator dispatches on a discriminator found beside ``allOf`` too; Atlas puts the
# discriminator on a base schema that each variant includes through ``allOf``, so that dispatch loops
# (variant -> base -> variant) until RecursionError. ``allOf`` keeps its plain JSON Schema meaning here.
Validator = _validators.extend(
    OAS30Validator,
    {
        "pattern": _pattern_keyword,
        "allOf": _jsonschema_keywords.allOf,
        "type": _type_keyword,
        "oneOf": _guarded(_one_of_keyword),
        "anyOf": _guarded(OAS30Validator.VALIDATORS["anyOf"]),
    },
)


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
class MediaResponse:
    """One media type of an operation's success response."""

    media_type: str
    schema: Any  # as written (often a $ref); None when the media type documents no schema
    example: JSON | None  # the documented example, if any
    has_example: bool


@attrs.define(frozen=True)
class SpecOperation:
    """What the fake needs to serve one operation of the spec."""

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
    success_media_type: str | None  # the media type answered when the client names no version
    response_schema: dict[str, Any] | None  # of success_media_type, resolved at the top level only
    example: JSON | None  # documented example of success_media_type
    has_example: bool
    body_required: bool
    body_validator: Any | None  # for the first request media type; see Spec.body_validator for the others
    responses: dict[str, MediaResponse] = attrs.field(factory=dict)  # by media type
    request_media_types: tuple[str, ...] = ()  # media types the request body may be sent as

    def response_for(self, media_type: str | None) -> MediaResponse | None:
        """The success response in ``media_type`` (the default one when None or unknown)."""
        if media_type in self.responses:
            return self.responses[media_type]
        return self.responses.get(self.success_media_type or "")


class Spec:
    """A parsed spec: operations, ref resolution, compiled validators and synthesized examples."""

    def __init__(self, document: dict[str, Any]) -> None:
        from ._synthesis import Synthesizer

        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(document))
        self.operations: list[SpecOperation] = []
        self.by_id: dict[str, SpecOperation] = {}
        self._refs: dict[str, Any] = {}
        self._body_validators: dict[tuple[str, str], Any] = {}
        self.synthesizer = Synthesizer(self)
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
            node = self.lookup(node["$ref"])
            seen += 1
        return node

    def lookup(self, ref: str) -> Any:
        """The node a document-local ``$ref`` ("#/components/schemas/X") points at ({} when it points nowhere)."""
        cached = self._refs.get(ref)
        if cached is None:
            node: Any = self.document
            for part in ref.lstrip("#").strip("/").split("/") if ref.startswith("#/") else ():
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    break
            cached = self._refs[ref] = node if node is not None else {}
        return cached

    def validator(self, schema_pointer: str) -> Any:
        """A compiled validator for the schema at ``schema_pointer`` in the spec."""
        return Validator(
            {"$ref": SPEC_URI + schema_pointer}, registry=self.registry, format_checker=oas30_format_checker
        )

    def schema_validator(self, schema: Any) -> Any:
        """A compiled validator for a schema node (refs inside it resolve against the spec)."""
        # Resolve the schema's document-local refs against the spec (the schema itself has no URI).
        resolver = self.registry.resolver(base_uri=SPEC_URI)
        return Validator(schema, _resolver=resolver, format_checker=oas30_format_checker)

    def body_validator(self, op: SpecOperation, media_type: str | None) -> Any | None:
        """The validator of ``op``'s request body sent as ``media_type`` (its first media type when unknown)."""
        if not op.request_media_types:
            return None
        if media_type not in op.request_media_types:
            media_type = op.request_media_types[0]
        key = (op.operation_id, media_type)
        if key not in self._body_validators:
            raw = self.document["paths"][op.path][op.method.lower()]["requestBody"]
            base = raw["$ref"] if "$ref" in raw else pointer("paths", op.path, op.method.lower(), "requestBody")
            self._body_validators[key] = self.validator(base + pointer("content", media_type, "schema")[1:])
        return self._body_validators[key]

    def request_schema(self, op: SpecOperation, media_type: str | None) -> Any:
        """The request body schema of ``op`` sent as ``media_type`` (as written; None without a body)."""
        if not op.request_media_types:
            return None
        if media_type not in op.request_media_types:
            media_type = op.request_media_types[0]
        request_body = self.resolve(self.document["paths"][op.path][op.method.lower()].get("requestBody"))
        return (request_body.get("content", {}).get(media_type) or {}).get("schema")

    def example_for(self, op: SpecOperation, media_type: str | None) -> JSON:
        """The documented example of ``op``'s answer in ``media_type``, or one synthesized from its schema."""
        response = op.response_for(media_type)
        if response is None:
            return None
        if response.has_example:
            return copy.deepcopy(response.example)
        if response.schema is None:
            return None
        return self.synthesizer.value(response.schema)

    def walk_properties(self, schema: Any) -> Iterator[str]:
        """Top-level property names of ``schema``, through refs, allOf/oneOf/anyOf (each schema once)."""
        seen: set[int] = set()
        pending = [schema]
        while pending:
            node = self.resolve(pending.pop())
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            yield from node.get("properties", {})
            for key in ("allOf", "oneOf", "anyOf"):
                pending.extend(reversed(node.get(key, [])))

    def property_schema(self, schema: Any, name: str) -> Any:
        """The schema of property ``name`` of ``schema`` (through refs and combinators), or None."""
        seen: set[int] = set()
        pending = [schema]
        while pending:
            node = self.resolve(pending.pop(0))
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            if name in node.get("properties", {}):
                return self.resolve(node["properties"][name])
            for key in ("allOf", "oneOf", "anyOf"):
                pending.extend(node.get(key, []))
        return None

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
        by_media_type: dict[str, MediaResponse] = {}
        for code in success:
            for media_type, body in self.resolve(responses[code]).get("content", {}).items():
                if VERSIONED_MEDIA_TYPE.match(media_type):
                    versions.add(media_type)
                if code == success[0] or media_type not in by_media_type:
                    example, has_example = self._first_example(body or {})
                    by_media_type.setdefault(
                        media_type, MediaResponse(media_type, (body or {}).get("schema"), example, has_example)
                    )
        media_type, response_schema, example, has_example = None, None, None, False
        if success:
            content = self.resolve(responses[success[0]]).get("content", {})
            if content:
                media_type = next((m for m in content if VERSIONED_MEDIA_TYPE.match(m)), next(iter(content)))
                default = by_media_type[media_type]
                response_schema = self.resolve(default.schema) if default.schema is not None else None
                example, has_example = default.example, default.has_example

        body_required = False
        request_media_types: tuple[str, ...] = ()
        request_body = self.resolve(raw.get("requestBody"))
        if isinstance(request_body, dict):
            body_required = bool(request_body.get("required", False))
            request_media_types = tuple(
                m for m, body in request_body.get("content", {}).items() if body and "schema" in body
            )

        tags = raw.get("tags") or ["default"]
        op = SpecOperation(
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
            body_validator=None,
            responses=by_media_type,
            request_media_types=request_media_types,
        )
        if request_media_types:
            op = attrs.evolve(op, body_validator=self.body_validator(op, request_media_types[0]))
        return op

    def _first_example(self, media: dict[str, Any]) -> tuple[JSON, bool]:
        if "example" in media:
            return copy.deepcopy(media["example"]), True
        for labelled in (media.get("examples") or {}).values():
            labelled = self.resolve(labelled)
            if isinstance(labelled, dict) and "value" in labelled:
                return copy.deepcopy(labelled["value"]), True
        return None, False

    def example_from_schema(self, schema: Any, *, for_request: bool = False) -> JSON:
        """A deterministic value valid against ``schema`` (see `Synthesizer`): an answer, or a request body."""
        return self.synthesizer.value(schema, for_request=for_request)


def _group_name(param: str) -> str:
    # Regex group names must be identifiers; Atlas parameter names already are, but be safe.
    return re.sub(r"\W", "_", param)
