"""Fixtures for tests over the generated package (generated/atlas_admin_api, made by `make generate`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

atlas_admin_api = pytest.importorskip("atlas_admin_api.models", reason="run `make generate` first")

GENERATED = Path(__file__).resolve().parents[2] / "generated" / "atlas_admin_api"


@pytest.fixture(scope="session")
def openapi_doc() -> dict[str, Any]:
    """The spec the package was generated from, as shipped with it."""
    doc: dict[str, Any] = json.loads((GENERATED / "openapi.json").read_text(encoding="utf-8"))
    return doc
