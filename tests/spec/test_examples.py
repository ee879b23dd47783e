"""Every example of the documented operations validates against its schema ($refs resolved).

The doc pages' examples are ours to keep valid (overrides.yaml fixes the contradictory ones). The official
document's own examples are MongoDB's: a few do not match its own schemas (a cluster example whose instance size
fits several oneOf branches), so they are not checked here; the Prism contract test exercises every operation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "atlas-admin-v2.yaml"


def _spec():
    return yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _media_examples(spec):
    """Yield (id, schema, value) for every example attached to a media type."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not op.get("x-atlas-documented"):
                continue
            where = []
            rb = op.get("requestBody")
            if rb:
                for media, m in rb["content"].items():
                    where.append((f"{method.upper()} {path} request {media}", m))
            for status, resp in op["responses"].items():
                for media, m in (resp.get("content") or {}).items():
                    where.append((f"{method.upper()} {path} {status} {media}", m))
            for name, m in where:
                if "example" in m:
                    yield name, m.get("schema"), m["example"]
                for label, ex in (m.get("examples") or {}).items():
                    yield f"{name} [{label}]", m.get("schema"), ex["value"]


SPEC = _spec()
CASES = list(_media_examples(SPEC))


def test_there_are_examples():
    assert len(CASES) > 100


@pytest.mark.parametrize("name,schema,value", CASES, ids=[c[0] for c in CASES])
def test_example_validates(name, schema, value):
    assert schema is not None, f"{name}: example without schema"
    root = dict(schema)
    root["components"] = SPEC["components"]
    validator = OAS30Validator(root, format_checker=OAS30Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    msgs = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
    assert not msgs, f"{name}:\n  " + "\n  ".join(msgs)


def test_discriminators_match_examples():
    """A value under a discriminated union names a mapped variant."""
    schemas = SPEC["components"]["schemas"]

    def resolve(s):
        while "$ref" in s:
            s = schemas[s["$ref"].rsplit("/", 1)[1]]
        return s

    problems = []

    def walk(s, v, where):
        s = resolve(s)
        if "discriminator" in s and isinstance(v, dict):
            prop = s["discriminator"]["propertyName"]
            mapping = s["discriminator"]["mapping"]
            if v.get(prop) not in mapping:
                problems.append(f"{where}: {prop}={v.get(prop)!r} not in {sorted(mapping)}")
                return
            walk({"$ref": mapping[v[prop]]}, v, where)
            return
        if s.get("type") == "array" and isinstance(v, list):
            for i, x in enumerate(v):
                walk(s.get("items", {}), x, f"{where}/{i}")
        if isinstance(v, dict):
            for k, x in v.items():
                if k in (s.get("properties") or {}):
                    walk(s["properties"][k], x, f"{where}/{k}")

    for name, schema, value in CASES:
        walk(schema, value, name)
    assert not problems, "\n".join(problems)
