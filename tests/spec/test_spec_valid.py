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
    return yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


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
    # every tag used is declared (the official document also declares a few that no operation uses yet)
    assert used <= {t["name"] for t in spec["tags"]}


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
    documented = {(p, m) for p, item in spec["paths"].items() for m, op in item.items() if op.get("x-atlas-documented")}

    def schemas_of_pages(path: tuple) -> bool:
        """Where the pages' conventions hold (the official document has a few nullable enums the generator takes)."""
        return path[:1] == ("paths",) and (path[1], path[2]) in documented

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
        if "nullable" in node and "enum" in node and schemas_of_pages(path):
            problems.append(f"nullable enum at {path}")
        # inline object schemas with properties must be components
        if (
            node.get("type") == "object"
            and "properties" in node
            and path[:1] == ("paths",)  # (the generator names an inline object inside a component after its place)
        ):
            problems.append(f"inline object schema at {path}")
        if "oneOf" in node and "discriminator" in node:
            d = node["discriminator"]
            refs = [r["$ref"] for r in node["oneOf"]]
            # several values may name one variant (the official document maps 160 metric names to 3 shapes)
            if set(d["mapping"].values()) != set(refs):
                problems.append(f"incomplete discriminator mapping at {path}")
            if set(node) - {"oneOf", "discriminator", "description", "type", "readOnly", "writeOnly", "externalDocs"}:
                problems.append(f"union with extra keywords at {path}")
            for value, ref in d["mapping"].items():
                var = schemas[ref.rsplit("/", 1)[1]]
                prop = var["properties"][d["propertyName"]]
                if prop.get("type") != "string" or value not in (prop.get("enum") or []):
                    problems.append(f"variant {ref} discriminator enum lacks {value}")
                if d["propertyName"] not in var.get("required", []):
                    problems.append(f"variant {ref} does not require {d['propertyName']}")
    assert not problems, "\n".join(problems)


VERSIONED = re.compile(r"application/vnd\.atlas\.(\d{4}-\d{2}-\d{2}|preview)\+(json|gzip|csv)")


def _patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_no_pattern_is_escaped_twice(spec):
    # \\d in a pattern matches a backslash then "d": the official document has had phone-number and date-time
    # patterns written that way, which no real value matches (overrides.yaml pattern_rewrites fixes them).
    twice = re.compile(r"\\\\[dswDSW+.]")
    assert sorted({p for p in _patterns(spec) if twice.search(p)}) == []


def test_media_types(spec):
    problems = []
    responses = spec["components"].get("responses") or {}
    for p, item in spec["paths"].items():
        for m, op in item.items():
            rb = op.get("requestBody")
            if rb and len(rb["content"]) != 1:
                problems.append(f"{m} {p}: request body media types {list(rb['content'])}")
            if rb and not VERSIONED.fullmatch(next(iter(rb["content"]))):
                problems.append(f"{m} {p}: unversioned request media type {list(rb['content'])}")
            for st, r in op["responses"].items():
                if "$ref" in r:
                    r = responses[r["$ref"].rsplit("/", 1)[1]]
                content = r.get("content") or {}
                if st.startswith(("4", "5")):
                    for media, body in content.items():
                        if media != "application/json" and not VERSIONED.fullmatch(media):
                            problems.append(f"{m} {p} {st}: error media type {media}")
                        elif body.get("schema") != {"$ref": "#/components/schemas/ApiError"} and op.get(
                            "x-atlas-documented"
                        ):
                            # (the official document gives resource-policy 400s their own error shape)
                            problems.append(f"{m} {p} {st}: error body must be ApiError")
                    continue
                if not st.startswith("2"):
                    continue
                if not content:
                    problems.append(f"{m} {p} {st}: no media type")
                for media in content:
                    if not VERSIONED.fullmatch(media):
                        problems.append(f"{m} {p} {st}: unversioned success media type {media}")
            firsts = [
                next(iter(r.get("content") or {"": 0})) for st, r in op["responses"].items() if st.startswith("2")
            ]
            if op.get("x-atlas-version") and not any(op["x-atlas-version"] in first for first in firsts):
                problems.append(
                    f"{m} {p}: the version sent ({op['x-atlas-version']}) comes first in no success response"
                )
    assert not problems, "\n".join(problems)


def test_assemble_is_stable():
    docs = require_docs()
    r = subprocess.run(
        [sys.executable, str(REPO / "openapi" / "assemble.py"), "--docs", str(docs), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, f"assemble.py --check failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"


def test_assemble_without_the_pages_gives_the_same_files(tmp_path):
    """A clone without the doc pages assembles from openapi/documented-operations.json: the same bytes, no skip."""
    env = {**os.environ, "ATLAS_DOCS_DIR": str(tmp_path / "no-pages")}
    outputs = {"--out": "atlas-admin-v2.yaml", "--report": "DISAGREEMENTS.md", "--names": "atlas_official_names.jinja"}
    args = [arg for option, name in outputs.items() for arg in (option, str(tmp_path / name))]
    r = subprocess.run(
        [sys.executable, str(REPO / "openapi" / "assemble.py"), *args], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == (
        f"assemble: doc pages not found at {tmp_path / 'no-pages'}: "
        "using the checked-in page facts openapi/documented-operations.json\n"
    )
    for checked_in in (
        SPEC_PATH,
        REPO / "openapi" / "DISAGREEMENTS.md",
        REPO / "openapi" / "templates" / outputs["--names"],
    ):
        assert (tmp_path / checked_in.name).read_bytes() == checked_in.read_bytes(), checked_in.name
    # --check needs the pages themselves (make spec-docs-check skips with one line before it gets here).
    r = subprocess.run(
        [sys.executable, str(REPO / "openapi" / "assemble.py"), *args, "--check"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 3 and "nothing checked" in r.stderr, r.stderr


@pytest.mark.slow
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
