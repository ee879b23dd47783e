"""Compare two official Atlas Admin API documents and say what changes for a caller of this SDK.

    python openapi/spec_diff.py OLD NEW [--markdown FILE] [--allow-breaking] [--title TEXT]

Operations are matched by method and path (path parameter names ignored: the official operationIds, and
sometimes parameter names, change between snapshots while the endpoint stays). For each operation the
report lists what was added, removed, deprecated or given a sunset date, and for an operation on both
sides: media-type versions added or removed, request parameters, request and response body fields
(through ``$ref``, ``allOf``, ``oneOf``/``anyOf`` and discriminator variants, arrays and maps, each with
its field path), type and required changes, enum values and union variants added or removed.

Fields are compared on the media-type version the SDK uses for the operation (the newest dated one not
sunset on the document's date, as ``openapi/upstream.py`` picks it), because that is the only
version a caller of the SDK sends and reads.

Every entry says whether it breaks a caller of the regenerated SDK (see ``_RULES`` below for why each
kind does or does not). Prints Markdown (one dated section, for ``API-CHANGES.md``) and a one-line
summary on stderr; exits 1 when something breaks callers unless ``--allow-breaking``, 2 on bad input.

Not part of the published wheel: a development tool, like ``assemble.py``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
_VERSIONED = re.compile(r"^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+\w+$")
_SNAPSHOT_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_PATH_PARAM = re.compile(r"\{([^}]+)\}")

# Python-visible type of a (type, format) pair as openapi-python-client renders it: int32/int64 are both
# int, so a format change alone does not change what a caller handles.
_FORMAT_KINDS = {"date-time": "datetime", "date": "date", "binary": "File", "uuid": "UUID"}
_TYPE_KINDS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "list"}

Json = Any


class SpecDiffError(Exception):
    """A document cannot be read or is not an OpenAPI document."""


# ---------------------------------------------------------------------------------------------------------
# The changes
# ---------------------------------------------------------------------------------------------------------

# Kinds of change, and why each does (True) or does not (False) break a caller of the regenerated SDK.
_RULES: dict[str, tuple[bool, str]] = {
    "operation-added": (False, "a new method appears"),
    "operation-removed": (True, "the facade method disappears"),
    "operation-deprecated": (False, "still works; calling it warns AtlasDeprecationWarning"),
    "operation-undeprecated": (False, "no longer warns"),
    "operation-renamed": (False, "the old facade name stays as a deprecated alias"),
    "sunset": (False, "Atlas stops answering this version on that date; the SDK uses the newest version"),
    "version-added": (False, "a newer media-type version; the SDK moves to the newest one"),
    "version-removed": (False, "a version the SDK did not use"),
    "sdk-version-removed": (True, "the version the SDK sent is gone; it now sends another, see the fields"),
    "sdk-version-changed": (False, "the SDK sends the newer version; field changes are listed against it"),
    "status-added": (False, "another success status is possible"),
    "status-removed": (False, "that success status no longer comes"),
    "body-added": (False, "an optional request body"),
    "body-added-required": (True, "a required request body: existing calls lack it"),
    "body-removed": (True, "calls that pass body= fail"),
    "param-added": (False, "an optional parameter"),
    "param-added-required": (True, "a new required parameter: existing calls lack it"),
    "param-removed": (True, "calls that pass it fail"),
    "param-renamed": (True, "calls that pass the path parameter by keyword fail"),
    "param-deprecated": (False, "still accepted"),
    "field-added-request": (False, "an optional field to send"),
    "field-added-request-required": (True, "a new required request field: existing requests lack it"),
    "field-added-response": (False, "a new attribute on the returned model"),
    "field-removed-request": (True, "the model loses the argument: code that sets it fails"),
    "field-removed-response": (True, "the model loses the attribute: code that reads it fails"),
    "field-deprecated": (False, "still sent and read"),
    "required-request": (True, "now required: requests without it fail"),
    "optional-request": (False, "no longer required"),
    "required-response": (False, "now always present"),
    "optional-response": (True, "may now be absent (typed `| Unset`): code that reads it unchecked fails"),
    "type-changed": (True, "the Python type of the value changes"),
    "nullable-request-removed": (True, "None is no longer accepted"),
    "nullable-request-added": (False, "None is accepted"),
    "nullable-response-added": (True, "the value may now be None"),
    "nullable-response-removed": (False, "the value is never None"),
    "enum-added-request": (False, "a new value to send"),
    "enum-added-response": (False, "a new value can arrive (kept as is by the tolerant enums)"),
    "enum-removed": (True, "the enum member disappears from the generated class"),
    "variant-added-request": (False, "a new variant class to send"),
    "variant-added-response": (False, "a new variant class (older SDKs get it as UnknownVariant)"),
    "variant-removed": (True, "the variant class disappears"),
}


@dataclass(frozen=True)
class Change:
    """One difference, with whether it breaks a caller of the SDK."""

    kind: str
    text: str

    @property
    def breaking(self) -> bool:
        return _RULES[self.kind][0]

    @property
    def why(self) -> str:
        return _RULES[self.kind][1]


@dataclass(frozen=True)
class OperationRef:
    method: str
    path: str
    operation_id: str
    name: str  # the official short name: x-xgen-operation-id-override, else operationId
    tag: str
    summary: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class OperationChanges:
    old: OperationRef
    new: OperationRef
    changes: list[Change] = field(default_factory=list)


@dataclass
class SpecDiff:
    old_label: str
    new_label: str
    old_count: int
    new_count: int
    added: list[OperationRef] = field(default_factory=list)
    removed: list[OperationRef] = field(default_factory=list)
    renamed: list[tuple[OperationRef, OperationRef]] = field(default_factory=list)
    deprecated: list[OperationRef] = field(default_factory=list)
    undeprecated: list[OperationRef] = field(default_factory=list)
    sunsets: list[tuple[OperationRef, str, str | None, str, bool]] = field(default_factory=list)
    changed: list[OperationChanges] = field(default_factory=list)

    def all_changes(self) -> Iterator[tuple[OperationRef, Change]]:
        for op in self.removed:
            yield op, Change("operation-removed", "operation removed")
        for op in self.added:
            yield op, Change("operation-added", "operation added")
        for old, new in self.renamed:
            yield new, Change("operation-renamed", f"official name `{old.name}` → `{new.name}`")
        for op in self.deprecated:
            yield op, Change("operation-deprecated", "deprecated")
        for op in self.undeprecated:
            yield op, Change("operation-undeprecated", "no longer deprecated")
        for op, media, before, after, _ in self.sunsets:
            yield op, Change("sunset", _sunset_text(media, before, after))
        for oc in self.changed:
            for change in oc.changes:
                yield oc.new, change

    @property
    def breaking(self) -> list[tuple[OperationRef, Change]]:
        return [(op, c) for op, c in self.all_changes() if c.breaking]

    def summary(self) -> str:
        breaking = len(self.breaking)
        parts = [
            f"{self.old_label} → {self.new_label}: {self.old_count} → {self.new_count} operations",
            f"{len(self.added)} added",
            f"{len(self.removed)} removed",
            f"{len(self.deprecated)} deprecated",
            f"{len({(op.method, op.path) for op, *_ in self.sunsets})} with a new or moved sunset date",
            f"{len(self.changed)} changed",
            f"{breaking} breaking change{'s' if breaking != 1 else ''}",
        ]
        return ", ".join(parts)


def _sunset_text(media: str, before: str | None, after: str, sdk: bool | None = None) -> str:
    which = f"`{media}`" + (" (the SDK's version)" if sdk else "")
    if before is None:
        return f"{which} sunset on {after}"
    return f"{which} sunset moved {before} → {after}"


# ---------------------------------------------------------------------------------------------------------
# Reading a document
# ---------------------------------------------------------------------------------------------------------


def load(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON OpenAPI document (libyaml's C loader: the official documents are ~4 MB)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=loader)
    except OSError as exc:
        raise SpecDiffError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SpecDiffError(f"{path} is not YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise SpecDiffError(f"{path} is not an OpenAPI document (no paths)")
    return doc


def snapshot_label(path: str | Path, doc: Mapping[str, Any]) -> str:
    """`atlas-api-2026-06-23` for a dated file name, else the file name plus the document's x-xgen-sha."""
    stem = Path(path).name
    for suffix in (".yaml", ".yml", ".json"):
        stem = stem.removesuffix(suffix)
    sha = (doc.get("info") or {}).get("x-xgen-sha")
    if _SNAPSHOT_DATE.search(stem) or not sha:
        return stem
    return f"{stem} ({str(sha)[:12]})"


def snapshot_date(label: str) -> str | None:
    """The YYYY-MM-DD in a snapshot's label or file name, if any."""
    match = _SNAPSHOT_DATE.search(label)
    return match.group(1) if match else None


class _Resolver:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc

    def deref(self, node: Json) -> tuple[Json, str | None]:
        """Follow $refs; return the target and the last component name (None when inline)."""
        name = None
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return {}, None
            target: Json = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return {}, ref.rsplit("/", 1)[-1]
                target = target[part]
            name = ref.rsplit("/", 1)[-1]
            node = target
            seen += 1
            if seen > 50:
                return {}, name
        return (node if isinstance(node, dict) else {}), name


def _operations(doc: Mapping[str, Any]) -> dict[tuple[str, str], tuple[OperationRef, dict[str, Any], list[Any]]]:
    ops: dict[tuple[str, str], tuple[OperationRef, dict[str, Any], list[Any]]] = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            operation_id = str(op.get("operationId") or f"{method}{path}")
            ref = OperationRef(
                method=method.upper(),
                path=path,
                operation_id=operation_id,
                name=str(op.get("x-xgen-operation-id-override") or operation_id),
                tag=str((op.get("tags") or ["untagged"])[0]),
                summary=str(op.get("summary") or ""),
            )
            ops[(method.upper(), _PATH_PARAM.sub("{}", path))] = (ref, op, shared)
    return ops


# ---------------------------------------------------------------------------------------------------------
# Flattening a schema into field paths
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    kind: str  # the Python-visible type: str, int, datetime, list, object, map, union, variant, any, recursive
    required: bool
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    variants: tuple[str, ...] | None = None
    deprecated: bool = False


def _kind(schema: Mapping[str, Any]) -> str:
    type_ = schema.get("type")
    if isinstance(type_, list):  # OpenAPI 3.1 style; treat `null` as nullability
        non_null = [t for t in type_ if t != "null"]
        type_ = non_null[0] if len(non_null) == 1 else None
    if type_ == "string" and schema.get("format") in _FORMAT_KINDS:
        return _FORMAT_KINDS[schema["format"]]
    if type_ in _TYPE_KINDS:
        return _TYPE_KINDS[type_]
    if schema.get("properties") or type_ == "object":
        if not schema.get("properties") and isinstance(schema.get("additionalProperties"), dict):
            return "map"
        return "object"
    return "any"


class _Flattener:
    """Walks one schema into {field path: FieldInfo} for one direction (request skips readOnly fields,
    response skips writeOnly ones)."""

    MAX_DEPTH = 40

    def __init__(self, resolver: _Resolver, direction: str) -> None:
        self.resolver = resolver
        self.skip_flag = "readOnly" if direction == "request" else "writeOnly"
        self.fields: dict[str, FieldInfo] = {}

    def merged(self, node: Json, stack: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The schema with its $refs followed and allOf members merged into one object."""
        schema, name = self.resolver.deref(node)
        if name is not None:
            stack = (*stack, name)
        if "allOf" not in schema:
            return schema, stack
        result: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        properties: dict[str, Any] = dict(result.get("properties") or {})
        required: list[str] = list(result.get("required") or [])
        for member in schema.get("allOf") or []:
            member_schema, _ = self.merged(member, stack)
            for key, value in member_schema.items():
                if key == "properties":
                    for prop, prop_schema in (value or {}).items():
                        properties.setdefault(prop, prop_schema)
                elif key == "required":
                    required.extend(r for r in value or [] if r not in required)
                elif key in ("discriminator", "oneOf", "anyOf"):
                    # A member's union belongs to the member (this schema is usually one of its variants).
                    continue
                else:
                    result.setdefault(key, value)
        if properties:
            result["properties"] = properties
        if required:
            result["required"] = required
        return result, stack

    def walk(self, node: Json, path: str, required: bool, stack: tuple[str, ...] = ()) -> None:
        _, ref_name = self.resolver.deref(node)
        if ref_name is not None and ref_name in stack:
            self.fields[path] = FieldInfo(kind=f"recursive {ref_name}", required=required)
            return
        if len(stack) > self.MAX_DEPTH:
            return
        schema, stack = self.merged(node, stack)
        schema = _enum_union_as_enum(schema)
        variants = self._variants(schema)
        enum = schema.get("enum")
        if variants:
            kind = "union"
        else:
            kind = _kind(schema)
            if kind == "any" and (schema.get("items") is not None):
                kind = "list"
        self.fields[path] = FieldInfo(
            kind=kind,
            required=required,
            nullable=bool(schema.get("nullable")),
            enum=tuple(str(v) for v in enum if v is not None) if isinstance(enum, list) else None,
            variants=tuple(sorted(variants)) if variants else None,
            deprecated=bool(schema.get("deprecated")),
        )
        required_names = set(schema.get("required") or [])
        for prop, prop_schema in (schema.get("properties") or {}).items():
            resolved, _ = self.resolver.deref(prop_schema)
            if resolved.get(self.skip_flag) or (isinstance(prop_schema, dict) and prop_schema.get(self.skip_flag)):
                continue
            self.walk(prop_schema, _join(path, prop), prop in required_names, stack)
        if schema.get("items") is not None:
            self.walk(schema["items"], f"{path}[]", True, stack)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            self.walk(extra, f"{path}{{}}", True, stack)
        # A variant's own fields go under `path<VALUE>`; the fields it shares with the union's base schema
        # were walked above, at `path`, and are not repeated per variant.
        shared = set(schema.get("properties") or {})
        for key, variant in sorted(variants.items()):
            variant_path = f"{path}<{key}>"
            _, variant_name = self.resolver.deref(variant)
            if variant_name is not None and variant_name in stack:
                continue
            self.fields[variant_path] = FieldInfo(kind="variant", required=False)
            vschema, vstack = self.merged(variant, stack)
            vrequired = set(vschema.get("required") or [])
            for prop, prop_schema in (vschema.get("properties") or {}).items():
                resolved, _ = self.resolver.deref(prop_schema)
                if prop in shared or resolved.get(self.skip_flag) or prop_schema.get(self.skip_flag):
                    continue
                self.walk(prop_schema, _join(variant_path, prop), prop in vrequired, vstack)

    def _variants(self, schema: Mapping[str, Any]) -> dict[str, Json]:
        """{variant: schema} of a union. A variant is named by its schema (the class a caller codes against),
        so a union that gains a discriminator over the same members does not look like a new set of variants."""
        variants: dict[str, Json] = {}
        discriminator = schema.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        members: list[Json] = []
        if isinstance(mapping, dict):
            members += [{"$ref": ref} for ref in mapping.values() if isinstance(ref, str)]
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list):
                members += schema[key]
        for index, member in enumerate(members):
            resolved, name = self.resolver.deref(member)
            if name is None and isinstance(member, dict) and "$ref" in member:
                name = str(member["$ref"]).rsplit("/", 1)[-1]
            # An inline member has no class name: its title, else its type, else its position.
            name = name or resolved.get("title") or resolved.get("type") or f"#{index + 1}"
            variants.setdefault(str(name), member)
        return variants


def _enum_union_as_enum(schema: dict[str, Any]) -> dict[str, Any]:
    """A oneOf of inline string enums (how Atlas groups event types) is one enum of all their values."""
    members = schema.get("oneOf") or schema.get("anyOf")
    if not isinstance(members, list) or not members or "discriminator" in schema:
        return schema
    if not all(isinstance(m, dict) and "$ref" not in m and isinstance(m.get("enum"), list) for m in members):
        return schema
    values: list[Any] = []
    for member in members:
        values += [v for v in member["enum"] if v not in values]
    merged = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
    merged.setdefault("type", members[0].get("type", "string"))
    merged["enum"] = values
    return merged


def _join(path: str, prop: str) -> str:
    return f"{path}.{prop}" if path else prop


def _parent(path: str) -> str | None:
    if not path:
        return None
    for opener in ("[]", "{}"):
        if path.endswith(opener):
            return path[: -len(opener)]
    if path.endswith(">"):
        return path[: path.rindex("<")]
    cut = path.rfind(".")
    return path[:cut] if cut >= 0 else ""


def flatten(doc: Mapping[str, Any], schema: Json, direction: str) -> dict[str, FieldInfo]:
    """{field path: FieldInfo} for a schema as a request (`direction="request"`) or a response sees it."""
    flattener = _Flattener(_Resolver(doc), direction)
    flattener.walk(schema, "", True)
    return flattener.fields


# ---------------------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------------------


def sdk_media_type(content: Mapping[str, Any]) -> str | None:
    """The media type the SDK uses among these: the newest dated Atlas version, else the first one."""
    dated = sorted((m.group(1), media) for media in content if (m := _VERSIONED.match(media)))
    if dated:
        return dated[-1][1]
    return next(iter(content), None)


def _success(op: Mapping[str, Any], resolver: _Resolver) -> dict[str, dict[str, Any]]:
    """{status: content} for the 2xx responses."""
    out: dict[str, dict[str, Any]] = {}
    for status, response in (op.get("responses") or {}).items():
        if str(status).startswith("2"):
            resolved, _ = resolver.deref(response)
            out[str(status)] = dict(resolved.get("content") or {})
    return out


def _versions(success: Mapping[str, Mapping[str, Any]], body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Atlas media type of the operation with its response-side facts (x-sunset)."""
    versions: dict[str, dict[str, Any]] = {}
    for content in success.values():
        for media, entry in content.items():
            if media.startswith("application/vnd.atlas."):
                versions.setdefault(media, {}).update(entry if isinstance(entry, dict) else {})
    for media in body:
        if media.startswith("application/vnd.atlas."):
            versions.setdefault(media, {})
    return versions


def _sdk_version(versions: Mapping[str, Mapping[str, Any]], as_of: str | None) -> str | None:
    """The version the SDK sends, as ``openapi/upstream.py`` (`choose_version`) picks it: the newest dated
    version not sunset on the document's date (``as_of``), else the newest; ``preview`` only when nothing else is
    offered. JSON first among media types of the same version."""
    if not versions:
        return None
    dated: dict[str, list[str]] = {}
    for media in versions:
        match = _VERSIONED.match(media)
        if match:
            dated.setdefault(match.group(1), []).append(media)
    if not dated:
        return next(iter(versions))

    def sunset(date: str) -> str | None:
        found = [str(versions[m]["x-sunset"]) for m in dated[date] if versions[m].get("x-sunset")]
        return min(found) if len(found) == len(dated[date]) else None

    live = [d for d in sorted(dated) if as_of is None or (s := sunset(d)) is None or s > as_of]
    chosen = live[-1] if live else max(dated)
    return sorted(dated[chosen], key=lambda m: (not m.endswith("+json"), m))[0]


def _compare_fields(
    old: Mapping[str, FieldInfo], new: Mapping[str, FieldInfo], direction: str, where: str
) -> list[Change]:
    changes: list[Change] = []
    request = direction == "request"

    def at(path: str) -> str:
        return f"{where} `{path}`" if path else where

    for path in sorted(set(new) - set(old)):
        info = new[path]
        parent = _parent(path)
        if parent is None or parent not in old or info.kind == "variant":
            continue  # inside something that is itself new: reported once, at its top
        if request:
            kind = "field-added-request-required" if info.required else "field-added-request"
        else:
            kind = "field-added-response"
        note = " (required)" if info.required and request else ""
        changes.append(Change(kind, f"{at(path)} added{note}"))
    for path in sorted(set(old) - set(new)):
        parent = _parent(path)
        if parent is None or parent not in new or old[path].kind == "variant":
            continue
        changes.append(Change(f"field-removed-{direction}", f"{at(path)} removed"))
    for path in sorted(set(old) & set(new)):
        before, after = old[path], new[path]
        recursive = before.kind.startswith("recursive") or after.kind.startswith("recursive")
        if before.kind != after.kind and not recursive:
            changes.append(Change("type-changed", f"{at(path)} type {before.kind} → {after.kind}"))
        if before.required != after.required and path:
            if after.required:
                changes.append(Change(f"required-{direction}", f"{at(path)} now required"))
            else:
                changes.append(Change(f"optional-{direction}", f"{at(path)} now optional"))
        if before.nullable != after.nullable:
            verb = "added" if after.nullable else "removed"
            changes.append(Change(f"nullable-{direction}-{verb}", f"{at(path)} nullable {verb}"))
        if after.deprecated and not before.deprecated:
            changes.append(Change("field-deprecated", f"{at(path)} deprecated"))
        if before.enum is not None and after.enum is not None:
            added = [v for v in after.enum if v not in before.enum]
            removed = [v for v in before.enum if v not in after.enum]
            if added:
                changes.append(Change(f"enum-added-{direction}", f"{at(path)} enum values added: {_values(added)}"))
            if removed:
                changes.append(Change("enum-removed", f"{at(path)} enum values removed: {_values(removed)}"))
        if before.variants is not None and after.variants is not None:
            added = [v for v in after.variants if v not in before.variants]
            removed = [v for v in before.variants if v not in after.variants]
            if added:
                changes.append(
                    Change(f"variant-added-{direction}", f"{at(path)} union variants added: {_values(added)}")
                )
            if removed:
                changes.append(Change("variant-removed", f"{at(path)} union variants removed: {_values(removed)}"))
    return changes


def _values(values: list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _parameters(resolver: _Resolver, op: Mapping[str, Any], shared: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(in, name): parameter}; operation-level ones win over path-level ones."""
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*shared, *(op.get("parameters") or [])]:
        param, _ = resolver.deref(raw)
        if "name" in param and "in" in param:
            params[(str(param["in"]), str(param["name"]))] = param
    return params


def _compare_parameters(
    old_doc: Mapping[str, Any],
    new_doc: Mapping[str, Any],
    old: tuple[OperationRef, dict[str, Any], list[Any]],
    new: tuple[OperationRef, dict[str, Any], list[Any]],
) -> list[Change]:
    old_resolver, new_resolver = _Resolver(old_doc), _Resolver(new_doc)
    before = _parameters(old_resolver, old[1], old[2])
    after = _parameters(new_resolver, new[1], new[2])
    changes: list[Change] = []
    old_path_names = _PATH_PARAM.findall(old[0].path)
    new_path_names = _PATH_PARAM.findall(new[0].path)
    for old_name, new_name in zip(old_path_names, new_path_names, strict=True):
        if old_name != new_name:
            changes.append(Change("param-renamed", f"path parameter `{old_name}` renamed `{new_name}`"))
    renamed_path = set(old_path_names) ^ set(new_path_names)
    for key in sorted(set(after) - set(before)):
        if key[0] == "path" and key[1] in renamed_path:
            continue
        param = after[key]
        if param.get("required"):
            changes.append(Change("param-added-required", f"{key[0]} parameter `{key[1]}` added (required)"))
        else:
            changes.append(Change("param-added", f"{key[0]} parameter `{key[1]}` added"))
    for key in sorted(set(before) - set(after)):
        if key[0] == "path" and key[1] in renamed_path:
            continue
        changes.append(Change("param-removed", f"{key[0]} parameter `{key[1]}` removed"))
    for key in sorted(set(before) & set(after)):
        b, a = before[key], after[key]
        where = f"{key[0]} parameter `{key[1]}`"
        if a.get("deprecated") and not b.get("deprecated"):
            changes.append(Change("param-deprecated", f"{where} deprecated"))
        if bool(a.get("required")) != bool(b.get("required")):
            if a.get("required"):
                changes.append(Change("required-request", f"{where} now required"))
            else:
                changes.append(Change("optional-request", f"{where} now optional"))
        fields_before = flatten(old_doc, b.get("schema") or {}, "request")
        fields_after = flatten(new_doc, a.get("schema") or {}, "request")
        # The parameter's own requiredness was compared above; compare its schema as a required value.
        changes.extend(_compare_fields(fields_before, fields_after, "request", where))
    return changes


def _compare_operation(
    old_doc: Mapping[str, Any],
    new_doc: Mapping[str, Any],
    old: tuple[OperationRef, dict[str, Any], list[Any]],
    new: tuple[OperationRef, dict[str, Any], list[Any]],
    dates: tuple[str | None, str | None],
) -> tuple[list[Change], list[tuple[str, str | None, str, bool]]]:
    old_resolver, new_resolver = _Resolver(old_doc), _Resolver(new_doc)
    old_op, new_op = old[1], new[1]
    changes = _compare_parameters(old_doc, new_doc, old, new)

    old_body, _ = old_resolver.deref(old_op.get("requestBody") or {})
    new_body, _ = new_resolver.deref(new_op.get("requestBody") or {})
    old_body_content = dict(old_body.get("content") or {})
    new_body_content = dict(new_body.get("content") or {})
    old_success = _success(old_op, old_resolver)
    new_success = _success(new_op, new_resolver)

    old_versions = _versions(old_success, old_body_content)
    new_versions = _versions(new_success, new_body_content)
    old_sdk, new_sdk = _sdk_version(old_versions, dates[0]), _sdk_version(new_versions, dates[1])
    for media in sorted(set(new_versions) - set(old_versions)):
        changes.append(Change("version-added", f"media-type version `{media}` added"))
    for media in sorted(set(old_versions) - set(new_versions)):
        if media == old_sdk:
            changes.append(Change("sdk-version-removed", f"media-type version `{media}` removed (the SDK used it)"))
        else:
            changes.append(Change("version-removed", f"media-type version `{media}` removed"))
    if old_sdk and new_sdk and old_sdk != new_sdk and old_sdk in new_versions:
        changes.append(Change("sdk-version-changed", f"the SDK moves from `{old_sdk}` to `{new_sdk}`"))
    sunsets: list[tuple[str, str | None, str, bool]] = []
    for media, facts in sorted(new_versions.items()):
        after = facts.get("x-sunset")
        before = old_versions.get(media, {}).get("x-sunset")
        if after is not None and str(after) != (str(before) if before is not None else None):
            sunsets.append((media, None if before is None else str(before), str(after), media == new_sdk))

    # The request body, on the version the SDK sends.
    old_body_schema = _schema_for(old_body_content, old_sdk)
    new_body_schema = _schema_for(new_body_content, new_sdk)
    if old_body_schema is None and new_body_schema is not None:
        kind = "body-added-required" if new_body.get("required") else "body-added"
        changes.append(Change(kind, "request body added"))
    elif old_body_schema is not None and new_body_schema is None:
        changes.append(Change("body-removed", "request body removed"))
    elif old_body_schema is not None and new_body_schema is not None:
        changes.extend(
            _compare_fields(
                flatten(old_doc, old_body_schema, "request"),
                flatten(new_doc, new_body_schema, "request"),
                "request",
                "request body",
            )
        )

    for status in sorted(set(new_success) - set(old_success)):
        changes.append(Change("status-added", f"success response {status} added"))
    for status in sorted(set(old_success) - set(new_success)):
        changes.append(Change("status-removed", f"success response {status} removed"))
    for status in sorted(set(old_success) & set(new_success)):
        old_schema = _schema_for(old_success[status], old_sdk)
        new_schema = _schema_for(new_success[status], new_sdk)
        if old_schema is None or new_schema is None:
            if (old_schema is None) != (new_schema is None):
                verb = "added" if old_schema is None else "removed"
                changes.append(
                    Change(
                        "field-added-response" if verb == "added" else "field-removed-response",
                        f"response {status} body {verb}",
                    )
                )
            continue
        changes.extend(
            _compare_fields(
                flatten(old_doc, old_schema, "response"),
                flatten(new_doc, new_schema, "response"),
                "response",
                f"response {status}",
            )
        )
    return changes, sunsets


def _schema_for(content: Mapping[str, Any], preferred: str | None) -> Json | None:
    """The schema of the SDK's media type in this content (else of its only/first media type)."""
    if not content:
        return None
    media = preferred if preferred in content else sdk_media_type(content)
    entry = content.get(media) if media else None
    if not isinstance(entry, dict) or "schema" not in entry:
        return None
    return entry["schema"]


def diff(
    old_doc: Mapping[str, Any],
    new_doc: Mapping[str, Any],
    old_label: str = "old",
    new_label: str = "new",
    dates: tuple[str | None, str | None] | None = None,
) -> SpecDiff:
    """Everything that differs between two documents for a caller of the SDK.

    ``dates`` are the documents' publication dates (default: a YYYY-MM-DD in each label), used like the pipeline
    uses them: a media-type version sunset on its document's date is not the one the SDK sends.
    """
    if dates is None:
        dates = (snapshot_date(old_label), snapshot_date(new_label))
    old_ops, new_ops = _operations(old_doc), _operations(new_doc)
    result = SpecDiff(old_label=old_label, new_label=new_label, old_count=len(old_ops), new_count=len(new_ops))
    for key in sorted(set(new_ops) - set(old_ops), key=_sort_key):
        result.added.append(new_ops[key][0])
    for key in sorted(set(old_ops) - set(new_ops), key=_sort_key):
        result.removed.append(old_ops[key][0])
    for key in sorted(set(old_ops) & set(new_ops), key=_sort_key):
        old, new = old_ops[key], new_ops[key]
        if old[0].name != new[0].name or old[0].operation_id != new[0].operation_id:
            result.renamed.append((old[0], new[0]))
        if new[1].get("deprecated") and not old[1].get("deprecated"):
            result.deprecated.append(new[0])
        elif old[1].get("deprecated") and not new[1].get("deprecated"):
            result.undeprecated.append(new[0])
        changes, sunsets = _compare_operation(old_doc, new_doc, old, new, dates)
        for media, before, after, sdk in sunsets:
            result.sunsets.append((new[0], media, before, after, sdk))
        if changes:
            result.changed.append(OperationChanges(old[0], new[0], changes))
    return result


def _sort_key(key: tuple[str, str]) -> tuple[str, str]:
    return key[1], key[0]


# ---------------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------------


def render_markdown(
    result: SpecDiff, title: str | None = None, names: Mapping[tuple[str, str], str] | None = None
) -> str:
    """One dated section for API-CHANGES.md. `names` maps (METHOD, path) to the facade method name."""
    names = names or {}

    def op_name(op: OperationRef) -> str:
        facade = names.get((op.method, op.path))
        shown = f"`{facade}`" if facade else f"`{op.name}`"
        return f"{shown} (`{op.tag}`)"

    lines: list[str] = []
    heading = title or f"{_today()}: {result.old_label} → {result.new_label}"
    lines += [f"## {heading}", "", f"**Summary:** {result.summary()}.", ""]
    breaking = result.breaking
    if breaking:
        lines += [f"### Breaking changes ({len(breaking)})", ""]
        for op, change in breaking:
            lines.append(f"- **BREAKING** `{op.label}` {op_name(op)}: {change.text}. _{change.why}._")
        lines.append("")
    else:
        lines += ["No change breaks a caller of the SDK.", ""]
    if result.added:
        lines += [f"### Operations added ({len(result.added)})", "", "| operation | name | summary |", "|---|---|---|"]
        lines += [f"| `{op.label}` | {op_name(op)} | {_cell(op.summary)} |" for op in result.added]
        lines.append("")
    if result.removed:
        lines += [
            f"### Operations removed ({len(result.removed)}) — breaking",
            "",
            "| operation | name | summary |",
            "|---|---|---|",
        ]
        lines += [f"| `{op.label}` | {op_name(op)} | {_cell(op.summary)} |" for op in result.removed]
        lines.append("")
    if result.deprecated or result.undeprecated:
        lines += [f"### Operations deprecated ({len(result.deprecated)})", ""]
        lines += [f"- `{op.label}` {op_name(op)}" for op in result.deprecated]
        lines += [f"- `{op.label}` {op_name(op)}: no longer deprecated" for op in result.undeprecated]
        lines.append("")
    if result.renamed:
        lines += [f"### Official names changed ({len(result.renamed)})", ""]
        lines += [
            f"- `{new.label}`: `{old.name}` → `{new.name}` (old name kept as a deprecated alias)"
            for old, new in result.renamed
        ]
        lines.append("")
    if result.sunsets:
        lines += [f"### Sunset dates ({len(result.sunsets)})", ""]
        for op, media, before, after, sdk in result.sunsets:
            lines.append(f"- `{op.label}` {op_name(op)}: {_sunset_text(media, before, after, sdk)}")
        lines.append("")
    if result.changed:
        lines += [f"### Changed operations ({len(result.changed)})", ""]
        for oc in result.changed:
            lines.append(f"#### `{oc.new.label}` {op_name(oc.new)}")
            lines.append("")
            for change in oc.changes:
                mark = "**BREAKING**" if change.breaking else "non-breaking"
                lines.append(f"- {mark}: {change.text}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _today() -> str:
    return _dt.datetime.now(_dt.UTC).date().isoformat()


# ---------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spec_diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the document the SDK was generated from")
    parser.add_argument("new", help="the newer document")
    parser.add_argument("--markdown", metavar="FILE", help="write the Markdown section here instead of stdout")
    parser.add_argument("--title", help="section heading (default: today's date and the two snapshot labels)")
    parser.add_argument("--allow-breaking", action="store_true", help="exit 0 even when something breaks callers")
    args = parser.parse_args(argv)
    try:
        old_doc, new_doc = load(args.old), load(args.new)
    except SpecDiffError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    result = diff(old_doc, new_doc, snapshot_label(args.old, old_doc), snapshot_label(args.new, new_doc))
    text = render_markdown(result, title=args.title)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"spec_diff: {result.summary()}", file=sys.stderr)
    if result.breaking and not args.allow_breaking:
        print("spec_diff: breaking changes (see the report); pass --allow-breaking to accept them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
