"""Requests made up from a spec, for walking FakeAtlas through every operation and resource family.

The values come from the spec alone (enums, patterns, schemas), never from FakeAtlas's answers except
where a real client would take them too: the key of a created item is read from what create returned.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
from atlas_admin.testing._families import Family
from atlas_admin.testing._patterns import sample_for
from atlas_admin.testing._spec import Parameter, Spec, SpecOperation
from shared_dirs import require_shared

REPO = Path(__file__).resolve().parents[2]
WHOLE_API_FILE = "atlas-api-2026-06-23.yaml"


def whole_api_document() -> dict[str, Any]:
    """The official 2026-06-23 document: checked in as openapi/upstream/atlas-api.yaml, else from ../shared.

    Without either the calling test skips (fails under CI=true) with the shared folders' one line.
    """
    checked_in = REPO / "openapi" / "upstream" / "atlas-api.yaml"
    if checked_in.is_file():
        return _load_yaml(checked_in)
    return _load_yaml(require_shared("atlas-openapi") / WHOLE_API_FILE)


_LOADED: dict[Path, dict[str, Any]] = {}


def _load_yaml(path: Path) -> dict[str, Any]:
    if path not in _LOADED:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the 4 MB file in ~2 s
        _LOADED[path] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return _LOADED[path]


def param_value(param: Parameter) -> str:
    """A value the parameter's schema allows."""
    return schema_value(param.schema)


def schema_value(schema: dict[str, Any]) -> str:
    """A path or query value ``schema`` allows (an array: one item)."""
    if schema.get("type") == "array":
        return schema_value(schema.get("items") or {})
    if schema.get("enum"):
        return str(schema["enum"][0])
    if "pattern" in schema:
        sample = sample_for(schema["pattern"], schema.get("minLength", 0), schema.get("maxLength"))
        if sample:
            return sample
    if schema.get("type") in ("integer", "number"):
        return str(int(schema.get("minimum", 1)))
    if schema.get("type") == "boolean":
        return "true"
    if schema.get("format") == "date-time":
        return "2024-01-01T00:00:00Z"
    if schema.get("format") == "date":
        return "2024-01-01"
    return "name1" + "x" * max(0, schema.get("minLength", 0) - 5)


def media_type(op: SpecOperation) -> str | None:
    """The newest version the operation answers with (what the SDK sends)."""
    return sorted(op.versions)[-1] if op.versions else None


def headers_for(op: SpecOperation, with_body: bool) -> dict[str, str]:
    version = media_type(op)
    headers = {"Accept": version} if version else {}
    if with_body and op.request_media_types:
        headers["Content-Type"] = version if version in op.request_media_types else op.request_media_types[0]
    return headers


def required_query(op: SpecOperation) -> dict[str, str]:
    return {p.name: param_value(p) for p in op.query_params if p.required}


def body_for(spec: Spec, op: SpecOperation) -> Any:
    schema = spec.request_schema(op, media_type(op))
    return None if schema is None else spec.synthesizer.value(schema, for_request=True)


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: urllib.parse.quote(values[m.group(1)], safe=""), template)


async def send(http: httpx.AsyncClient, op: SpecOperation, path: str, body: Any = None) -> httpx.Response:
    content = None if body is None else json.dumps(body)
    return await http.request(
        op.method, path, params=required_query(op), headers=headers_for(op, content is not None), content=content
    )


def first_item(payload: Any) -> Any:
    """The created item, whether create answered the item, a list, or a results envelope."""
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return payload["results"][-1] if payload["results"] else None
    if isinstance(payload, list):
        return payload[-1] if payload else None
    return payload


def item_path(spec: Spec, family: Family, collection_values: dict[str, str], created: dict[str, Any]) -> str | None:
    """The created item's path: its key fields, else a value of it that the path parameter accepts."""
    assert family.item is not None
    values = dict(collection_values)
    getter = spec.by_id[next(iter(v for k, v in family.operations.items() if k in ("get", "update", "delete")))]
    params = {p.name: p for p in getter.path_params}
    for key in family.keys:
        value = created.get(key.field) if key.field else None
        if value is None:
            param = params[key.param]
            value = next(
                (
                    v
                    for k, v in created.items()
                    if isinstance(v, str) and k not in collection_values and param.validator.is_valid(v)
                ),
                None,
            )
        if value is None:
            return None
        values[key.param] = str(value)
    return fill(family.item, values)
