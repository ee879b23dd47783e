"""What an operation does to FakeAtlas's state: create, read, list, change and delete stored items."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from starlette.datastructures import URL

from ._families import Behaviour, Family
from ._lifecycle import Lifecycle, StateMachine, state_machine_for
from ._patterns import matches
from ._responses import ApiProblem
from ._spec import Spec, SpecOperation
from ._store import Document, Store, new_object_id

DEFAULT_BASE = "https://cloud.mongodb.com"
_TEMPLATE_PARAM = re.compile(r"\{([^}/]+)\}")


def fill(template: str, params: Mapping[str, Any]) -> str:
    """``template`` with its ``{param}``s replaced by percent-encoded values."""
    return _TEMPLATE_PARAM.sub(lambda m: urllib.parse.quote(str(params.get(m.group(1), "")), safe=""), template)


def template_regex(template: str) -> re.Pattern[str]:
    """A regex matching the concrete paths of ``template``, capturing each parameter."""
    parts = _TEMPLATE_PARAM.split(template)
    pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile("^" + pattern + "$")


class Resources:
    """Serves the stored behaviours of a plan (see `plan_behaviours`) from a `Store`."""

    def __init__(self, spec: Spec, store: Store, lifecycle: Lifecycle, clock: Callable[[], float]) -> None:
        self.spec = spec
        self.store = store
        self.lifecycle = lifecycle
        self.clock = clock
        self._machines: dict[str, StateMachine | None] = {}

    def machine(self, family: Family) -> StateMachine | None:
        """The state machine of the family's items (None: ready at once)."""
        if family.collection not in self._machines:
            self._machines[family.collection] = state_machine_for(self.spec, family.item_schema)
        return self._machines[family.collection]

    # --- dispatch -----------------------------------------------------------------------------------
    def handle(
        self,
        behaviour: Behaviour,
        op: SpecOperation,
        params: dict[str, Any],
        body: Any,
        url: URL | None,
        media_type: str | None,
    ) -> tuple[int, Any]:
        """The status and payload of ``op`` served as ``behaviour``."""
        if behaviour.kind == "example":
            return op.success_status, self.spec.example_for(op, media_type)
        if behaviour.kind.startswith("doc_"):
            return op.success_status, self._document(behaviour, op, params, body, media_type)
        family = behaviour.family
        assert family is not None  # every other kind is planned with its family
        path = fill(family.collection, params)
        if family.initial and path not in self.store.collections:
            self.fill_from_example(path, family)
        if behaviour.kind == "list":
            return op.success_status, self.listing(op, url, params, self.store.list(path))
        if behaviour.kind == "create":
            return self._create(family, op, path, params, body, url, media_type)
        key_values = [str(params.get(k.param, "")) for k in family.keys]
        item = self.store.find(path, list(zip(family.keys, key_values, strict=True)))
        if item is None:
            described = ", ".join(f"{k.param} {v!r}" for k, v in zip(family.keys, key_values, strict=True))
            raise ApiProblem(404, "RESOURCE_NOT_FOUND", f"No resource with {described or 'that id'} exists.")
        if behaviour.kind == "get":
            return op.success_status, self.render(item, op, media_type)
        if behaviour.kind == "delete":
            self._delete(family, path, item)
            return op.success_status, None if op.success_status == 204 else ({} if op.response_schema else None)
        if isinstance(body, dict):
            kept: dict[str, Any] = {f: item[f] for f in self._kept_on_change(family) if f in item}
            if behaviour.kind == "replace":
                item.clear()
            item.update(self._without_write_only(family, body))
            item.update(kept)
        self.lifecycle.updated(self.machine(family), item)
        return op.success_status, self.render(item, op, media_type)

    # --- behaviours ---------------------------------------------------------------------------------
    def _create(
        self,
        family: Family,
        op: SpecOperation,
        path: str,
        params: dict[str, Any],
        body: Any,
        url: URL | None,
        media_type: str | None,
    ) -> tuple[int, Any]:
        created = []
        for given in body if isinstance(body, list) else [body]:
            if not isinstance(given, dict):
                continue
            # The server owns ids and links; a client cannot choose them.
            fresh = {k: v for k, v in given.items() if k not in self._server_owned(family)}
            existing = self._same_entry(family, path, fresh)
            if existing is not None:
                # Entries named by their value (an access-list entry's IP address): adding one again
                # changes it, as Atlas does, rather than storing it twice.
                existing.update(self._without_write_only(family, fresh))
                created.append(existing)
                continue
            keyed = [(k, fresh.get(k.field)) for k in family.keys if k.field]
            complete = bool(keyed) and len(keyed) == len(family.keys) and all(v is not None for _, v in keyed)
            if complete and self.store.find(path, [(k, str(v)) for k, v in keyed]) is not None:
                names = ", ".join(f"{k.field} {v!r}" for k, v in keyed)
                raise ApiProblem(409, "DUPLICATE_RESOURCE", f"A resource with {names} already exists.")
            item = self._with_server_fields(family, op, params, fresh, media_type)
            stored = self.put(path, item, family, url)
            self.lifecycle.created(self.machine(family), stored)
            created.append(stored)
        schema = op.response_schema or {}
        if "results" in schema.get("properties", {}) or schema.get("type") == "array":
            return op.success_status, self.listing(op, url, params, self.store.list(path))
        return op.success_status, self.render(created[0], op, media_type) if created else None

    def _same_entry(self, family: Family, path: str, given: Document) -> Document | None:
        """For a family keyed by a value without a field of its own, the stored item ``given`` names again."""
        if len(family.keys) != 1 or family.keys[0].field is not None or not family.keys[0].schema:
            return None
        key = family.keys[0]
        pattern = key.schema.get("pattern")
        if pattern is None:  # nothing tells which of the body's values names the entry
            return None
        for value in given.values():
            if isinstance(value, str) and matches(pattern, value):
                found = self.store.find(path, [(key, value)])
                if found is not None:
                    return found
        return None

    def _delete(self, family: Family, path: str, item: Document) -> None:
        def remove() -> None:
            self.store.remove_item(path, item)
            # Nested families live under their parent: a project's clusters go with it.
            for key in self._key_values(family, item):
                self.store.drop_under(f"{path}/{urllib.parse.quote(key, safe='')}")

        if not self.lifecycle.deleting(self.machine(family), item, remove):
            remove()

    def _document(
        self, behaviour: Behaviour, op: SpecOperation, params: dict[str, Any], body: Any, media_type: str | None
    ) -> Any:
        path = fill(behaviour.document or op.path, params)
        document = self.store.documents.get(path)
        if document is None:
            # A single document exists from the start; begin from what the spec documents.
            getter = next(o for o in self.spec.operations if o.path == op.path and o.method == "GET")
            example = self.spec.example_for(getter, None)
            document = dict(example) if isinstance(example, dict) else {}
        if behaviour.kind == "doc_update" and isinstance(body, dict):
            document = {**document, **body}
        elif behaviour.kind == "doc_replace" and isinstance(body, dict):
            document = dict(body)
        self.store.documents[path] = document
        return document

    def fill_from_example(self, path: str, family: Family) -> None:
        """Start a collection nobody can POST to from its list operation's documented example."""
        example = self.spec.by_id[family.initial or ""].example
        items = example.get("results", []) if isinstance(example, dict) else example
        self.store.collections[path] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                self.store.put(path, item, id_field=family.id_field, key=family.key)

    # --- items --------------------------------------------------------------------------------------
    def put(self, path: str, item: Document, family: Family | None, url: URL | None = None) -> Document:
        """Store ``item`` in the collection at ``path``, with an id and links when its family has them."""
        id_field = family.id_field if family else "id"
        if id_field and not item.get(id_field):
            item[id_field] = new_object_id()
        if family is not None and family.links and "links" not in item:
            keys = self._key_values(family, item) or [str(item.get(id_field or "id", ""))]
            base = f"{url.scheme}://{url.netloc}" if url is not None else DEFAULT_BASE
            href = base + path + "".join("/" + urllib.parse.quote(k, safe="") for k in keys)
            item["links"] = [{"rel": "self", "href": href}]
        return self.store.put(path, item, id_field=id_field, key=family.key if family else None)

    def _key_values(self, family: Family, item: Document) -> list[str]:
        values = []
        for key in family.keys:
            if key.field:
                value = item.get(key.field)
            else:
                # Neither the id nor a field of the collection's own path (the project's groupId, say).
                exclude = {*self._server_owned(family), *_TEMPLATE_PARAM.findall(family.collection)}
                value = self.store.any_scalar(item, exclude)
            if value is None:
                return []
            values.append(str(value))
        return values

    def _with_server_fields(
        self, family: Family, op: SpecOperation, params: dict[str, Any], given: Document, media_type: str | None
    ) -> Document:
        """``given`` plus what the server fills in: read-only and required fields of the answer's schema."""
        response = op.response_for(media_type)
        schema = response.schema if response is not None and response.schema is not None else family.item_schema
        if schema is None or not _is_object(self.spec, schema):
            return dict(given)
        synthesized = self.spec.synthesizer.value(schema)
        if not isinstance(synthesized, dict):
            return dict(given)
        required = set(self._required(schema))
        server: Document = {}
        now = self.now()
        for name, value in synthesized.items():
            prop = self.spec.property_schema(schema, name) or {}
            if name in params:
                server[name] = params[name]  # "groupId" of an item created under that project
            elif prop.get("readOnly") or name in required:
                server[name] = now if prop.get("format") == "date-time" and prop.get("readOnly") else value
        if family.id_field:
            server.pop(family.id_field, None)
        server.pop("links", None)
        for key in family.keys:
            if key.field and key.field != family.id_field and key.field not in given and key.schema:
                # A key the server makes up (a service account's clientId): valid for the item's path.
                server[key.field] = self._fresh_key(key.schema)
        return {**server, **self._without_write_only(family, given)}

    def _fresh_key(self, param_schema: dict[str, Any]) -> Any:
        sample = self.spec.synthesizer.value(param_schema)
        if isinstance(sample, str) and re.fullmatch(r"[0-9a-f]{24}", sample):
            return new_object_id()
        return sample

    def render(self, item: Document, op: SpecOperation, media_type: str | None) -> Document:
        """``item`` as answered in ``media_type``: required fields of that version's schema filled in."""
        response = op.response_for(media_type)
        if response is None or response.schema is None or not _is_object(self.spec, response.schema):
            return item
        missing = [name for name in self._required(response.schema) if name not in item]
        if not missing:
            return item
        synthesized = self.spec.synthesizer.value(response.schema)
        if not isinstance(synthesized, dict):
            return item
        return {**{n: synthesized[n] for n in missing if n in synthesized}, **item}

    def _required(self, schema: Any) -> list[str]:
        resolved = self.spec.resolve(schema)
        names: list[str] = list(resolved.get("required", [])) if isinstance(resolved, dict) else []
        for part in resolved.get("allOf", []) if isinstance(resolved, dict) else []:
            names.extend(self._required(part))
        return names

    def _server_owned(self, family: Family) -> tuple[str, ...]:
        return tuple(f for f in (family.id_field, "links") if f)

    def _kept_on_change(self, family: Family) -> tuple[str, ...]:
        # What a PATCH/PUT cannot change: the id and links, and the fields the item's path is made of.
        return (*self._server_owned(family), *(k.field for k in family.keys if k.field))

    def _without_write_only(self, family: Family, body: Document) -> Document:
        """``body`` without the fields Atlas never answers with (passwords and other optional writeOnly ones)."""
        if family.item_schema is None:
            return dict(body)
        required = set(self._required(family.item_schema))
        return {
            k: v
            for k, v in body.items()
            if k in required or not (self.spec.property_schema(family.item_schema, k) or {}).get("writeOnly")
        }

    def now(self) -> str:
        """The fake's clock as an ISO 8601 timestamp."""
        return self.spec.synthesizer.now(self.clock())

    # --- listings -----------------------------------------------------------------------------------
    def listing(self, op: SpecOperation, url: URL | None, params: dict[str, Any], items: list[Document]) -> Any:
        """``items`` in the list envelope ``op`` documents (``results``/``totalCount``/``links``, or an array)."""
        schema = op.response_schema or {}
        if schema.get("type") == "array" or "results" not in schema.get("properties", {"results": None}):
            return items
        per_page = int(params.get("itemsPerPage") or 100)
        page = int(params.get("pageNum") or 1)
        start = (page - 1) * per_page
        self_href = str(url) if url is not None else DEFAULT_BASE + op.path
        links = [{"rel": "self", "href": self_href}]
        if url is not None and page > 1:
            links.insert(0, {"rel": "previous", "href": str(url.include_query_params(pageNum=page - 1))})
        if url is not None and start + per_page < len(items):
            links.append({"rel": "next", "href": str(url.include_query_params(pageNum=page + 1))})
        listing: dict[str, Any] = {"links": links, "results": items[start : start + per_page]}
        if params.get("includeCount", True) is not False:
            listing["totalCount"] = len(items)
        return listing


def _is_object(spec: Spec, schema: Any) -> bool:
    resolved = spec.resolve(schema)
    return isinstance(resolved, dict) and resolved.get("type", "object") == "object"
