"""The checked-in spec is valid, reproducible and lint-clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate
from shared_dirs import require_docs

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "openapi" / "atlas-admin-v2.yaml"
SPECTRAL = REPO / ".tools" / "node" / "node_modules" / ".bin" / "spectral"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def test_openapi_spec_validator(spec):
    validate(spec)


def test_shape_contract(spec):
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] == "MongoDB Atlas Administration API"
    assert spec["info"]["version"] == "2.0"
    assert spec["servers"] == [{"url": "https://cloud.mongodb.com"}]
    assert spec["security"] == [{"ServiceAccounts": []}, {"DigestAuth": []}]
    sa = spec["components"]["securitySchemes"]["ServiceAccounts"]
    assert sa["type"] == "oauth2"
    assert sa["flows"]["clientCredentials"] == {"tokenUrl": "https://cloud.mongodb.com/api/oauth/token", "scopes": {}}
    assert spec["components"]["securitySchemes"]["DigestAuth"] == {"type": "http", "scheme": "digest"}
    used = {op["tags"][0] for item in spec["paths"].values() for op in item.values()}
    assert {t["name"] for t in spec["tags"]} == used


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, i))


def test_schema_conventions(spec):
    schemas = spec["components"]["schemas"]
    problems = []
    for path, node in _walk(spec):
        if not isinstance(node, dict):
            continue
        in_example = any(p in ("example", "examples") for p in path)
        if in_example or path[:1] == ("info",):
            continue
        if "title" in node and path[-2:-1] != ("properties",):
            problems.append(f"title at {path}")
        if "allOf" in node:
            problems.append(f"allOf at {path}")
        if "nullable" in node and "enum" in node:
            problems.append(f"nullable enum at {path}")
        # inline object schemas with properties must be components
        if (
            node.get("type") == "object"
            and "properties" in node
            and not (len(path) == 3 and path[:2] == ("components", "schemas"))
        ):
            problems.append(f"inline object schema at {path}")
        if "oneOf" in node and "discriminator" in node:
            d = node["discriminator"]
            refs = [r["$ref"] for r in node["oneOf"]]
            if sorted(d["mapping"].values()) != sorted(refs):
                problems.append(f"incomplete discriminator mapping at {path}")
            if set(node) - {"oneOf", "discriminator", "description"}:
                problems.append(f"union with extra keywords at {path}")
            for value, ref in d["mapping"].items():
                var = schemas[ref.rsplit("/", 1)[1]]
                prop = var["properties"][d["propertyName"]]
                if prop.get("type") != "string" or prop.get("enum") != [value]:
                    problems.append(f"variant {ref} discriminator is not enum [{value}]")
                if d["propertyName"] not in var.get("required", []):
                    problems.append(f"variant {ref} does not require {d['propertyName']}")
    assert not problems, "\n".join(problems)


def test_media_types(spec):
    problems = []
    for p, item in spec["paths"].items():
        for m, op in item.items():
            rb = op.get("requestBody")
            if rb and len(rb["content"]) != 1:
                problems.append(f"{m} {p}: request body media types {list(rb['content'])}")
            for st, r in op["responses"].items():
                content = r.get("content") or {}
                if len(content) != 1:
                    problems.append(f"{m} {p} {st}: {list(content)}")
                    continue
                ((media, body),) = content.items()
                if st.startswith(("4", "5")):
                    if media != "application/json" or body.get("schema") != {"$ref": "#/components/schemas/ApiError"}:
                        problems.append(f"{m} {p} {st}: error body must be ApiError as application/json")
                elif not re.fullmatch(r"application/vnd\.atlas\.\d{4}-\d{2}-\d{2}\+json", media):
                    problems.append(f"{m} {p} {st}: unversioned success media type {media}")
    assert not problems, "\n".join(problems)


def test_assemble_is_stable():
    docs = require_docs()
    r = subprocess.run(
        [sys.executable, str(REPO / "openapi" / "assemble.py"), "--docs", str(docs), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, f"assemble.py --check failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"


def test_spectral_oas_ruleset():
    if not SPECTRAL.exists():
        msg = f"Spectral not installed at {SPECTRAL} (run `make tools`)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    r = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            "--ruleset",
            str(REPO / "openapi" / ".spectral.yaml"),
            "--fail-severity",
            "error",
            "--format",
            "text",
            str(SPEC_PATH),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    errors = [line for line in r.stdout.splitlines() if " error " in line]
    assert r.returncode == 0 and not errors, f"Spectral reported errors:\n{r.stdout}\n{r.stderr}"
