"""Request arguments and documented responses for every operation, read from the packaged spec.

Shared by the tests that call all 43 operations (against httpx.MockTransport here, and against Prism in
tests/contract): one place knows how to turn the spec's examples into facade arguments.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass
from importlib import import_module, resources
from typing import Any
from urllib.parse import quote

import atlas_admin_api
from atlas_admin_api._operations import OPERATIONS, Operation
from atlas_admin_api.api import TAGS
from atlas_admin_api.types import UnknownVariant

SPEC: dict[str, Any] = json.loads((resources.files(atlas_admin_api) / "openapi.json").read_text(encoding="utf-8"))

# One valid value per documented path pattern. A new pattern in the spec fails `path_value` loudly.
PATH_SAMPLES: dict[str | None, str] = {
    r"^([a-f0-9]{24})$": "32b6e34b3d91647abb20e7b8",
    '^[^/\\\\ "$]{1,64}$': "sample_name-1",
    r"^[a-zA-Z0-9][a-zA-Z0-9-]*$": "Cluster0",
    r"^mdb_sa_id_[a-fA-F\d]{24}$": "mdb_sa_id_32b6e34b3d91647abb20e7b8",
    r"^vpce-[0-9a-f]{17}$": "vpce-0123456789abcdef0",
    r"^([0-9]{1,3}\.){3}[0-9]{1,3}|([0-9a-f]{1,4}\:){7}([0-9a-f]{1,4})|(([a-z0-9]+\.){1,10}[a-z]+)?(\:[0-9]{4,5})$": (
        "cluster0-shard-00-00.abcde.mongodb.net:27017"
    ),
    None: "sample",
}
# Enum-valued path parameters (no pattern) take their first documented value.
ENUM_PATH_VALUES = {"cloudProvider": "AWS"}


@dataclass
class OperationCase:
    key: str
    operation: Operation
    tag: str
    path_args: dict[str, str]
    body: Any
    request_example: Any
    status: int
    response_example: Any

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
        if param["name"] == spec_name and "enum" in param.get("schema", {}):
            return str(param["schema"]["enum"][0])
    if spec_name in ENUM_PATH_VALUES and pattern is None:
        return ENUM_PATH_VALUES[spec_name]
    if pattern not in PATH_SAMPLES:
        raise AssertionError(f"no sample value for the path pattern {pattern!r}: add one to PATH_SAMPLES")
    value = PATH_SAMPLES[pattern]
    assert pattern is None or re.search(pattern, value), (pattern, value)
    return value


def _body_for(module: Any, example: Any) -> Any:
    hints = typing.get_type_hints(module._get_kwargs)
    body_type = hints["body"]
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
    for tag in TAGS:
        module_tag = "mongo_db_cloud_users" if tag == "mongodb_cloud_users" else tag
        try:
            import_module(f"atlas_admin_api.api.{module_tag}.{key}")
        except ModuleNotFoundError:
            continue
        return tag
    raise AssertionError(f"no tag module holds {key}")


def operation_cases() -> list[OperationCase]:
    cases = []
    for key, op in sorted(OPERATIONS.items()):
        tag = tag_of(key)
        module_tag = "mongo_db_cloud_users" if tag == "mongodb_cloud_users" else tag
        module = import_module(f"atlas_admin_api.api.{module_tag}.{key}")
        spec = _operation_spec(op)
        path_args = {
            python_name: path_value(op, spec_name, pattern) for spec_name, python_name, _t, pattern in op.path_params
        }
        request_example = None
        body = None
        if op.request_media_type is not None:
            request_example = first_example(spec["requestBody"]["content"][op.request_media_type])
            assert request_example is not None, f"{op.operation_id} documents no request example"
            body = _body_for(module, request_example)
        status, response = next((s, r) for s, r in sorted(spec["responses"].items()) if s.startswith("2"))
        media = (response.get("content") or {}).get(op.media_type or "", {})
        cases.append(
            OperationCase(
                key=key,
                operation=op,
                tag=tag,
                path_args=path_args,
                body=body,
                request_example=request_example,
                status=int(status),
                response_example=first_example(media),
            )
        )
    return cases
