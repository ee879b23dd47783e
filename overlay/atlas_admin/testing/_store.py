"""The in-memory state behind FakeAtlas: collections of documents and single documents, by concrete path."""

from __future__ import annotations

import builtins
import copy
import secrets
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._families import ItemKey

Document = dict[str, Any]

# Fields an item may be addressed by, after the path parameter's own name (``{roleName}`` -> "roleName").
_KEY_FIELDS = ("_id", "id", "name")


def new_object_id() -> str:
    """A 24-hex id shaped like a MongoDB ObjectId (seconds since the epoch, then random bytes)."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


class Store:
    """Documents keyed by the concrete URL path of their collection.

    A collection path is the path the list/create operations use, e.g.
    ``/api/atlas/v2/groups/5f1e.../backup/exportBuckets``; single documents (project settings and the
    like) live under the path their GET/PATCH operations use::

        fake.store.put("/api/atlas/v2/groups/5f1e.../backup/exportBuckets", {"bucketName": "b", "cloudProvider": "AWS"})
        fake.store.list("/api/atlas/v2/groups/5f1e.../backup/exportBuckets")
    """

    def __init__(self) -> None:
        self.collections: dict[str, list[Document]] = {}
        self.documents: dict[str, Document] = {}

    def put(
        self, collection_path: str, item: Document, *, id_field: str | None = "id", key: str | None = None
    ) -> Document:
        """Insert ``item`` (a copy), replacing one with the same key; assigns ``id_field`` when missing."""
        stored = copy.deepcopy(item)
        if id_field and not stored.get(id_field):
            stored[id_field] = new_object_id()
        items = self.collections.setdefault(collection_path.rstrip("/"), [])
        for existing_key in (stored.get(key) if key else None, stored.get(id_field) if id_field else None):
            if existing_key is not None:
                for i, existing in enumerate(items):
                    if _matches(existing, str(existing_key), key):
                        items[i] = stored
                        return stored
        items.append(stored)
        return stored

    def list(self, collection_path: str) -> list[Document]:
        """The collection's items, in insertion order (the live list): ``fake.store.list(buckets_path)``."""
        return self.collections.get(collection_path.rstrip("/"), [])

    def get(self, collection_path: str, item_key: str, key: str | None = None) -> Document | None:
        """The item whose ``key`` field (or ``_id``/``id``/``name``) equals ``item_key``.

        ``fake.store.get(roles_path, "reader", key="roleName")``
        """
        for item in self.list(collection_path):
            if _matches(item, item_key, key):
                return item
        return None

    def delete(self, collection_path: str, item_key: str, key: str | None = None) -> bool:
        """Remove the item `get` would return; whether there was one. ``fake.store.delete(path, bucket_id)``"""
        items = self.list(collection_path)
        for i, item in enumerate(items):
            if _matches(item, item_key, key):
                del items[i]
                return True
        return False

    def extend(
        self, collection_path: str, items: Iterable[Document], *, id_field: str | None = "id"
    ) -> builtins.list[Document]:
        """`put` each item: ``fake.store.extend(buckets_path, [{"bucketName": "a"}], id_field="_id")``."""
        return [self.put(collection_path, item, id_field=id_field) for item in items]

    def find(self, collection_path: str, keys: Sequence[tuple[ItemKey, str]]) -> Document | None:
        """The item whose key fields hold ``keys``' values (a key without a field: any scalar field does)."""
        for item in self.list(collection_path):
            if all(_matches_key(item, key.field, value) for key, value in keys):
                return item
        return None

    def remove_item(self, collection_path: str, item: Document) -> bool:
        """Remove this very item (compared by identity); whether it was there."""
        items = self.list(collection_path)
        for i, existing in enumerate(items):
            if existing is item:
                del items[i]
                return True
        return False

    def drop_under(self, item_path: str) -> None:
        """Forget every collection and document nested under ``item_path`` (a deleted parent's children)."""
        prefix = item_path.rstrip("/") + "/"
        for path in [p for p in self.collections if p.startswith(prefix)]:
            del self.collections[path]
        for path in [p for p in self.documents if p.startswith(prefix)]:
            del self.documents[path]

    @staticmethod
    def any_scalar(item: Document, exclude: Iterable[str] = ()) -> str | None:
        """The first string field of ``item`` outside ``exclude``: the value naming an item without a key field."""
        skipped = set(exclude)
        return next((v for k, v in item.items() if isinstance(v, str) and k not in skipped), None)

    def clear(self) -> None:
        """Forget everything: ``fake.store.clear()``."""
        self.collections.clear()
        self.documents.clear()


def _matches_key(item: Document, field: str | None, value: str) -> bool:
    if field is None:
        return any(isinstance(v, (str, int)) and not isinstance(v, bool) and str(v) == value for v in item.values())
    return _matches(item, value, field)


def _matches(item: Document, item_key: str, key: str | None) -> bool:
    if key is not None and key in item:
        return str(item[key]) == item_key
    return any(field in item and str(item[field]) == item_key for field in _KEY_FIELDS)
