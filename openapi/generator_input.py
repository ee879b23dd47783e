"""Write the spec as openapi-python-client should read it: each parameter's description also on its schema.

The generator documents a parameter with its *schema's* description and drops the parameter's own, so the
facade's docstrings said ``group_id (str):`` with nothing after it although the spec describes every parameter
(issue #17). This copy (a scratch file, never checked in) moves each parameter description onto its schema where
the schema has none, and ends each operation's description with its call facts (method, path, operationId,
media type, deprecation: templates see neither the operationId nor `deprecated`); nothing else changes.
`make generate` runs it before the generator.

    python openapi/generator_input.py SPEC OUT_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def _describe(parameter: dict[str, Any]) -> None:
    schema = parameter.get("schema")
    description = parameter.get("description")
    if not description or not isinstance(schema, dict) or "$ref" in schema or schema.get("description"):
        return
    schema["description"] = description


def _add_facts(path: str, method: str, operation: dict[str, Any]) -> None:
    media_type = next(
        (
            next(iter(response.get("content") or {}), None)
            for status, response in sorted((operation.get("responses") or {}).items())
            if str(status).startswith("2") and isinstance(response, dict)
        ),
        None,
    )
    facts = [f"operationId ``{operation['operationId']}``"]
    if media_type:
        facts.append(f"``{media_type}``")
    if operation.get("deprecated"):
        facts.append("**deprecated**")
    line = f"``{method.upper()} {path}`` ({', '.join(facts)})."
    description = operation.get("description") or ""
    operation["description"] = f"{description}\n\n{line}" if description else line


def generator_input(spec: dict[str, Any]) -> dict[str, Any]:
    for parameter in (spec.get("components", {}).get("parameters") or {}).values():
        if isinstance(parameter, dict):
            _describe(parameter)
    for path, item in (spec.get("paths") or {}).items():
        method_of = {id(value): key for key, value in item.items()}
        for operation in [item, *(value for value in item.values() if isinstance(value, dict))]:
            if operation is not item and "operationId" in operation:
                _add_facts(path, method_of[id(operation)], operation)
            for parameter in operation.get("parameters") or []:
                if isinstance(parameter, dict) and "$ref" not in parameter:
                    _describe(parameter)
    return spec


def main(argv: list[str]) -> int:
    spec_path, out_path = Path(argv[1]), Path(argv[2])
    spec = yaml.load(spec_path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(generator_input(spec), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
