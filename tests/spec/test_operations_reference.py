"""docs/OPERATIONS.md (written by openapi/gen_reference.py in `make generate`) lists every operation of the spec
with its facade call, HTTP method and path, operationId, media type and deprecation, and stays in step."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "OPERATIONS.md"
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "atlas-admin-v2.yaml").read_text(encoding="utf-8"))
ROW = re.compile(r"^\| `atlas\.(\w+)\.(\w+)\((.*?)\)` \| `(\w+) (\S+)` \| `(\w+)` \| `(\S+)` \| (\*\*yes\*\*|no) \|$")


def _spec_operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = (method.upper(), path, operation)
    return found


def _rows() -> dict[str, tuple[str, ...]]:
    rows = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            tag, method_name, _args, http, path, operation_id, media, deprecated = match.groups()
            rows[operation_id] = (tag, method_name, http, path, media, deprecated)
    return rows


def test_reference_is_what_make_generate_writes(tmp_path: Path) -> None:
    out = tmp_path / "OPERATIONS.md"
    table = ROOT / "generated" / "atlas_admin_api" / "_operations.py"
    subprocess.run([sys.executable, str(ROOT / "openapi" / "gen_reference.py"), str(table), str(out)], check=True)
    assert out.read_text(encoding="utf-8") == REFERENCE.read_text(encoding="utf-8"), "run `make generate`"


def test_every_spec_operation_has_one_row_with_its_facts() -> None:
    rows = _rows()
    operations = _spec_operations()
    assert set(rows) == set(operations)
    for operation_id, (method, path, operation) in operations.items():
        _tag, _name, http, row_path, media, deprecated = rows[operation_id]
        assert (http, row_path) == (method, path), operation_id
        # the version sent comes first in one success response (200 and 201 may answer different versions)
        firsts = [
            next(iter(r.get("content") or {}), None)
            for s, r in sorted(operation["responses"].items())
            if s.startswith("2")
        ]
        assert all(f is None for f in firsts) or f"application/vnd.atlas.{media}" in firsts, operation_id
        assert (deprecated == "**yes**") == bool(operation.get("deprecated")), operation_id


@pytest.mark.parametrize("operation_id", sorted(_spec_operations()))
def test_each_row_names_a_facade_method_that_exists(operation_id: str) -> None:
    from atlas_admin_api.api import AtlasOperations

    tag, method_name, *_ = _rows()[operation_id]
    tag_class = type(getattr(AtlasOperations(runner=None), tag))  # type: ignore[arg-type]
    method = getattr(tag_class, method_name)
    assert f"operationId ``{operation_id}``" in " ".join((method.__doc__ or "").split())
    importlib.import_module(tag_class.__module__)


def test_readme_links_the_reference() -> None:
    assert "docs/OPERATIONS.md" in (ROOT / "README.md").read_text(encoding="utf-8")
