"""Resource families, derived from the spec's paths: which operations share which stored collection.

A family is a collection path (``/api/atlas/v2/groups/{groupId}/clusters``) and its item path, the
collection path plus one or more path parameters (``.../{clusterName}``, ``.../{databaseName}/{username}``).
POST on the collection creates, GET on it lists, GET/PATCH/PUT/DELETE on the item read, change and
remove. Nothing here names a resource: a spec with other paths gets other families.
"""

from __future__ import annotations

import collections
import re
from typing import Any

import attrs

from ._spec import Spec, SpecOperation

_PARAM_SEGMENT = re.compile(r"^\{([^}/]+)\}$")
# How many trailing parameter segments an item path may add to its collection path.
_MAX_ITEM_PARAMS = 3


@attrs.define(frozen=True)
class ItemKey:
    """One path parameter of an item path and the item field that holds its value."""

    param: str  # e.g. "clusterName"
    field: str | None  # e.g. "name"; None: the value may be in any of the item's scalar fields
    schema: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)  # the path parameter's schema


@attrs.define(frozen=True)
class Family:
    """A stored collection and the operations on it."""

    collection: str  # the collection's path template
    item: str | None  # the item's path template, when there is one
    keys: tuple[ItemKey, ...]
    id_field: str | None  # "_id" or "id": what create generates
    links: bool  # whether items carry "links"
    item_schema: Any  # the schema of one item as answered, or None
    # For a collection nobody can POST to, the list operation whose documented example fills it at first use.
    initial: str | None = None
    operations: dict[str, str] = attrs.field(factory=dict)  # kind -> operation id

    @property
    def key(self) -> str | None:
        """The (first) item path parameter."""
        return self.keys[0].param if self.keys else None


@attrs.define(frozen=True)
class Behaviour:
    """How FakeAtlas serves one operation: from the store, as a single document, or from the spec's example."""

    kind: str  # list | create | get | update | replace | delete | doc_get | doc_update | doc_replace | example
    family: Family | None = None
    document: str | None = None  # the path template of a single document (doc_* kinds)

    @property
    def collection(self) -> str | None:
        """The collection's path template (or the document's), for stored behaviours."""
        return self.family.collection if self.family is not None else self.document

    @property
    def key(self) -> str | None:
        return self.family.key if self.family is not None else None

    @property
    def id_field(self) -> str | None:
        return self.family.id_field if self.family is not None else None


def item_schema(spec: Spec, collection_ops: dict[str, SpecOperation], item_ops: dict[str, SpecOperation]) -> Any:
    """The schema of one item: from the item's GET, else the create answer, else the list's items."""
    for op in (item_ops.get("GET"), collection_ops.get("POST"), item_ops.get("PATCH"), item_ops.get("PUT")):
        if op is not None and op.response_schema is not None and _is_item(spec, op.response_schema):
            return op.response_schema
    listing = collection_ops.get("GET")
    if listing is not None and listing.response_schema is not None:
        schema = spec.resolve(listing.response_schema)
        if schema.get("type") == "array":
            return spec.resolve(schema.get("items"))
        results = spec.property_schema(schema, "results")
        if isinstance(results, dict):
            return spec.resolve(results.get("items"))
    return None


def _is_listing(spec: Spec, op: SpecOperation) -> bool:
    if op.response_schema is None:
        return True
    schema = spec.resolve(op.response_schema)
    return schema.get("type") == "array" or "results" in set(spec.walk_properties(schema))


def _is_item(spec: Spec, schema: Any) -> bool:
    resolved = spec.resolve(schema)
    if not isinstance(resolved, dict) or resolved.get("type") == "array":
        return False
    return "results" not in set(spec.walk_properties(resolved))


def key_field(
    spec: Spec, param: str, param_schema: dict[str, Any], item: Any, id_field: str | None, created: Any = None
) -> str | None:
    """The item field that holds the value of path parameter ``param``.

    By name first ("roleName" -> "roleName", "clusterName" -> "name", "restoreJobId" -> "id"), then by
    what the values look like: a field with the same pattern, or an enum sharing the parameter's values
    ("{cloudProvider}" -> "providerName").
    """
    properties = list(spec.walk_properties(item)) if item is not None else []
    if param in properties:
        return param
    lowered = param.lower()
    if lowered.endswith("id") and id_field:
        return id_field
    if lowered.endswith("name") and "name" in properties:
        return "name"
    if created is not None and param in set(spec.walk_properties(created)):
        return param  # an asynchronous job: create answers a token that the item path takes
    for name in properties:
        prop = spec.property_schema(item, name) or {}
        if param_schema.get("pattern") and prop.get("pattern") == param_schema["pattern"]:
            return name
        if param_schema.get("enum") and set(prop.get("enum") or ()) & set(param_schema["enum"]):
            return name
    return None


def plan_behaviours(spec: Spec) -> dict[str, Behaviour]:
    """Decide how each operation of ``spec`` is served.

    A collection is stateful when the operations both write it (POST to the collection, or PUT/PATCH on
    an item) and read it back (GET on the collection or an item). A path with a GET and a PATCH/PUT but
    no collection around it is a single document (project settings, say). Everything else answers
    with its documented or synthesized example.
    """
    by_path: dict[str, dict[str, SpecOperation]] = collections.defaultdict(dict)
    for op in spec.operations:
        by_path[op.path][op.method] = op
    items: dict[str, list[tuple[str, tuple[str, ...]]]] = collections.defaultdict(list)
    for path in by_path:
        segments = path.split("/")
        for count in range(1, _MAX_ITEM_PARAMS + 1):
            tail = segments[-count:]
            if len(segments) <= count + 1 or not all(_PARAM_SEGMENT.match(s) for s in tail):
                break
            parent = "/".join(segments[:-count])
            if parent in by_path:
                items[parent].append((path, tuple(s[1:-1] for s in tail)))
                break

    plan: dict[str, Behaviour] = {}
    for collection, methods in by_path.items():
        candidates = items.get(collection, [])
        item_path, params = candidates[0] if candidates else (None, ())
        item_methods = by_path[item_path] if item_path else {}
        writes = "POST" in methods or bool(set(item_methods) & {"PUT", "PATCH"})
        reads = "GET" in methods or "GET" in item_methods
        if not (writes and reads and ("POST" in methods or "GET" in methods)):
            continue
        if "GET" in methods and not _is_listing(spec, methods["GET"]):
            continue  # a GET that answers one value (a setting), with a POST that sets it: not a collection
        schema = item_schema(spec, methods, item_methods)
        properties = set(spec.walk_properties(schema)) if schema is not None else set()
        id_field = "_id" if "_id" in properties else "id" if ("id" in properties or not properties) else None
        create = methods.get("POST")
        create = methods.get("POST")
        created = create.response_schema if create is not None else None
        param_schemas = {p.name: p.schema for op in item_methods.values() for p in op.path_params}
        family = Family(
            collection=collection,
            item=item_path,
            keys=tuple(
                ItemKey(
                    p, key_field(spec, p, param_schemas.get(p, {}), schema, id_field, created), param_schemas.get(p, {})
                )
                for p in params
            ),
            id_field=id_field,
            links="links" in properties or not properties,
            item_schema=schema,
            initial=methods["GET"].operation_id if create is None and "GET" in methods else None,
            operations={},
        )
        kinds: dict[str, SpecOperation | None] = {"list": methods.get("GET"), "create": create}
        for method, kind in (("GET", "get"), ("PATCH", "update"), ("PUT", "replace"), ("DELETE", "delete")):
            kinds[kind] = item_methods.get(method)
        for kind, planned in kinds.items():
            if planned is not None:
                family.operations[kind] = planned.operation_id
                plan[planned.operation_id] = Behaviour(kind, family=family)
    for path, methods in by_path.items():
        if "GET" in methods and ({"PATCH", "PUT"} & set(methods)) and methods["GET"].operation_id not in plan:
            for method, kind in (("GET", "doc_get"), ("PATCH", "doc_update"), ("PUT", "doc_replace")):
                if method in methods and methods[method].operation_id not in plan:
                    plan[methods[method].operation_id] = Behaviour(kind, document=path)
    for op in spec.operations:
        plan.setdefault(op.operation_id, Behaviour("example"))
    return plan


def families(plan: dict[str, Behaviour]) -> list[Family]:
    """The distinct families of a plan, in spec order."""
    seen: dict[str, Family] = {}
    for behaviour in plan.values():
        if behaviour.family is not None:
            seen.setdefault(behaviour.family.collection, behaviour.family)
    return list(seen.values())
