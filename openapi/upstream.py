"""Read the official Atlas OpenAPI document (``openapi/upstream/atlas-api.yaml``) into the shape the pipeline uses.

The document is checked in unmodified; everything this module changes happens in memory, each change for a
reason the generator or our templates impose:

* **Discriminated parents become unions.** Upstream writes a polymorphic type as a parent schema with a
  ``discriminator`` (sometimes a ``oneOf`` too) and variants that ``allOf`` the parent. openapi-python-client
  cannot take ``allOf`` over a ``oneOf`` ("Cannot take allOf a non-object") and drops the variant and, in
  cascade, everything that refers to it. So each variant is flattened into a plain object (the parent's
  properties, then its own), its discriminator property becomes a required string enum of the values that
  map to it (what our union templates dispatch on), and the parent becomes ``oneOf`` its variants with the
  discriminator mapping kept.
* **No ``title``.** The generator names inline schemas after their ``title``; upstream reuses titles ("AWS",
  "ReplicaSet Event Types") for different shapes, which collide. Without titles the generator names them after
  their place (parent class + property), which is unique.
* **One media-type version per request, the chosen one first per response.** See `choose_version`.
* **Operation names.** ``operationId`` becomes the official name: ``x-xgen-operation-id-override`` (the
  name MongoDB's Go SDK uses) or, where there is none, the ``operationId``. The upstream id is kept in
  ``x-atlas-upstream-operation-id``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "upstream" / "atlas-api.yaml"
# The snapshot's publication date (openapi/upstream/README.md). A version whose x-sunset is on or before this date
# is sunset. The date is the document's, not today's: generation must not depend on the day it runs.
SNAPSHOT_DATE = "2026-06-23"
METHODS = ("get", "put", "post", "delete", "patch")
VERSIONED = re.compile(r"^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2}|preview)\+(\w+)$")
SCHEMA_REF = "#/components/schemas/"


def load(path: Path = UPSTREAM) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=loader)
    return doc


def official_name(operation: dict[str, Any]) -> str:
    return operation.get("x-xgen-operation-id-override") or operation["operationId"]


# --------------------------------------------------------------------------- schema walking


def _ref_name(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMA_REF):
        return node["$ref"][len(SCHEMA_REF) :]
    return None


def walk_schemas(node: Any, fn) -> None:
    """Call ``fn`` on every schema object under ``node`` (a schema), depth first, children before parents."""
    if not isinstance(node, dict):
        return
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            walk_schemas(node[key], fn)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key) or []:
            walk_schemas(sub, fn)
    for sub in (node.get("properties") or {}).values():
        walk_schemas(sub, fn)
    fn(node)


def _every_schema(doc: dict[str, Any], fn) -> None:
    for schema in doc["components"]["schemas"].values():
        walk_schemas(schema, fn)
    for param in (doc["components"].get("parameters") or {}).values():
        walk_schemas(param.get("schema"), fn)
    for path_item in doc["paths"].values():
        for param in path_item.get("parameters") or []:
            walk_schemas(param.get("schema"), fn)
        for method in METHODS:
            operation = path_item.get(method)
            if not operation:
                continue
            for param in operation.get("parameters") or []:
                walk_schemas(param.get("schema"), fn)
            body = operation.get("requestBody") or {}
            for media in (body.get("content") or {}).values():
                walk_schemas(media.get("schema"), fn)
            for response in (operation.get("responses") or {}).values():
                for media in (response.get("content") or {}).values():
                    walk_schemas(media.get("schema"), fn)


# --------------------------------------------------------------------------- discriminated parents


def _object_part(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator", "title")}


def _flatten(schemas: dict[str, Any], schema: dict[str, Any], parents: set[str], seen: tuple[str, ...]) -> dict:
    """``schema`` with every ``allOf`` part merged into one plain object (parents contribute their properties)."""
    out: dict[str, Any] = {k: v for k, v in schema.items() if k not in ("allOf", "title")}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in schema.get("allOf") or []:
        name = _ref_name(part)
        if name is not None:
            if name in seen:
                continue
            target = schemas[name]
            if name in parents:
                target = _object_part(target)
            resolved = _flatten(schemas, target, parents, (*seen, name))
        else:
            resolved = _flatten(schemas, part, parents, seen)
        properties.update(copy.deepcopy(resolved.get("properties") or {}))
        required += [r for r in resolved.get("required") or [] if r not in required]
        if "description" not in out and resolved.get("description") and name is None:
            out["description"] = resolved["description"]
        for key in ("additionalProperties", "readOnly", "writeOnly"):
            if key in resolved and key not in out:
                out[key] = resolved[key]
    properties.update(schema.get("properties") or {})
    required += [r for r in schema.get("required") or [] if r not in required]
    if properties:
        out["properties"] = properties
    if required:
        out["required"] = required
    if "allOf" in schema:
        out["type"] = "object"
    return out


def _refers_to(schemas: dict[str, Any], schema: dict[str, Any], targets: set[str], seen: set[str]) -> bool:
    for part in schema.get("allOf") or []:
        name = _ref_name(part)
        if name is None:
            if _refers_to(schemas, part, targets, seen):
                return True
        elif name in targets:
            return True
        elif name not in seen:
            seen.add(name)
            if _refers_to(schemas, schemas[name], targets, seen):
                return True
    return False


def normalize_unions(doc: dict[str, Any]) -> list[str]:
    """Discriminated parents -> ``oneOf`` unions over flattened variants. Returns notes for the record."""
    schemas = doc["components"]["schemas"]
    parents = {name for name, s in schemas.items() if isinstance(s.get("discriminator"), dict)}
    notes: list[str] = []

    # 1. flatten every allOf that reaches a discriminated parent (components first, then inline schemas)
    originals = copy.deepcopy(schemas)
    for name in sorted(schemas):
        if _refers_to(originals, originals[name], parents, set()):
            schemas[name] = _flatten(originals, originals[name], parents, (name,))

    def inline(node: dict[str, Any]) -> None:
        if "allOf" in node and _refers_to(originals, node, parents, set()):
            flat = _flatten(originals, node, parents, ())
            node.clear()
            node.update(flat)

    _every_schema(doc, inline)

    # 2. parents become unions over their variants
    values_of: dict[str, dict[str, list[str]]] = {}  # variant -> property -> values
    for name in sorted(parents):
        parent = schemas[name]
        discriminator = parent["discriminator"]
        prop = discriminator["propertyName"]
        mapping = {v: _ref_name({"$ref": r}) for v, r in (discriminator.get("mapping") or {}).items()}
        variants: list[str] = []
        for target in mapping.values():
            if target and target != name and target not in variants:
                variants.append(target)
        for sub in parent.get("oneOf") or []:
            target = _ref_name(sub)
            if target and target != name and target not in variants:
                variants.append(target)
        nested = [v for v in variants if v in parents]
        if not variants or nested:
            # nothing to dispatch to (or variants that are unions themselves): a plain object
            schemas[name] = _object_part(parent)
            notes.append(f"{name}: discriminator without usable variants, kept as a plain object")
            continue
        for value, target in mapping.items():
            if target in variants:
                values_of.setdefault(target, {}).setdefault(prop, []).append(value)
        kept_mapping = {v: SCHEMA_REF + t for v, t in mapping.items() if t in variants}
        union: dict[str, Any] = {}
        if parent.get("description"):
            union["description"] = parent["description"]
        union["oneOf"] = [{"$ref": SCHEMA_REF + v} for v in variants]
        union["discriminator"] = {"propertyName": prop}
        if kept_mapping:
            union["discriminator"]["mapping"] = dict(sorted(kept_mapping.items()))
        schemas[name] = union

    # inline discriminated oneOfs (a property's own union) name their variants the same way
    def inline_union(node: dict[str, Any]) -> None:
        discriminator = node.get("discriminator")
        if not isinstance(discriminator, dict) or "oneOf" not in node or node is schemas.get(""):
            return
        for value, ref in (discriminator.get("mapping") or {}).items():
            target = _ref_name({"$ref": ref})
            if target and target in schemas and target not in parents:
                bucket = values_of.setdefault(target, {}).setdefault(discriminator["propertyName"], [])
                if value not in bucket:
                    bucket.append(value)

    _every_schema(doc, inline_union)
    # 3. each variant's discriminator property names the values that select it
    for variant, props in sorted(values_of.items()):
        schema = schemas[variant]
        if "properties" not in schema and "allOf" in schema:
            continue
        schema.setdefault("properties", {})
        for prop, values in props.items():
            old = schema["properties"].get(prop) or {}
            if _ref_name(old) is not None:
                old = {}
            new = {"type": "string", "enum": sorted(set(values))}
            if old.get("description"):
                new["description"] = old["description"]
            schema["properties"][prop] = new
            if prop not in (schema.get("required") or []):
                schema["required"] = [*(schema.get("required") or []), prop]
        schema.setdefault("type", "object")
    return notes


def drop_titles(doc: dict[str, Any]) -> None:
    def drop(node: dict[str, Any]) -> None:
        node.pop("title", None)

    _every_schema(doc, drop)


# --------------------------------------------------------------------------- media-type versions


def _version(media_type: str) -> tuple[str, str] | None:
    match = VERSIONED.match(media_type)
    return (match.group(1), match.group(2)) if match else None


def choose_version(operation: dict[str, Any], snapshot_date: str = SNAPSHOT_DATE) -> tuple[str | None, str | None]:
    """The version an operation is sent with: the newest dated version not sunset on ``snapshot_date``.

    The versions are those of the success responses (Atlas picks the version by the Accept header; the request
    body is sent in the same version, or the newest older one it offers); only an operation without a versioned
    answer is decided by its request's versions.

    Dated versions are compared by date; ``preview`` only counts when nothing else is offered. When every
    version is sunset the newest is still chosen (it is all the API offers) and its sunset date returned.
    Returns ``(version, sunset)``.
    """
    offered: dict[str, str | None] = {}
    for status, response in (operation.get("responses") or {}).items():
        if not str(status).startswith("2"):
            continue
        for media_type, media in (response.get("content") or {}).items():
            parsed = _version(media_type)
            if parsed:
                sunset = (media or {}).get("x-sunset")
                if parsed[0] not in offered or offered[parsed[0]] is None:
                    offered[parsed[0]] = str(sunset) if sunset else None
    if not offered:
        # no versioned answer (e.g. 204): the request's versions decide
        for media_type in (operation.get("requestBody") or {}).get("content") or {}:
            parsed = _version(media_type)
            if parsed:
                offered[parsed[0]] = None
    if not offered:
        return None, None
    dated = sorted(v for v in offered if v != "preview")
    if not dated:
        return "preview", offered["preview"]
    live = [v for v in dated if not offered[v] or offered[v] > snapshot_date]
    chosen = live[-1] if live else dated[-1]
    return chosen, offered[chosen]


def _order_content(content: dict[str, Any], version: str) -> dict[str, Any]:
    """The chosen version first (its JSON before other formats), then older JSON versions newest first, the rest.

    The generator and our templates take the first media type of a response.
    """

    def key(media_type: str) -> tuple[int, str]:
        parsed = _version(media_type)
        if parsed and parsed[1] == "json" and parsed[0] == version:
            return (0, "")
        if parsed and parsed[0] == version:
            return (0, media_type)  # the chosen version in another format (a gzip download)
        if parsed and parsed[1] == "json" and parsed[0] != "preview" and parsed[0] < version:
            return (1, "".join(chr(0x7F - ord(ch)) for ch in parsed[0]))
        return (2, media_type)

    return {media_type: content[media_type] for media_type in sorted(content, key=key)}


def apply_versions(operation: dict[str, Any], snapshot_date: str = SNAPSHOT_DATE, version: str | None = None) -> None:
    """Order the operation's media types by `choose_version` (or by ``version`` when given) and record it."""
    chosen, sunset = choose_version(operation, snapshot_date)
    if version is None:
        version = chosen
    else:
        sunset = None
        for response in (operation.get("responses") or {}).values():
            for media_type, media in (response.get("content") or {}).items():
                parsed = _version(media_type)
                if parsed and parsed[0] == version and (media or {}).get("x-sunset"):
                    sunset = str(media["x-sunset"])
    if version is None:
        return
    for status, response in (operation.get("responses") or {}).items():
        if str(status).startswith("2") and response.get("content"):
            response["content"] = _order_content(response["content"], version)
    body = operation.get("requestBody")
    if body and body.get("content"):
        ordered = _order_content(body["content"], version)
        first = next(iter(ordered))
        others = sorted(k for k in ordered if k != first)
        body["content"] = {first: ordered[first]}
        if others:
            body["x-atlas-other-versions"] = others
    operation["x-atlas-version"] = version
    if sunset:
        operation["x-atlas-sunset"] = sunset


# --------------------------------------------------------------------------- the whole document


def drop_path_defaults(doc: dict[str, Any]) -> list[str]:
    """A path parameter is always given, so a ``default`` means nothing; the generator would emit a Python default
    before a parameter without one (a syntax error)."""
    notes = []
    params = list((doc["components"].get("parameters") or {}).values())
    for path, path_item in sorted(doc["paths"].items()):
        for method in METHODS:
            for param in (path_item.get(method) or {}).get("parameters") or []:
                if param.get("in") == "path" and "default" in (param.get("schema") or {}):
                    del param["schema"]["default"]
                    notes.append(f"{method.upper()} {path}: the default of path parameter {param['name']} dropped")
    for param in params:
        if param.get("in") == "path" and "default" in (param.get("schema") or {}):
            del param["schema"]["default"]
            notes.append(f"parameter {param['name']}: the default of a path parameter dropped")
    return notes


def rewrite_patterns(doc: dict[str, Any], rewrites: dict[str, Any]) -> list[str]:
    """Patterns neither Python's re nor ECMA-262 (without the u flag) accept, rewritten (overrides.yaml says why)."""
    used: set[str] = set()

    def rewrite(node: dict[str, Any]) -> None:
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern in rewrites:
            node["pattern"] = rewrites[pattern]["to"]
            used.add(pattern)
        items = node.get("items")
        if isinstance(items, dict) and isinstance(items.get("pattern"), str) and items["pattern"] in rewrites:
            used.add(items["pattern"])
            items["pattern"] = rewrites[items["pattern"]]["to"]

    _every_schema(doc, rewrite)
    for param in (doc["components"].get("parameters") or {}).values():
        rewrite(param.get("schema") or {})
    return [f"pattern {p} rewritten to {rewrites[p]['to']} (overrides.yaml pattern_rewrites)" for p in sorted(used)]


def normalize(
    doc: dict[str, Any], snapshot_date: str = SNAPSHOT_DATE, pattern_rewrites: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The document as the generator can take it, and a note for each change made."""
    doc = copy.deepcopy(doc)
    notes = normalize_unions(doc)
    drop_titles(doc)
    notes += drop_path_defaults(doc)
    notes += rewrite_patterns(doc, pattern_rewrites or {})
    for path_item in doc["paths"].values():
        for method in METHODS:
            operation = path_item.get(method)
            if not operation:
                continue
            operation["x-atlas-upstream-operation-id"] = operation["operationId"]
            operation["operationId"] = official_name(operation)
            apply_versions(operation, snapshot_date)
    return doc, notes
