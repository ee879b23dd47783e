"""Answers that differ from the spec the way real Atlas answers do, for every operation (issue #13).

Read from the packaged spec, independently of the generated code: for each operation, `synthesize` builds a
success body that has the documented shape with every documented field filled in (lists of two items, so that
paths carry list positions), and `drift_sites` lists where that body can drift:

* ``missing``: a required field left out;
* ``type``: a value of another JSON type than the schema's;
* ``null``: null where the schema has no ``nullable``;
* ``unknown_field``: a field the spec does not list;
* ``unknown_enum``: a value a string enum does not list;
* ``unknown_variant``: a discriminator value the union's mapping does not list.

The first three are deviations (lenient parsing keeps the value and warns once; strict parsing raises with the
path); the last three are kept silently in both modes. `json_path` writes a path the way the SDK reports it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from atlas_admin_api._operations import Operation
from spec_samples import SPEC, tag_of

DEVIATIONS = ("missing", "type", "null")
KEPT = ("unknown_field", "unknown_enum", "unknown_variant")
KINDS = DEVIATIONS + KEPT

MAX_DEPTH = 8  # schemas refer to themselves; below this depth only required fields are filled in
DATE_TIME = "2025-05-04T09:42:00Z"  # the way Atlas writes them, so the round trip is exact

Path = tuple[str | int, ...]


def json_path(path: Path) -> str:
    """``("results", 1, "roles")`` as ``$.results[1].roles`` (bracketed and quoted when not a plain name)."""
    out = "$"
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier():
            out += "." + step
        else:
            out += "[" + json.dumps(step) + "]"
    return out


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    if "allOf" in node:
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            part = resolve(part)
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            merged["required"] = sorted(set(merged.get("required", [])) | set(part.get("required", [])))
            for key in ("type", "discriminator", "oneOf"):
                if key in part:
                    merged.setdefault(key, part[key])
        node = merged
    return node


def _kind(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return None


def _variant(schema: dict[str, Any]) -> dict[str, Any]:
    """The first variant of a oneOf (or anyOf), resolved."""
    return resolve((schema.get("oneOf") or schema["anyOf"])[0])


def _is_choice(schema: dict[str, Any]) -> bool:
    return "oneOf" in schema or "anyOf" in schema


def synthesize(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value of the documented shape, every documented field filled in down to MAX_DEPTH."""
    schema = resolve(schema)
    if _is_choice(schema):
        return synthesize(_variant(schema), depth)
    if "enum" in schema:
        return schema["enum"][0]
    kind = _kind(schema)
    if kind == "string":
        return {"date-time": DATE_TIME, "date": "2025-05-04", "uuid": "12345678-1234-5678-1234-567812345678"}.get(
            schema.get("format", ""), "text"
        )
    if kind == "integer":
        return int(max(schema.get("minimum", 1), 1))  # the spec writes some minimums as 1199145600000.0
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("items", {})
        return [synthesize(items, depth + 1) for _ in range(2)] if depth < MAX_DEPTH else []
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        names = [k for k in properties if depth < MAX_DEPTH or k in required]
        value = {k: synthesize(properties[k], depth + 1) for k in names}
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not properties:
            value["someKey"] = synthesize(extra, depth + 1)
        return value
    return "anything"


@dataclass(frozen=True)
class Site:
    kind: str
    path: Path  # where the drift happens (for unknown_field: the new field's path)

    @property
    def json_path(self) -> str:
        return json_path(self.path)


_SWAPS = {
    "string": 12345,
    "integer": "12345",
    "number": "1.5",
    "boolean": "true",
    "object": ["GROUP_OWNER"],
    "array": {"unexpected": "object"},
}


def dispatchable(schema: dict[str, Any]) -> bool:
    """Whether the SDK picks this union's member by a discriminator (atlas_unions.jinja's rule): one property that
    every member requires as a single-value string enum, the values distinct. Otherwise it is a plain union: the
    SDK takes the first member that fits exactly, and a drifted payload may fit another member exactly, so which
    drift is seen there is not defined (issue #13 keeps the payload either way)."""
    variants = [resolve(v) for v in schema.get("oneOf") or schema.get("anyOf") or []]
    if len(variants) < 2:
        return True
    first = variants[0]
    for name in first.get("required", []):
        values = []
        for variant in variants:
            prop = resolve(variant.get("properties", {}).get(name, {}))
            if name not in variant.get("required", []) or len(prop.get("enum", [])) != 1:
                break
            values.append(prop["enum"][0])
        else:
            if len(set(values)) == len(values):
                return True
    return False


def drift_sites(schema: dict[str, Any], value: Any, path: Path = (), *, ambiguous: bool = False) -> Iterator[Site]:
    """Every place ``value`` (a `synthesize`d body for ``schema``) can drift, below its top level.

    Inside a plain union (see `dispatchable`) only the drifts that are kept silently are listed.
    """
    schema = resolve(schema)
    if _is_choice(schema):
        variant = _variant(schema)
        discriminator = (schema.get("discriminator") or {}).get("propertyName")
        if discriminator and isinstance(value, dict) and discriminator in value and dispatchable(schema):
            yield Site("unknown_variant", (*path, discriminator))
        yield from drift_sites(variant, value, path, ambiguous=ambiguous or not dispatchable(schema))
        return
    kind = _kind(schema)
    if kind == "array" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from drift_sites(schema.get("items", {}), item, (*path, index), ambiguous=ambiguous)
        return
    if kind != "object" or not isinstance(value, dict):
        return
    yield Site("unknown_field", (*path, "fieldFromTheFuture"))
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name, prop in properties.items():
        if name not in value:
            continue
        here = (*path, name)
        resolved = resolve(prop)
        if name in required and not ambiguous:
            yield Site("missing", here)
        prop_kind = _kind(resolved) if not _is_choice(resolved) else _kind(_variant(resolved))
        if prop_kind in _SWAPS and not ambiguous:
            yield Site("type", here)
            if not resolved.get("nullable"):
                yield Site("null", here)
        if "enum" in resolved and prop_kind == "string" and len(resolved["enum"]) > 1:
            yield Site("unknown_enum", here)
        yield from drift_sites(prop, value[name], here, ambiguous=ambiguous)


def _schema_at(schema: dict[str, Any], value: Any, path: Path) -> dict[str, Any]:
    for step in path:
        schema = resolve(schema)
        if _is_choice(schema):
            schema = _variant(schema)
        schema = schema.get("items", {}) if isinstance(step, int) else schema.get("properties", {}).get(step, {})
        value = value[step]
    return resolve(schema)


def apply(schema: dict[str, Any], body: Any, site: Site) -> Any:
    """A copy of ``body`` drifted at ``site``."""
    body = copy.deepcopy(body)
    *parents, last = site.path
    holder = body
    for step in parents:
        holder = holder[step]
    if site.kind == "missing":
        del holder[last]
    elif site.kind == "null":
        holder[last] = None
    elif site.kind == "type":
        target = _schema_at(schema, body, site.path)
        kind = _kind(target) if not _is_choice(target) else _kind(_variant(target))
        holder[last] = _SWAPS[kind or "string"]
    elif site.kind == "unknown_field":
        holder[last] = {"added": "later", "n": 1}
    elif site.kind == "unknown_enum":
        holder[last] = "VALUE_FROM_THE_FUTURE"
    elif site.kind == "unknown_variant":
        holder[last] = "VARIANT_FROM_THE_FUTURE"
    else:
        raise AssertionError(site.kind)
    return body


@dataclass
class OperationBody:
    """One operation's documented success body: its schema, a synthesized answer, and its parse function."""

    key: str
    operation: Operation
    status: int
    schema: dict[str, Any]
    body: Any
    parse: Any

    def sites(self) -> list[Site]:
        return list(drift_sites(self.schema, self.body))


def operation_bodies() -> list[OperationBody]:
    """Every operation whose documented success answer is a JSON object or array, with a synthesized answer."""
    from atlas_admin_api._operations import OPERATIONS

    found = []
    for key, op in sorted(OPERATIONS.items()):
        if op.media_type is None:
            continue
        spec = SPEC["paths"][op.path][op.method.lower()]
        status, response = next((s, r) for s, r in sorted(spec["responses"].items()) if s.startswith("2"))
        media = (response.get("content") or {}).get(op.media_type)
        if not media or "schema" not in media or "json" not in op.media_type:
            continue
        top = resolve(media["schema"])
        if (_kind(_variant(top)) if _is_choice(top) else _kind(top)) not in ("object", "array"):
            continue  # a JSON string or number: nothing below the top level to drift
        tag = tag_of(key)
        module_tag = "mongo_db_cloud_users" if tag == "mongodb_cloud_users" else tag
        module = import_module(f"atlas_admin_api.api.{module_tag}.{key}")
        schema = media["schema"]
        found.append(OperationBody(key, op, int(status), schema, synthesize(schema), module._parse_response))
    return found


def documented(entry: OperationBody) -> bool:
    return bool(SPEC["paths"][entry.operation.path][entry.operation.method.lower()].get("x-atlas-documented"))


def corpus(bodies: list[OperationBody], per_kind: int = 2) -> list[tuple[OperationBody, Site]]:
    """For every documented operation and every kind of drift it can have, the shallowest and the deepest site.

    The whole API has 500+ operations (issue #15): each of the others gets the shallowest site of one kind, the
    kinds taken in turn, so every kind is still exercised across them and the run grows by one case per operation.
    """
    cases = []
    turn = 0
    for entry in bodies:
        sites = entry.sites()
        if not documented(entry):
            kinds = [kind for kind in KINDS if any(s.kind == kind for s in sites)]
            if kinds:
                kind = kinds[turn % len(kinds)]
                turn += 1
                of_kind = sorted((s for s in sites if s.kind == kind), key=lambda s: (len(s.path), s.json_path))
                cases.append((entry, of_kind[0]))
            continue
        for kind in KINDS:
            of_kind = sorted((s for s in sites if s.kind == kind), key=lambda s: (len(s.path), s.json_path))
            chosen = {id(s): s for s in (of_kind[:1] + of_kind[-1:])[:per_kind]}
            cases.extend((entry, site) for site in chosen.values())
    return cases
